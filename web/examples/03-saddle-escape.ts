import type { Example } from "./example.js";

export const example: Example = {
  id: "03-saddle-escape",
  title: "Escaping a saddle point",
  idea:
    "Started almost on the ridge, SGD and momentum head for the saddle at the origin, where " +
    "the gradient's y part is tiny, and linger before sliding off. RMSprop and Adam divide " +
    "each coordinate by its running gradient size, so the tiny y part becomes a full step " +
    "and they turn away at once.",
  function: "saddle",
  optimizers: [{ name: "sgd" }, { name: "momentum" }, { name: "rmsprop" }, { name: "adam" }],
};
