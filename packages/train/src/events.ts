/** What the trainer tells callbacks, and the callback interface itself. */
import type { JsonValue } from './metrics.js';
import type { Trainer } from './trainer.js';

/** The result of one optimizer step. */
export interface StepInfo {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based batch index within the epoch. */
  readonly batch: number;
  /** Global step count after this step (the first step is 1). */
  readonly step: number;
  /** The batch's training loss (the objective, label smoothing included). */
  readonly loss: number;
  /** Learning rate used by this step. */
  readonly lr: number;
  /** Global L2 norm of the gradients before clipping. */
  readonly gradNorm: number;
  /** Per-parameter gradient L2 norms before clipping, when a callback asked for them this step. */
  readonly paramGradNorms: Readonly<Record<string, number>> | null;
  /** Samples in the batch. */
  readonly batchSize: number;
}

/**
 * One line of the training log: a logged step (`kind: 'step'`, every `logEvery` steps) or an
 * epoch summary (`kind: 'epoch'`, once for `split: 'train'` and once for `'val'`).
 */
export interface LogRecord {
  /** Step or epoch record. */
  readonly kind: 'step' | 'epoch';
  /** Which data the numbers describe. */
  readonly split: 'train' | 'val';
  /** 0-based epoch. */
  readonly epoch: number;
  /** Epochs the fit runs to. */
  readonly epochs: number;
  /** Global step. */
  readonly step: number;
  /** Steps the fit plans in all (epochs × batches, or maxSteps). */
  readonly totalSteps: number;
  /** Mean loss: over the steps since the last step record, or over the epoch / validation set. */
  readonly loss: number;
  /** Metric values (running over the epoch for step records). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Current learning rate. */
  readonly lr: number;
  /** Throughput since the previous step record (step), over the epoch (train) or validation (val). */
  readonly imagesPerSec: number;
  /** Estimated seconds to the end of the fit (null when unknown). */
  readonly eta: number | null;
}

/** Loss and metrics over a dataset. */
export interface EvalResult {
  /** Mean loss (the training objective), weighted by batch size. */
  readonly loss: number;
  /** Metric values. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Samples evaluated. */
  readonly samples: number;
  /** Throughput. */
  readonly imagesPerSec: number;
}

/** Summary of a finished epoch. */
export interface EpochInfo {
  /** 0-based epoch that finished. */
  readonly epoch: number;
  /** Global step at its end. */
  readonly step: number;
  /** Training loss and metrics over the epoch. */
  readonly train: EvalResult;
  /** Validation results, when a validation set was given. */
  readonly val: EvalResult | null;
  /**
   * Flat Keras-style view for monitoring: `loss`, `<metric>`, `val_loss`, `val_<metric>`
   * (e.g. `val_accuracy`).
   */
  readonly logs: Readonly<Record<string, number>>;
}

/** What `fit` returns. */
export interface FitResult {
  /** Epochs finished (in the whole run, including before a resume). */
  readonly epochs: number;
  /** Global step at the end. */
  readonly globalStep: number;
  /** Why training ended early (early stopping, a NaN, maxSteps), or null when it ran to `epochs`. */
  readonly stopReason: string | null;
  /** Summaries of the epochs finished by this call. */
  readonly history: readonly EpochInfo[];
}

/**
 * Hooks into the training loop. Every hook may be async; the trainer awaits it before going
 * on, so a checkpoint written in a hook sees the state of that moment.
 */
export interface Callback {
  /** Unique name: the key of this callback's state in `state.json`. */
  readonly name: string;
  /** Before the first step (after a resume has restored the state). */
  onFitStart?(trainer: Trainer): void | Promise<void>;
  /** Before an epoch's first batch (also when resuming mid-epoch, with `startBatch > 0`). */
  onEpochStart?(trainer: Trainer, epoch: number, startBatch: number): void | Promise<void>;
  /** Whether the step that will become global step `step` should report per-parameter gradient norms. */
  wantsGradNorms?(trainer: Trainer, step: number): boolean;
  /** After every optimizer step. */
  onStepEnd?(trainer: Trainer, info: StepInfo): void | Promise<void>;
  /** For every log record (logged steps and epoch summaries). */
  onLog?(trainer: Trainer, record: LogRecord): void | Promise<void>;
  /** After an epoch and its validation. The trainer's position already points at the next epoch. */
  onEpochEnd?(trainer: Trainer, info: EpochInfo): void | Promise<void>;
  /** When `fit` ends, also after an early stop or a failure a callback reported. */
  onFitEnd?(trainer: Trainer, result: FitResult): void | Promise<void>;
  /** State to store in checkpoints. */
  stateDict?(): JsonValue;
  /** Restores {@link Callback.stateDict} on resume. */
  loadStateDict?(state: JsonValue): void;
}
