import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-cpu";
const backend = process.argv[2] ?? "wasm";
await tf.setBackend(backend); await tf.ready();
console.log(tf.getBackend(), await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"), await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
const a = tf.randomNormal([128, 784]); const b = tf.randomNormal([784, 256]);
const at = tf.randomNormal([784, 128]); const bt = tf.randomNormal([256, 784]);
function time(name, f, n=50) { f().dispose(); const t=performance.now(); for (let i=0;i<n;i++){ const r=f(); r.dataSync(); r.dispose();} console.log(name, ((performance.now()-t)/n).toFixed(3),"ms"); }
time("plain", () => tf.matMul(a, b));
time("transposeA", () => tf.matMul(at, b, true, false));
time("transposeB", () => tf.matMul(a, bt, false, true));
time("explicit T", () => tf.tidy(() => tf.matMul(tf.transpose(at), b)));
const dz = tf.randomNormal([128,256]);
time("dW plain-T", () => tf.tidy(()=>tf.matMul(tf.transpose(a), dz)));
time("dW transA", () => tf.matMul(a, dz, true, false));
