/**
 * Built-in callbacks: progress, checkpoints (last and best), early stopping, a NaN/Inf
 * guard and the gradient-flow probe. All are browser-safe; storage goes through a
 * `CheckpointIO`, and the Node `metrics.jsonl` writer lives in `@skipnet/train/node`.
 */
import { disposeCheckpoint, joinPath, type CheckpointIO } from './checkpoint.js';
import type { Callback, EpochInfo, LogRecord, StepInfo, TrainingContext } from './events.js';
import type { JsonValue } from './metrics.js';

/** Whether lower or higher is better; `'auto'` picks `'min'` for names containing `loss` or `perplexity`. */
export type MonitorMode = 'min' | 'max' | 'auto';

function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /loss|perplexity|entropy/i.test(monitor) ? 'min' : 'max';
}

function monitored(owner: string, info: EpochInfo, monitor: string): number {
  const v = info.logs[monitor];
  if (v === undefined) {
    throw new Error(`${owner}: the monitored metric '${monitor}' is not in the epoch logs (available: ${Object.keys(info.logs).join(', ')})`);
  }
  return v;
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function fmtDuration(secs: number): string {
  const s = Math.round(secs);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** One human-readable line for a log record (the default sink of {@link ProgressLogger}). */
export function formatProgress(r: LogRecord): string {
  const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} ${fmtNum(v)}`);
  const head = r.kind === 'step' ? `epoch ${r.epoch + 1}/${r.epochs} step ${r.step}/${r.totalSteps}` : `epoch ${r.epoch + 1}/${r.epochs} ${r.split}`;
  const parts = [head, `loss ${fmtNum(r.loss)}`, ...metrics];
  if (r.kind === 'step' || r.split === 'train') parts.push(`lr ${fmtNum(r.lr)}`);
  parts.push(`${r.imagesPerSec.toFixed(1)} img/s`);
  if (r.eta !== null && r.kind === 'step') parts.push(`eta ${fmtDuration(r.eta)}`);
  return parts.join(' | ');
}

/** What {@link ProgressLogger} passes to its sink: every log record (see `LogRecord`). */
export type ProgressSink = (record: LogRecord) => void;

/**
 * Reports progress: calls `sink` with every log record — `{ epoch, step, loss, metrics,
 * lr, imagesPerSec, eta }` plus `kind`/`split` — every `logEvery` steps and at each epoch end.
 * The default sink prints {@link formatProgress} lines with `console.log`.
 */
export class ProgressLogger implements Callback {
  readonly name = 'progress';
  private readonly sink: ProgressSink;
  /** @param sink receives each record (default: print a line). */
  constructor(sink: ProgressSink = (r) => console.log(formatProgress(r))) {
    this.sink = sink;
  }
  onLog(_trainer: TrainingContext, record: LogRecord): void {
    this.sink(record);
  }
}

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** Root directory: the latest state goes to `<dir>/last`, the best to `<dir>/best`. */
  dir: string;
  /** Storage (`nodeCheckpointIO` from `@skipnet/train/node` on Node). */
  io: CheckpointIO;
  /** Epoch log key deciding "best" (default `val_loss`, or `loss` when there is no validation set). */
  monitor?: string;
  /** Direction of improvement (default `'auto'`). */
  mode?: MonitorMode;
  /** Keep `<dir>/best` (default true). */
  saveBest?: boolean;
  /** Also save `<dir>/last` every this many steps (default: only at epoch ends and when fit ends). */
  everySteps?: number;
  /** Save `<dir>/last` when fit ends, also mid-epoch (default true), so an interrupted run can resume. */
  saveOnFitEnd?: boolean;
}

/**
 * Saves checkpoints: `<dir>/last` after every epoch (and every `everySteps` steps, and when
 * fit ends), `<dir>/best` whenever the monitored metric improves. Never saves after a
 * non-finite step, so the last good checkpoint survives a divergence.
 */
export class ModelCheckpoint implements Callback {
  readonly name = 'checkpoint';
  /** Directory of the latest checkpoint. */
  readonly lastDir: string;
  /** Directory of the best checkpoint. */
  readonly bestDir: string;
  private readonly options: ModelCheckpointOptions;
  private lastSavedStep = -1;

  /** @param options see {@link ModelCheckpointOptions}. */
  constructor(options: ModelCheckpointOptions) {
    if (options.everySteps !== undefined && !(Number.isInteger(options.everySteps) && options.everySteps >= 1)) {
      throw new Error(`ModelCheckpoint: everySteps must be a positive integer, got ${options.everySteps}`);
    }
    this.options = options;
    this.lastDir = joinPath(options.dir, 'last');
    this.bestDir = joinPath(options.dir, 'best');
  }

  /** Writes the trainer's current state to `dir`; returns false (writing nothing) after a non-finite step. */
  async save(trainer: TrainingContext, dir: string): Promise<boolean> {
    if (!trainer.state.finite) return false;
    const ckpt = trainer.checkpoint();
    try {
      await this.options.io.save(dir, ckpt);
    } finally {
      disposeCheckpoint(ckpt);
    }
    if (dir === this.lastDir) {
      this.lastSavedStep = trainer.state.globalStep;
      trainer.state.lastCheckpoint = { dir, step: trainer.state.globalStep };
    }
    return true;
  }

  async onStepEnd(trainer: TrainingContext, info: StepInfo): Promise<void> {
    const every = this.options.everySteps;
    if (every !== undefined && info.step % every === 0) await this.save(trainer, this.lastDir);
  }

  async onEpochEnd(trainer: TrainingContext, info: EpochInfo): Promise<void> {
    if (!trainer.state.finite) return;
    const monitor = this.options.monitor ?? (info.val ? 'val_loss' : 'loss');
    const mode = resolveMode(monitor, this.options.mode ?? 'auto');
    const value = monitored('ModelCheckpoint', info, monitor);
    const best = trainer.state.best;
    const improved = Number.isFinite(value) && (best === null || best.monitor !== monitor || (mode === 'min' ? value < best.value : value > best.value));
    // Update "best" first so both files written below record it.
    if (improved) trainer.state.best = { monitor, mode, value, epoch: info.epoch, step: info.step };
    await this.save(trainer, this.lastDir);
    if (improved && (this.options.saveBest ?? true)) await this.save(trainer, this.bestDir);
  }

  async onFitEnd(trainer: TrainingContext): Promise<void> {
    if ((this.options.saveOnFitEnd ?? true) && this.lastSavedStep !== trainer.state.globalStep) await this.save(trainer, this.lastDir);
  }
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Epoch log key to watch (default `val_loss`). */
  monitor?: string;
  /** Direction of improvement (default `'auto'`). */
  mode?: MonitorMode;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as improvement (default 0). */
  minDelta?: number;
}

/** Stops `fit` when the monitored metric has not improved for `patience` epochs (Keras' EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly name = 'earlyStopping';
  /** Best value seen (null before the first epoch). */
  best: number | null = null;
  /** Epoch of the best value. */
  bestEpoch = -1;
  /** Epochs since the last improvement. */
  wait = 0;
  private readonly monitor: string;
  private readonly mode: 'min' | 'max';
  private readonly patience: number;
  private readonly minDelta: number;

  /** @param options see {@link EarlyStoppingOptions}. */
  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = resolveMode(this.monitor, options.mode ?? 'auto');
    this.patience = options.patience ?? 5;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    if (!(Number.isInteger(this.patience) && this.patience >= 0))
      throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${this.patience}`);
  }

  onEpochEnd(trainer: TrainingContext, info: EpochInfo): void {
    const v = monitored('EarlyStopping', info, this.monitor);
    const better = this.best === null || (this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta);
    if (better && Number.isFinite(v)) {
      this.best = v;
      this.bestEpoch = info.epoch;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      trainer.stop(`EarlyStopping: ${this.monitor} has not improved for ${this.wait} epoch(s) (best ${this.best} at epoch ${this.bestEpoch + 1})`);
    }
  }

  stateDict(): JsonValue {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  loadStateDict(state: JsonValue): void {
    const s = state as { best?: unknown; bestEpoch?: unknown; wait?: unknown };
    this.best = typeof s.best === 'number' ? s.best : null;
    this.bestEpoch = typeof s.bestEpoch === 'number' ? s.bestEpoch : -1;
    this.wait = typeof s.wait === 'number' ? s.wait : 0;
  }
}

