/** What the trainer tells callbacks, what callbacks may do to it, and the callback interface itself. */
import type { BestMetric, Checkpoint } from './checkpoint.js';
import type { JsonValue } from './metrics.js';

/** Where training stands; saved in `state.json`. */
export interface TrainerState {
  /** 0-based epoch in progress (= epochs finished). */
  epoch: number;
  /** Batches of `epoch` already trained (the next batch index). */
  batch: number;
  /** Optimizer steps taken. */
  globalStep: number;
  /** Best monitored value so far (maintained by `ModelCheckpoint`). */
  best: BestMetric | null;
  /** The last checkpoint written by a callback, if any. */
  lastCheckpoint: { readonly dir: string; readonly step: number } | null;
  /** False once a step produced a non-finite loss or gradient norm; checkpoints are then refused. */
  finite: boolean;
  /** Whether the state came from a checkpoint. */
  resumed: boolean;
  /** Why the last fit stopped early, or null. */
  stopReason: string | null;
}

/**
 * The running trainer as a callback sees it: its position, its log cadence, and the two things
 * a callback may do — stop the run and snapshot it. The `Trainer` implements it; a callback
 * written against it can be tested with a plain object.
 */
export interface TrainingContext {
  /** Position and health of the run (a checkpoint callback records `best` and `lastCheckpoint`). */
  readonly state: TrainerState;
  /** Steps between step log records. */
  readonly logEvery: number;
  /** The learning rate of the next step. */
  readonly lr: number;
  /** Asks the running `fit` to stop after the current step; with `error`, `fit` rejects with it after `onFitEnd`. */
  stop(reason: string, error?: Error): void;
  /**
   * A snapshot of the whole training state (release it with `disposeCheckpoint`).
   * @throws Error after a non-finite step: a diverged state must not replace a good checkpoint.
   */
  checkpoint(): Checkpoint;
}

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
  onFitStart?(trainer: TrainingContext): void | Promise<void>;
  /** Before an epoch's first batch (also when resuming mid-epoch, with `startBatch > 0`). */
  onEpochStart?(trainer: TrainingContext, epoch: number, startBatch: number): void | Promise<void>;
  /** Whether the step that will become global step `step` should report per-parameter gradient norms. */
  wantsGradNorms?(trainer: TrainingContext, step: number): boolean;
  /** After every optimizer step. */
  onStepEnd?(trainer: TrainingContext, info: StepInfo): void | Promise<void>;
  /** For every log record (logged steps and epoch summaries). */
  onLog?(trainer: TrainingContext, record: LogRecord): void | Promise<void>;
  /** After an epoch and its validation. The trainer's position already points at the next epoch. */
  onEpochEnd?(trainer: TrainingContext, info: EpochInfo): void | Promise<void>;
  /** When `fit` ends, also after an early stop or a failure a callback reported. */
  onFitEnd?(trainer: TrainingContext, result: FitResult): void | Promise<void>;
  /** State to store in checkpoints. */
  stateDict?(): JsonValue;
  /** Restores {@link Callback.stateDict} on resume. */
  loadStateDict?(state: JsonValue): void;
}
