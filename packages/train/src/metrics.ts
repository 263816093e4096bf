/**
 * Metrics as accumulators: `update(logits, targets)` once per batch, `compute()` at the end.
 * The device reduces each batch to a few numbers (argmax, per-target losses); counting
 * happens on the host in float64 so sums over many batches stay exact.
 */
import { argmax, cast, crossEntropy, gt, mul, noGrad, oneHot, sum, tidy, type Tensor } from '@skipnet/core';
import { checkLayout, classAxis, flattenLogits, type Task } from './loss.js';

/** A JSON value (what metric and callback states serialise to in `state.json`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A metric accumulated over batches. `compute()` of an empty metric is `NaN` (written as
 * `null` in JSON). State round-trips through `stateDict`/`loadStateDict`, so a checkpoint
 * taken mid-epoch resumes the epoch's running metrics exactly.
 */
export interface Metric {
  /** Key in logs (`accuracy`, and `val_accuracy` for validation). */
  readonly name: string;
  /**
   * Adds one batch. Does not take ownership of the tensors. `inputs` is the batch's model
   * input, for metrics that run the model further (decoding-based ones such as `ExactMatch`);
   * the trainer and `evaluateBatches` always pass it.
   */
  update(logits: Tensor, targets: Tensor, inputs?: Tensor): Promise<void>;
  /** The value over every batch since the last reset. */
  compute(): number;
  /** Forgets every batch. */
  reset(): void;
  /** The accumulated counts as JSON. */
  stateDict(): JsonValue;
  /** Restores counts from {@link Metric.stateDict}. */
  loadStateDict(state: JsonValue): void;
  /**
   * Further figures reported beside {@link Metric.name}, by log key (detection's `AP50`,
   * `APsmall`, …), computed from the same accumulated state. Optional.
   */
  figures?(): Record<string, number>;
}

/** Options shared by the built-in metrics. */
export interface MetricOptions {
  /**
   * Layout of logits/targets (see `flattenLogits`). Default: inferred from the logits'
   * rank — 2 classification, 3 language (`[N, T, V]`), 4 segmentation.
   */
  task?: Task;
  /** Targets equal to this are skipped (default -100, like PyTorch). */
  ignoreIndex?: number;
}

function inferTask(logits: Tensor, task: Task | undefined): Task {
  if (task) return task;
  if (logits.rank === 2) return 'classification';
  if (logits.rank === 3) return 'language';
  if (logits.rank === 4) return 'segmentation';
  throw new Error(`metrics: cannot infer the task from logits of rank ${logits.rank}; pass { task }`);
}

/**
 * Reads the tensors `make` returns (run under noGrad, in a tidy), then disposes those it
 * created; `borrowed` (the caller's logits and targets, which `make` may hand back
 * unchanged) are left alone.
 */
async function readBack<K extends string>(borrowed: readonly Tensor[], make: () => Record<K, Tensor>): Promise<Record<K, ArrayLike<number>>> {
  const ts = tidy(() => noGrad(make));
  try {
    const keys = Object.keys(ts) as K[];
    const values = await Promise.all(keys.map((k) => ts[k].data()));
    const out = {} as Record<K, ArrayLike<number>>;
    keys.forEach((k, i) => {
      out[k] = values[i]!;
    });
    return out;
  } finally {
    for (const t of Object.values(ts) as Tensor[]) if (!borrowed.includes(t)) t.dispose();
  }
}

function checkTarget(metric: string, t: number, classes: number, ignoreIndex: number): boolean {
  if (t === ignoreIndex) return false;
  if (!(t >= 0 && t < classes)) throw new Error(`${metric}: target ${t} is out of range for ${classes} classes (ignoreIndex ${ignoreIndex})`);
  return true;
}

