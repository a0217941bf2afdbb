import type { Example } from "./example.js";

export const example: Example = {
  id: "06-rastrigin-ripples",
  title: "Small steps stop in the first ripple",
  idea:
    "Rastrigin's bowl is covered in ripples, each a local minimum. Small steps settle in the " +
    "nearest one. Adam with a large learning rate jumps over several before it settles.",
  function: "rastrigin",
  optimizers: [{ name: "sgd" }, { name: "adam", options: { lr: 1 } }],
};
