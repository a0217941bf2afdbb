import type { Example } from "./example.js";

export const example: Example = {
  id: "04-himmelblau-basins",
  title: "Same start, different minima",
  idea:
    "Himmelblau's function has four equally deep minima. From a start near its central hump " +
    "the optimizers pick different ones: which minimum you reach depends on the method, " +
    "not only on the start.",
  function: "himmelblau",
  start: [-0.3, -0.9],
  optimizers: [{ name: "sgd" }, { name: "momentum" }, { name: "adagrad" }, { name: "adam" }],
};
