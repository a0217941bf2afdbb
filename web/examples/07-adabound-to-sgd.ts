import type { Example } from "./example.js";

export const example: Example = {
  id: "07-adabound-to-sgd",
  title: "AdaBound turns from Adam into SGD",
  idea:
    "AdaBound clips Adam's per-coordinate step size into bounds that close in on finalLr, " +
    "an SGD learning rate. With gamma 0.02 they close within a few dozen steps, so AdaBound " +
    "leaves Adam's route and ends in the minimum SGD finds. With the default gamma 0.001 it " +
    "would follow Adam.",
  function: "himmelblau",
  start: [-0.3, -0.9],
  optimizers: [
    { name: "sgd", options: { lr: 0.01 } },
    { name: "adam", options: { lr: 0.5 } },
    { name: "adabound", options: { lr: 0.5, finalLr: 0.01, gamma: 0.02 } },
  ],
};
