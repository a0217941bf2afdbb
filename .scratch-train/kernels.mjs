import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
const names = tf.getKernelsForBackend("wasm").map(k=>k.kernelName).sort();
console.log(names.join(" "));
