import type { Example } from "./example.js";

export const example: Example = {
  id: "02-momentum-overshoots",
  title: "Momentum overshoots, Nesterov corrects",
  idea:
    "With the same learning rate, momentum covers the narrow valley far faster than plain SGD " +
    "but swings across it; Nesterov's look-ahead gradient damps the swings.",
  function: "quadratic",
  steps: 150,
  optimizers: [
    { name: "sgd", options: { lr: 0.01 } },
    { name: "momentum", options: { lr: 0.01 } },
    { name: "nesterov", options: { lr: 0.01 } },
  ],
};
