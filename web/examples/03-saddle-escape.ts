import type { Example } from "./example.js";

export const example: Example = {
  id: "03-saddle-escape",
  title: "Escaping a saddle point",
  idea:
    "Started almost on the ridge, every optimizer first heads for the saddle at the origin. " +
    "There the gradient's y part is tiny: SGD lingers, while methods that divide by the " +
    "gradient's running size blow the tiny part up and escape at once.",
  function: "saddle",
  optimizers: [{ name: "sgd" }, { name: "momentum" }, { name: "rmsprop" }, { name: "adam" }],
};
