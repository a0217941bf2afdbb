import type { Example } from "./example.js";

export const example: Example = {
  id: "01-adam-vs-sgd",
  title: "Adam against SGD on Rosenbrock",
  idea:
    "SGD's step follows the gradient's size, which is huge across the valley and tiny along it, " +
    "so it crawls. Adam scales each coordinate's step to about lr and travels the valley.",
  function: "rosenbrock",
  optimizers: [{ name: "sgd" }, { name: "adam" }],
};
