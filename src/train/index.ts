export { BACKENDS, type BackendInfo, type BackendName, type BackendOptions, setupBackend } from "./backend.js";
export { CHECKPOINT_FILE } from "./checkpoint.js";
export {
  DataFileError,
  IDX_FILE_NAMES,
  type ImageSet,
  type MnistDataset,
  NUM_CLASSES,
  SHIPPED_DATA_DIR,
  loadFashionMnist,
} from "./idx.js";
export { MODEL_NAMES, type ModelName, buildModel } from "./models.js";
export { medianEffectiveLr } from "./optimizer.js";
export {
  type BatchRegime,
  type EpochMetrics,
  type RunConfig,
  type RunOptions,
  type RunResult,
  type StepMetrics,
  runTraining,
} from "./run.js";
