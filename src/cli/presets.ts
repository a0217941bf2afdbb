/**
 * Optimizers `descent compare` trains when `--optimizers` is not given, in
 * the order the report lists them.
 */
export const DEFAULT_OPTIMIZERS = [
  "sgd",
  "momentum",
  "nesterov",
  "adagrad",
  "adadelta",
  "rmsprop",
  "adam",
  "adamax",
  "nadam",
  "amsgrad",
  "adabound",
  "amsbound",
] as const;

/**
 * Learning rate each optimizer gets unless `--lr` overrides it. These suit the
 * MLP and CNN on Fashion-MNIST at batch size 128: plain SGD takes a large
 * step, momentum methods a tenth of it (momentum 0.9 multiplies the step by
 * about 10), Adadelta its usual 1.0, and the Adam family its PyTorch default.
 */
export const DEFAULT_LEARNING_RATES: Readonly<Record<string, number>> = {
  sgd: 0.1,
  momentum: 0.01,
  nesterov: 0.01,
  adagrad: 0.01,
  adadelta: 1.0,
  rmsprop: 1e-3,
  adam: 1e-3,
  amsgrad: 1e-3,
  adamw: 1e-3,
  adamax: 2e-3,
  nadam: 2e-3,
  radam: 1e-3,
  adabound: 1e-3,
  amsbound: 1e-3,
  adaboundw: 1e-3,
};
