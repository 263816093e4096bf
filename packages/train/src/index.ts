/**
 * `@skipnet/train`: the training loop (`Trainer` with `fit`, `evaluate`, `predict`),
 * metrics, COCO-style detection evaluation (`DetectionEvaluator`), callbacks, gradient
 * clipping, gradient-flow probes and exactly resumable checkpoints. Browser-safe: file I/O
 * (checkpoint directories, `metrics.jsonl`) lives in `@skipnet/train/node`.
 *
 * @packageDocumentation
 */
export { Trainer, type FitOptions, type TrainerOptions } from './trainer.js';
export { evaluateBatches, predictBatches, type BatchSource, type EpochSource } from './evaluate.js';
export type { Callback, EpochInfo, EvalResult, FitResult, LogRecord, StepInfo, TrainerState, TrainingContext } from './events.js';
export { forwardOf, trainableParameters, type TrainableModel, type TrainableModelBase } from './model.js';
export { flattenLogits, taskLoss, type LossFn, type LossOptions, type Task } from './loss.js';
export { clipGradNorm, gradNorms, type ClipGradNormOptions, type ParamList } from './grad.js';
export { createOptimizer, type OptimizerSpec } from './optimizer.js';
export {
  Accuracy,
  MaskedTokenAccuracy,
  ConfusionMatrix,
  MeanIoU,
  MeanLoss,
  Perplexity,
  PixelAccuracy,
  TopKAccuracy,
  createMetric,
  defaultMetrics,
  type JsonValue,
  type MeanLossOptions,
  type Metric,
  type MetricName,
  type MetricOptions,
  type MetricSpec,
  type TopKOptions,
} from './metrics.js';
export { ExactMatch, type ExactMatchOptions } from './sequence-metrics.js';
export {
  COCO_AREA_RANGES,
  COCO_IOU_THRESHOLDS,
  COCO_MAX_DETS,
  COCO_RECALL_THRESHOLDS,
  DetectionEvaluator,
  DetectionAP,
  formatClassAPTable,
  formatDetectionSummary,
  type AreaRange,
  type ClassDetectionMetrics,
  type DetectionAccumulation,
  type DetectionAPOptions,
  type DetectionAreaRanges,
  type DetectionEvaluatorOptions,
  type DetectionMetrics,
  type DetectionSummary,
  type ImageDetections,
  type ImageGroundTruth,
} from './detection-metrics.js';
export {
  EarlyStopping,
  GradientFlowProbe,
  ModelCheckpoint,
  NanGuard,
  NonFiniteError,
  ProgressLogger,
  formatProgress,
  type EarlyStoppingOptions,
  type GradientFlowOptions,
  type GradientFlowRecord,
  type ModelCheckpointOptions,
  type MonitorMode,
  type NanGuardOptions,
  type ProgressSink,
} from './callbacks.js';
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  disposeCheckpoint,
  encodeCheckpoint,
  joinPath,
  parseTrainingState,
  type BestMetric,
  type Checkpoint,
  type CheckpointFiles,
  type CheckpointIO,
  type CheckpointSources,
  type LoaderState,
  type ProgressState,
  type TrainingState,
} from './checkpoint.js';