function numberField(metric: string, state: JsonValue, key: string): number {
  const v = state && typeof state === 'object' && !Array.isArray(state) ? state[key] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${metric}: invalid saved state: '${key}' must be a finite number`);
  return v;
}

/**
 * A metric that counts hits among cases (`correct / total`): accuracy, top-k accuracy, exact
 * match. Subclasses count in `update`; the state, its reset and its checkpoint form are here.
 */
export abstract class HitRate implements Metric {
  abstract readonly name: string;
  protected correct = 0;
  protected total = 0;
  abstract update(logits: Tensor, targets: Tensor, inputs?: Tensor): Promise<void>;
  compute(): number {
    return this.correct / this.total;
  }
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  stateDict(): JsonValue {
    return { correct: this.correct, total: this.total };
  }
  loadStateDict(state: JsonValue): void {
    this.correct = numberField(this.name, state, 'correct');
    this.total = numberField(this.name, state, 'total');
  }
}

/** Fraction of non-ignored targets whose arg-max class is right (top-1 accuracy). */
export class Accuracy extends HitRate {
  readonly name: string = 'accuracy';
  protected readonly task: Task | undefined;
  protected readonly ignoreIndex: number;
  /** @param options see {@link MetricOptions}. */
  constructor(options: MetricOptions = {}) {
    super();
    this.task = options.task;
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  async update(logits: Tensor, targets: Tensor): Promise<void> {
    const task = inferTask(logits, this.task);
    let classes = 0;
    const r = await readBack([logits, targets], () => {
      // Arg-max along the class axis gives predictions in the targets' own layout (no transpose copy).
      checkLayout(logits, targets, task);
      classes = logits.shape[classAxis(task)]!;
      return { pred: argmax(logits, classAxis(task)), target: targets };
    });
    for (let i = 0; i < r.target.length; i++) {
      const t = r.target[i]!;
      if (!checkTarget(this.name, t, classes, this.ignoreIndex)) continue;
      this.total++;
      if (r.pred[i] === t) this.correct++;
    }
  }
}

/**
 * Masked-token accuracy of a masked LM (BERT's pre-training figure): {@link Accuracy} over the
 * positions whose target is not the ignore index, which a masked-LM dataset sets only where
 * it masked a token. Named `maskedTokenAccuracy`.
 */
export class MaskedTokenAccuracy extends Accuracy {
  override readonly name: string = 'maskedTokenAccuracy';
}

/** Options of {@link TopKAccuracy}. */
export interface TopKOptions extends MetricOptions {
  /** How many top classes count as a hit (default 5). */
  k?: number;
}

/**
 * Fraction of non-ignored targets among the `k` highest logits. A target counts as a hit
 * when fewer than `k` classes score strictly higher, so ties resolve in the target's favour.
 * Named `top<k>Accuracy` (`top5Accuracy`).
 */
export class TopKAccuracy extends HitRate {
  readonly name: string;
  /** The `k` of top-k. */
  readonly k: number;
  private readonly task: Task | undefined;
  private readonly ignoreIndex: number;
  /** @param options see {@link TopKOptions}. */
  constructor(options: TopKOptions = {}) {
    super();
    this.k = options.k ?? 5;
    if (!(Number.isInteger(this.k) && this.k >= 1)) throw new Error(`TopKAccuracy: k must be a positive integer, got ${this.k}`);
    this.name = `top${this.k}Accuracy`;
    this.task = options.task;
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  async update(logits: Tensor, targets: Tensor): Promise<void> {
    const task = inferTask(logits, this.task);
    let classes = 0;
    const r = await readBack([logits, targets], () => {
      const f = flattenLogits(logits, targets, task);
      classes = f.logits.shape[1]!;
      // The target's own logit, then how many classes beat it. Ignored targets one-hot to
      // zeros and are dropped on the host.
      const own = sum(mul(f.logits, oneHot(f.targets, classes)), -1, true);
      return { above: sum(cast(gt(f.logits, own), 'float32'), -1), target: f.targets };
    });
    for (let i = 0; i < r.target.length; i++) {
      if (!checkTarget(this.name, r.target[i]!, classes, this.ignoreIndex)) continue;
      this.total++;
      if (r.above[i]! < this.k) this.correct++;
    }
  }
}

/**
 * A confusion matrix over `C` classes (rows: target, columns: prediction), grown on the
 * first update from the logits' class count. The basis of pixel accuracy and IoU.
 */
export class ConfusionMatrix {
  /** Number of classes (0 before the first update). */
  numClasses = 0;
  /** Row-major `C × C` counts: `counts[t·C + p]`. */
  counts = new Float64Array(0);
  private readonly task: Task | undefined;
  private readonly ignoreIndex: number;
  /** @param options see {@link MetricOptions}. */
  constructor(options: MetricOptions = {}) {
    this.task = options.task;
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  /** Adds the arg-max predictions of one batch. */
  async update(logits: Tensor, targets: Tensor): Promise<void> {
    const task = inferTask(logits, this.task);
    let classes = 0;
    const r = await readBack([logits, targets], () => {
      // Arg-max along the class axis gives predictions in the targets' own layout (no transpose copy).
      checkLayout(logits, targets, task);
      classes = logits.shape[classAxis(task)]!;
      return { pred: argmax(logits, classAxis(task)), target: targets };
    });
    if (this.numClasses === 0) this.resize(classes);
    if (classes !== this.numClasses) throw new Error(`ConfusionMatrix: logits have ${classes} classes, earlier batches had ${this.numClasses}`);
    for (let i = 0; i < r.target.length; i++) {
      const t = r.target[i]!;
      if (!checkTarget('ConfusionMatrix', t, classes, this.ignoreIndex)) continue;
      this.counts[t * classes + r.pred[i]!]!++;
    }
  }
  private resize(c: number): void {
    this.numClasses = c;
    this.counts = new Float64Array(c * c);
  }
  /** Correct / counted (trace over total). */
  accuracy(): number {
    let trace = 0;
    let total = 0;
    const c = this.numClasses;
    for (let i = 0; i < c; i++) trace += this.counts[i * c + i]!;
    for (const v of this.counts) total += v;
    return trace / total;
  }
  /**
   * Intersection over union per class, `TP / (TP + FP + FN)`; `NaN` for a class that appears
   * in neither targets nor predictions.
   */
  iou(): number[] {
    const c = this.numClasses;
    const out: number[] = [];
    for (let k = 0; k < c; k++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < c; j++) {
        row += this.counts[k * c + j]!;
        col += this.counts[j * c + k]!;
      }
      const tp = this.counts[k * c + k]!;
      const union = row + col - tp;
      out.push(union > 0 ? tp / union : NaN);
    }
    return out;
  }
  /** Mean of {@link ConfusionMatrix.iou} over the classes present in targets or predictions. */
  meanIoU(): number {
    const present = this.iou().filter((v) => !Number.isNaN(v));
    return present.reduce((a, b) => a + b, 0) / present.length;
  }
  /** Forgets every batch (keeps the class count). */
  reset(): void {
    this.counts.fill(0);
  }
  /** Counts as JSON. */
  stateDict(): JsonValue {
    return { numClasses: this.numClasses, counts: Array.from(this.counts) };
  }
  /** Restores {@link ConfusionMatrix.stateDict}. */
  loadStateDict(state: JsonValue): void {
    const c = numberField('ConfusionMatrix', state, 'numClasses');
    const counts = (state as { counts?: unknown }).counts;
    if (!Array.isArray(counts) || counts.length !== c * c || !counts.every((v) => typeof v === 'number')) {
      throw new Error(`ConfusionMatrix: invalid saved state: 'counts' must hold ${c}×${c} numbers`);
    }
    this.resize(c);
    this.counts.set(counts as number[]);
  }
}

/** Shares the confusion-matrix plumbing of pixel accuracy and mean IoU. */
abstract class ConfusionMetric implements Metric {
  abstract readonly name: string;
  /** The underlying counts. */
  readonly matrix: ConfusionMatrix;
  constructor(options: MetricOptions = {}) {
    this.matrix = new ConfusionMatrix(options);
  }
  update(logits: Tensor, targets: Tensor): Promise<void> {
    return this.matrix.update(logits, targets);
  }
  abstract compute(): number;
  reset(): void {
    this.matrix.reset();
  }
  stateDict(): JsonValue {
    return this.matrix.stateDict();
  }
  loadStateDict(state: JsonValue): void {
    this.matrix.loadStateDict(state);
  }
}

/** Fraction of non-ignored pixels classified right (segmentation; the confusion matrix's trace over its total). */
export class PixelAccuracy extends ConfusionMetric {
  readonly name = 'pixelAccuracy';
  compute(): number {
    return this.matrix.accuracy();
  }
}

/**
 * Mean intersection-over-union from the confusion matrix accumulated over all batches (not
 * a mean of per-batch IoUs), averaged over the classes present in targets or predictions.
 */
export class MeanIoU extends ConfusionMetric {
  readonly name = 'meanIoU';
  compute(): number {
    return this.matrix.meanIoU();
  }
}

/** Options of {@link MeanLoss}. */
export interface MeanLossOptions extends MetricOptions {
  /** Label smoothing of the cross-entropy (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy summed over every non-ignored target and divided by their count (a
 * per-target mean over the whole set, not a mean of batch means). Named `crossEntropy` so
 * it never collides with the trainer's own `loss` (the objective, which may be custom).
 */
export class MeanLoss implements Metric {
  readonly name: string = 'crossEntropy';
  protected sum = 0;
  protected count = 0;
  private readonly task: Task | undefined;
  private readonly ignoreIndex: number;
  private readonly labelSmoothing: number;
  /** @param options see {@link MeanLossOptions}. */
  constructor(options: MeanLossOptions = {}) {
    this.task = options.task;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  async update(logits: Tensor, targets: Tensor): Promise<void> {
    const task = inferTask(logits, this.task);
    const r = await readBack([logits, targets], () => {
      // Core's crossEntropy takes [N, C, ...] directly; only token logits [N, T, V] need flattening.
      const f = classAxis(task) === 2 ? flattenLogits(logits, targets, task) : (checkLayout(logits, targets, task), { logits, targets });
      const loss = crossEntropy(f.logits, f.targets, { reduction: 'none', ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
      return { loss, target: f.targets };
    });
    for (let i = 0; i < r.target.length; i++) {
      if (r.target[i] === this.ignoreIndex) continue;
      this.sum += r.loss[i]!;
      this.count++;
    }
  }
  compute(): number {
    return this.sum / this.count;
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  stateDict(): JsonValue {
    return { sum: this.sum, count: this.count };
  }
  loadStateDict(state: JsonValue): void {
    this.sum = numberField(this.name, state, 'sum');
    this.count = numberField(this.name, state, 'count');
  }
}

/**
 * Perplexity: `exp` of the mean cross-entropy per non-ignored token over all batches
 * (unsmoothed, whatever the training loss uses).
 */
export class Perplexity extends MeanLoss {
  override readonly name: string = 'perplexity';
  /** @param options see {@link MetricOptions}. */
  constructor(options: MetricOptions = {}) {
    super({ ...options, labelSmoothing: 0 });
  }
  override compute(): number {
    return Math.exp(this.sum / this.count);
  }
}

/** Names of the built-in metrics. */
export type MetricName = 'crossEntropy' | 'accuracy' | 'maskedTokenAccuracy' | 'top5Accuracy' | 'pixelAccuracy' | 'meanIoU' | 'perplexity';

/** A metric by name, or a factory (train and validation each get their own instance). */
export type MetricSpec = MetricName | (() => Metric);

/** Builds a metric from a {@link MetricSpec}. */
export function createMetric(spec: MetricSpec, options: MeanLossOptions = {}): Metric {
  if (typeof spec === 'function') return spec();
  switch (spec) {
    case 'crossEntropy':
      return new MeanLoss(options);
    case 'accuracy':
      return new Accuracy(options);
    case 'maskedTokenAccuracy':
      return new MaskedTokenAccuracy(options);
    case 'top5Accuracy':
      return new TopKAccuracy({ ...options, k: 5 });
    case 'pixelAccuracy':
      return new PixelAccuracy(options);
    case 'meanIoU':
      return new MeanIoU(options);
    case 'perplexity':
      return new Perplexity(options);
    default:
      throw new Error(
        `unknown metric ${JSON.stringify(spec)} (known: crossEntropy, accuracy, maskedTokenAccuracy, top5Accuracy, pixelAccuracy, meanIoU, perplexity)`,
      );
  }
}

/**
 * The metrics a task reports by default: accuracy; pixel accuracy and mean IoU; perplexity;
 * for translation the teacher-forced accuracy per target token; for masked-LM the accuracy on
 * the masked tokens (`maskedTokenAccuracy`). None for detection: its AP
 * needs the detector's post-processing (see `DetectionAP`); translation's exact match needs
 * the model's decoding (see `ExactMatch`).
 */
export function defaultMetrics(task: Task): MetricName[] {
  switch (task) {
    case 'classification':
      return ['accuracy'];
    case 'segmentation':
      return ['pixelAccuracy', 'meanIoU'];
    case 'language':
      return ['perplexity'];
    case 'detection':
      return [];
    case 'translation':
      return ['accuracy'];
    case 'masked-lm':
      return ['maskedTokenAccuracy'];
  }
}
