import type { Example } from "./example.js";

export const example: Example = {
  id: "05-rotated-valley",
  title: "A valley that per-coordinate scaling cannot straighten",
  idea:
    "Adam and Adagrad rescale x and y separately. This quadratic's narrow valley runs " +
    "diagonally, so no rescaling of the axes makes it round: Adam's path still zigzags " +
    "across the valley, and Adagrad's shrinking steps crawl along it like SGD's.",
  function: "quadratic",
  optimizers: [{ name: "sgd" }, { name: "adagrad" }, { name: "adam" }],
};
