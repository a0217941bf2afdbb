import type { Example } from "./example.js";

export const example: Example = {
  id: "08-custom-function",
  title: "Your own function",
  idea:
    "Type any f(x, y) in the custom box: mathjs parses it and derives the gradient " +
    "symbolically. This one adds a Gaussian bump at (1, 0) to a bowl, which flattens the " +
    "slope the paths cross and moves the minimum to about (−0.5, 0).",
  function: {
    expression: "x^2/4 + y^2 + 0.8*exp(-((x - 1)^2 + y^2))",
    domain: { x: [-3, 3], y: [-2, 2] },
    logContours: false,
  },
  start: [2.8, 0.1],
  steps: 200,
  optimizers: [
    { name: "sgd", options: { lr: 0.05 } },
    { name: "momentum", options: { lr: 0.02 } },
    { name: "adam", options: { lr: 0.05 } },
  ],
};