/** Raised by {@link NanGuard}: the loss or gradient norm stopped being finite. */
export class NonFiniteError extends Error {
  /** The global step that produced the value. */
  readonly step: number;
  /** @param message the full explanation; @param step the offending global step. */
  constructor(message: string, step: number) {
    super(message);
    this.name = 'NonFiniteError';
    this.step = step;
  }
}

/** Options of {@link NanGuard}. */
export interface NanGuardOptions {
  /** `'throw'` (default): `fit` rejects with a {@link NonFiniteError}; `'stop'`: it returns with `stopReason` set. */
  action?: 'throw' | 'stop';
}

/**
 * Stops training at the first step whose loss or gradient norm is NaN or infinite, with a
 * message naming the step and the last good checkpoint. Checkpoints are never written after
 * such a step (`ModelCheckpoint` and `Trainer.checkpoint` refuse), so the last good one is kept.
 */
export class NanGuard implements Callback {
  readonly name = 'nanGuard';
  private readonly action: 'throw' | 'stop';
  /** @param options see {@link NanGuardOptions}. */
  constructor(options: NanGuardOptions = {}) {
    this.action = options.action ?? 'throw';
  }
  onStepEnd(trainer: TrainingContext, info: StepInfo): void {
    if (Number.isFinite(info.loss) && Number.isFinite(info.gradNorm)) return;
    const what = Number.isFinite(info.loss) ? `the gradient norm is ${info.gradNorm}` : `the loss is ${info.loss}`;
    const last = trainer.state.lastCheckpoint;
    const kept = last ? `The last good checkpoint, ${last.dir} (step ${last.step}), was kept.` : 'No checkpoint had been saved.';
    const message = `NanGuard: ${what} at step ${info.step} (epoch ${info.epoch + 1}, batch ${info.batch}); training stopped. ${kept}`;
    trainer.stop(message, this.action === 'throw' ? new NonFiniteError(message, info.step) : undefined);
  }
}

/** Gradient L2 norm of every parameter at one step (a column of a gradient-flow heatmap). */
export interface GradientFlowRecord {
  /** Global step. */
  readonly step: number;
  /** Norm by parameter name, before clipping. */
  readonly norms: Readonly<Record<string, number>>;
}

/** Options of {@link GradientFlowProbe}. */
export interface GradientFlowOptions {
  /** Record every this many steps (default: the trainer's `logEvery`, i.e. on logged steps). */
  every?: number;
  /** Also hand each record to this function (e.g. to stream it to a plot). */
  sink?: (record: GradientFlowRecord) => void;
}

/**
 * Records each parameter's gradient L2 norm (before clipping) on logged steps — the data of
 * a gradient-flow heatmap (parameters × steps), which shows how skip connections keep
 * early layers' gradients alive. The norms are computed on the device inside the step.
 */
export class GradientFlowProbe implements Callback {
  readonly name = 'gradientFlow';
  /** Records so far, in step order. */
  readonly records: GradientFlowRecord[] = [];
  private readonly every: number | undefined;
  private readonly sink: ((record: GradientFlowRecord) => void) | undefined;
  /** @param options see {@link GradientFlowOptions}. */
  constructor(options: GradientFlowOptions = {}) {
    if (options.every !== undefined && !(Number.isInteger(options.every) && options.every >= 1)) {
      throw new Error(`GradientFlowProbe: every must be a positive integer, got ${options.every}`);
    }
    this.every = options.every;
    this.sink = options.sink;
  }
  wantsGradNorms(trainer: TrainingContext, step: number): boolean {
    return step % (this.every ?? trainer.logEvery) === 0;
  }
  onStepEnd(_trainer: TrainingContext, info: StepInfo): void {
    if (!info.paramGradNorms) return;
    const record: GradientFlowRecord = { step: info.step, norms: info.paramGradNorms };
    this.records.push(record);
    this.sink?.(record);
  }
  /** The records as a heatmap: `values[i][j]` is parameter `names[i]`'s norm at `steps[j]`. */
  matrix(): { steps: number[]; names: string[]; values: number[][] } {
    const names = this.records.length ? Object.keys(this.records[0]!.norms) : [];
    return {
      steps: this.records.map((r) => r.step),
      names,
      values: names.map((n) => this.records.map((r) => r.norms[n] ?? NaN)),
    };
  }
}
