/**
 * The training loop: `fit`, `evaluate`, `predict`, exact checkpoint/resume.
 *
 * Determinism: on a backend with deterministic kernels (cpu), a run is a pure function of
 * the initial weights, the loader's seed and the trainer's `seed`: data order and
 * augmentation come from the loader's counter-based streams, dropout from core's global
 * generator (seeded by `seed`, saved in checkpoints), and the learning rate is a pure
 * function of the step. That is what lets `fit({ resumeFrom })` reproduce an uninterrupted
 * run bit for bit.
 */
import {
  checkStateDict,
  clone,
  formatShape,
  manualSeed,
  getRngState,
  noGrad,
  scheduleFromConfig,
  setRngState,
  sqrt,
  sum,
  tidy,
  Tensor,
  type LRSchedule,
  type Optimizer,
  type ScheduleConfig,
} from '@skipnet/core';
import { toTensors, type Batch } from '@skipnet/data';
import {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  checkLoaderMatches,
  checkOptimizerBuffers,
  disposeCheckpoint,
  type Checkpoint,
  type CheckpointIO,
  type CheckpointSources,
  type LoaderState,
  type TrainingState,
} from './checkpoint.js';
import type { Callback, EpochInfo, EvalResult, FitResult, LogRecord, StepInfo, TrainerState, TrainingContext } from './events.js';
import { clipWithSquaredNorms, squaredGradNorms } from './grad.js';
import { taskLoss, type LossFn, type LossOptions, type Task } from './loss.js';
import { createMetric, defaultMetrics, type JsonValue, type Metric, type MetricSpec } from './metrics.js';
import { computeAll, evaluateBatches, predictBatches, type BatchSource, type EpochSource } from './evaluate.js';
import { epochLogs, epochRecords, stepRecord } from './log-records.js';
import { forwardOf, trainableParameters, type TrainableModel } from './model.js';
import { createOptimizer, type OptimizerSpec } from './optimizer.js';

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  /** The model. */
  model: TrainableModel;
  /**
   * An optimizer over the model's parameters (built with `model.namedParameters()` so saved
   * buffers carry parameter names), or a spec to build one over the trainable parameters.
   */
  optimizer: Optimizer | OptimizerSpec;
  /** Layout of logits and targets (default `'classification'`). */
  task?: Task;
  /** Cross-entropy options (label smoothing, ignore index), or a custom loss function. */
  loss?: LossOptions | LossFn;
  /** Learning rate per optimizer step (`at(globalStep)`), or its config. */
  schedule?: LRSchedule | ScheduleConfig;
  /** Clip gradients to this global L2 norm before each step. */
  clipGradNorm?: number;
  /** Metrics for training and validation (default: the task's, see `defaultMetrics`). */
  metrics?: readonly MetricSpec[];
  /** Accumulate metrics over training batches too (default true; costs a small readback per step). */
  trainMetrics?: boolean;
  /** Callbacks, called in order. Names must be unique. */
  callbacks?: readonly Callback[];
  /** Seeds core's global generator (dropout, …) when a fresh run starts; saved and restored by checkpoints. */
  seed?: number;
  /** Emit a step log record every this many steps (default 10). */
  logEvery?: number;
  /** The run's configuration, stored in `state.json` (`config`) next to the trainer's settings. */
  config?: Record<string, JsonValue>;
  /** Storage used when `fit({ resumeFrom })` is a path (`nodeCheckpointIO` from `@skipnet/train/node`). */
  checkpointIO?: CheckpointIO;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Training batches. */
  train: EpochSource;
  /** Validation batches, evaluated after every epoch. */
  val?: BatchSource;
  /** Train until this many epochs are finished in all (a resumed run counts the earlier ones). */
  epochs: number;
  /** Stop once the global step reaches this (mid-epoch if need be; the epoch end still runs when it falls on the last batch). */
  maxSteps?: number;
  /** Continue a run: a loaded checkpoint (not disposed by fit), or a path read through `checkpointIO`. */
  resumeFrom?: Checkpoint | string;
}

const now = (): number => performance.now();

function isOptimizer(v: Optimizer | OptimizerSpec): v is Optimizer {
  return typeof (v as Optimizer).step === 'function' && typeof (v as Optimizer).stateDict === 'function';
}

/**
 * Trains a model: `fit` over epochs of a `DataLoader`, `evaluate` and `predict`, with
 * metrics, callbacks, learning-rate schedules, gradient clipping, and checkpoints that
 * resume bit for bit.
 *
 * Each training step runs in one `tidy` — forward, loss, backward, gradient norms and
 * clipping, optimizer step, clearing gradients — and reads back only the loss, the gradient
 * norm and whatever the metrics need, so steps do not grow `memory()`.
 *
 * @example
 * const trainer = new Trainer({ model, optimizer: { kind: 'adamw', lr: 1e-3, weightDecay: 0.05 },
 *   schedule: cosineWithWarmup({ lr: 1e-3, warmupSteps: 100, totalSteps }), clipGradNorm: 1,
 *   callbacks: [new ProgressLogger(), new ModelCheckpoint({ dir: 'runs/a', io: nodeCheckpointIO })] });
 * await trainer.fit({ train, val, epochs: 10 });
 */
export class Trainer implements TrainingContext {
  /** The model being trained. */
  readonly model: TrainableModel;
  /** Its optimizer. */
  readonly optimizer: Optimizer;
  /** Layout of logits and targets. */
  readonly task: Task;
  /** The learning-rate schedule (null: the optimizer's `lr` stays as set). */
  schedule: LRSchedule | null;
  /** Callbacks in call order. */
  readonly callbacks: readonly Callback[];
  /** Steps between step log records. */
  readonly logEvery: number;
  /** Seed of core's global generator for a fresh run. */
  readonly seed: number | undefined;
  /** Position and health of the run. */
  readonly state: TrainerState = { epoch: 0, batch: 0, globalStep: 0, best: null, lastCheckpoint: null, finite: true, resumed: false, stopReason: null };

  private readonly params: [string, Tensor][];
  private readonly forward: (x: Tensor) => Tensor;
  private readonly lossFn: LossFn;
  private readonly lossConfig: JsonValue;
  private readonly clip: number | undefined;
  private readonly metricSpecs: readonly MetricSpec[];
  private readonly metricOptions: { task: Task; ignoreIndex: number };
  private readonly trainMetrics: Metric[];
  private readonly trainMetricsEnabled: boolean;
  private readonly userConfig: Record<string, JsonValue>;
  private readonly io: CheckpointIO | undefined;
  private progress = { epochLossSum: 0, epochSamples: 0, intervalLossSum: 0, intervalSteps: 0 };
  // Throughput clocks: not saved, they restart with the process.
  private timed = { start: 0, steps: 0, samples: 0, epochStart: 0, epochSamples: 0 };
  private loaderState: LoaderState | null = null;
  private plan = { epochs: 0, totalSteps: 0 };
  private stopRequested = false;
  private stopError: Error | null = null;
  private running = false;

  /** @param options see {@link TrainerOptions}. */
  constructor(options: TrainerOptions) {
    this.model = options.model;
    this.forward = forwardOf(options.model);
    this.params = trainableParameters(options.model);
    if (this.params.length === 0) throw new Error('Trainer: the model has no trainable parameters (none with requiresGrad)');
    this.optimizer = isOptimizer(options.optimizer) ? options.optimizer : createOptimizer(options.optimizer, this.params);
    this.task = options.task ?? 'classification';
    if (!['classification', 'segmentation', 'language', 'detection', 'translation', 'masked-lm'].includes(this.task)) {
      throw new Error(`Trainer: unknown task ${JSON.stringify(this.task)} (known: classification, segmentation, language, detection, translation, masked-lm)`);
    }
    const loss = options.loss ?? {};
    if (this.task === 'detection' && typeof loss !== 'function') {
      throw new Error("Trainer: detection needs the detector's loss; pass `loss: (out, y) => detector.loss(out, y, [H, W])`");
    }
    if (typeof loss === 'function') {
      this.lossFn = loss;
      this.lossConfig = 'custom';
    } else {
      const lossOptions = { labelSmoothing: loss.labelSmoothing ?? 0, ignoreIndex: loss.ignoreIndex ?? -100 };
      this.lossFn = (logits, targets) => taskLoss(logits, targets, this.task, lossOptions);
      this.lossConfig = { kind: 'crossEntropy', ...lossOptions };
    }
    this.metricOptions = { task: this.task, ignoreIndex: typeof loss === 'function' ? -100 : (loss.ignoreIndex ?? -100) };
    this.schedule = options.schedule === undefined ? null : 'at' in options.schedule ? options.schedule : scheduleFromConfig(options.schedule);
    if (options.clipGradNorm !== undefined && !(options.clipGradNorm > 0)) throw new Error(`Trainer: clipGradNorm must be > 0, got ${options.clipGradNorm}`);
    this.clip = options.clipGradNorm;
    this.metricSpecs = options.metrics ?? defaultMetrics(this.task);
    this.trainMetrics = this.metricSpecs.map((s) => createMetric(s, this.metricOptions));
    this.trainMetricsEnabled = options.trainMetrics ?? true;
    this.callbacks = options.callbacks ?? [];
    const names = new Set<string>();
    for (const cb of this.callbacks) {
      if (names.has(cb.name)) throw new Error(`Trainer: two callbacks are named '${cb.name}'; names key their saved state and must be unique`);
      names.add(cb.name);
    }
    this.logEvery = options.logEvery ?? 10;
    if (!(Number.isInteger(this.logEvery) && this.logEvery >= 1)) throw new Error(`Trainer: logEvery must be a positive integer, got ${this.logEvery}`);
    this.seed = options.seed;
    this.userConfig = options.config ?? {};
    this.io = options.checkpointIO;
  }

  /** The learning rate of the next step. */
  get lr(): number {
    return this.schedule ? this.schedule.at(this.state.globalStep) : this.optimizer.lr;
  }

  /** Asks the running `fit` to stop after the current step; with `error`, `fit` rejects with it after `onFitEnd`. */
  stop(reason: string, error?: Error): void {
    this.stopRequested = true;
    this.state.stopReason = reason;
    if (error && !this.stopError) this.stopError = error;
  }

  /**
   * One training step on `batch` at the current position (advances `globalStep` and the
   * batch index, updates the running training metrics; calls no callbacks).
   */
  async trainStep(batch: Batch): Promise<StepInfo> {
    const epoch = this.state.epoch;
    const index = this.state.batch;
    const step = this.state.globalStep + 1;
    const wantNorms = this.callbacks.some((cb) => cb.wantsGradNorms?.(this, step) ?? false);
    const lr = this.lr;
    const metrics = this.trainMetricsEnabled ? this.trainMetrics : [];
    const ps = this.params.map(([, p]) => p);
    const clearGrads = (): void => {
      for (const p of ps) {
        p.grad?.dispose();
        p.grad = null;
      }
    };
    clearGrads(); // gradients left by code outside the trainer must not leak into this step
    let out: { loss: Tensor; gradNorm: Tensor; paramNorms: Tensor | null; logits: Tensor | null; y: Tensor | null; x: Tensor | null };
    try {
      out = tidy(() => {
        const { x, y } = toTensors(batch);
        const logits = this.forward(x);
        const loss = this.lossFn(logits, y);
        if (loss.size !== 1) throw new Error(`Trainer: the loss must be a scalar, got shape ${formatShape(loss.shape)}`);
        loss.backward();
        const sq = squaredGradNorms(ps);
        const paramNorms = wantNorms ? noGrad(() => sqrt(sq)) : null;
        const gradNorm = this.clip !== undefined ? clipWithSquaredNorms(ps, sq, this.clip) : noGrad(() => sqrt(sum(sq)));
        this.optimizer.lr = lr;
        this.optimizer.step();
        clearGrads();
        const keepOutputs = metrics.length > 0;
        return { loss, gradNorm, paramNorms, logits: keepOutputs ? logits : null, y: keepOutputs ? y : null, x: keepOutputs ? x : null };
      });
    } catch (e) {
      clearGrads();
      throw e;
    }
    let loss: number;
    let gradNorm: number;
    let paramGradNorms: Record<string, number> | null = null;
    try {
      const [l, g, pn] = await Promise.all([out.loss.data(), out.gradNorm.data(), out.paramNorms?.data()]);
      loss = l[0]!;
      gradNorm = g[0]!;
      if (pn) paramGradNorms = Object.fromEntries(this.params.map(([name], i) => [name, pn[i]!]));
      for (const m of metrics) await m.update(out.logits!, out.y!, out.x!);
    } finally {
      for (const t of [out.loss, out.gradNorm, out.paramNorms, out.logits, out.y, out.x]) t?.dispose();
    }
    const batchSize = batch.xShape[0] ?? 0;
    this.state.batch = index + 1;
    this.state.globalStep = step;
    if (!(Number.isFinite(loss) && Number.isFinite(gradNorm))) this.state.finite = false;
    this.progress.epochLossSum += loss * batchSize;
    this.progress.epochSamples += batchSize;
    this.progress.intervalLossSum += loss;
    this.progress.intervalSteps++;
    this.timed.steps++;
    this.timed.samples += batchSize;
    this.timed.epochSamples += batchSize;
    return { epoch, batch: index, step, loss, lr, gradNorm, paramGradNorms, batchSize };
  }

  /**
   * Trains until `options.epochs` epochs are finished (or `maxSteps`, or a callback stops
   * it), validating after each epoch. With `resumeFrom`, first restores a checkpoint and
   * continues from its exact position. A fresh run with `seed` seeds core's generator.
   * @throws the error a callback passed to {@link Trainer.stop} (e.g. `NanGuard`), after `onFitEnd`.
   */
  async fit(options: FitOptions): Promise<FitResult> {
    if (this.running) throw new Error('Trainer.fit: this trainer is already running fit');
    this.running = true;
    try {
      return await this.runFit(options);
    } finally {
      this.running = false;
    }
  }

  private async runFit(options: FitOptions): Promise<FitResult> {
    const { train, val, epochs, maxSteps } = options;
    if (!(Number.isInteger(epochs) && epochs >= 0)) throw new Error(`Trainer.fit: epochs must be a non-negative integer, got ${epochs}`);
    if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps >= 1))
      throw new Error(`Trainer.fit: maxSteps must be a positive integer, got ${maxSteps}`);
    this.stopRequested = false;
    this.stopError = null;
    this.state.stopReason = null;
    this.loaderState = {
      seed: typeof train.seed === 'number' ? train.seed : null,
      batchSize: typeof train.batchSize === 'number' ? train.batchSize : null,
      shuffle: typeof train.shuffle === 'boolean' ? train.shuffle : null,
      dropLast: typeof train.dropLast === 'boolean' ? train.dropLast : null,
      numBatches: train.numBatches,
    };
    if (options.resumeFrom !== undefined) {
      const owned = typeof options.resumeFrom === 'string';
      const ckpt = typeof options.resumeFrom === 'string' ? await this.load(options.resumeFrom) : options.resumeFrom;
      try {
        this.restore(ckpt, train);
      } finally {
        if (owned) disposeCheckpoint(ckpt);
      }
    } else if (this.seed !== undefined && this.state.globalStep === 0 && this.state.batch === 0 && this.state.epoch === 0) {
      manualSeed(this.seed);
    }
    const numBatches = train.numBatches;
    this.plan = { epochs, totalSteps: Math.min(maxSteps ?? Infinity, epochs * numBatches) };
    const history: EpochInfo[] = [];
    for (const cb of this.callbacks) await cb.onFitStart?.(this);

    while (this.state.epoch < epochs && !this.stopRequested) {
      const e = this.state.epoch;
      const start = this.state.batch;
      if (start === 0) this.resetEpoch();
      this.model.train();
      this.timed = { start: now(), steps: 0, samples: 0, epochStart: now(), epochSamples: 0 };
      for (const cb of this.callbacks) await cb.onEpochStart?.(this, e, start);
      let aborted = false;
      if (!this.stopRequested) {
        for await (const batch of train.epoch(e, { startBatch: start })) {
          const info = await this.trainStep(batch);
          for (const cb of this.callbacks) await cb.onStepEnd?.(this, info);
          if (info.step % this.logEvery === 0) await this.logStep(info);
          if (maxSteps !== undefined && info.step >= maxSteps && !this.stopRequested) this.stop(`reached maxSteps (${maxSteps})`);
          // A stop on the epoch's last batch still runs the epoch end unless it is a failure.
          if (this.stopRequested && (this.stopError || this.state.batch < numBatches)) {
            aborted = true;
            break;
          }
        }
      }
      if (aborted) break;
      history.push(await this.endEpoch(e, val));
    }

    const result: FitResult = { epochs: this.state.epoch, globalStep: this.state.globalStep, stopReason: this.state.stopReason, history };
    for (const cb of this.callbacks) await cb.onFitEnd?.(this, result);
    if (this.stopError) throw this.stopError;
    return result;
  }

  private resetEpoch(): void {
    this.progress.epochLossSum = 0;
    this.progress.epochSamples = 0;
    for (const m of this.trainMetrics) m.reset();
  }

  private async logStep(info: StepInfo): Promise<void> {
    const p = this.progress;
    const interval = {
      lossSum: p.intervalLossSum,
      lossSteps: p.intervalSteps,
      timedSteps: this.timed.steps,
      samples: this.timed.samples,
      seconds: (now() - this.timed.start) / 1000,
    };
    const record = stepRecord(info, interval, this.plan, this.trainMetricsEnabled ? computeAll(this.trainMetrics) : {});
    p.intervalLossSum = 0;
    p.intervalSteps = 0;
    this.timed.start = now();
    this.timed.steps = 0;
    this.timed.samples = 0;
    await this.emit(record);
  }

  private async emit(record: LogRecord): Promise<void> {
    for (const cb of this.callbacks) await cb.onLog?.(this, record);
  }

  private async endEpoch(e: number, val: BatchSource | undefined): Promise<EpochInfo> {
    const secs = (now() - this.timed.epochStart) / 1000;
    const trainRes: EvalResult = {
      loss: this.progress.epochLossSum / this.progress.epochSamples,
      metrics: this.trainMetricsEnabled ? computeAll(this.trainMetrics) : {},
      samples: this.progress.epochSamples,
      imagesPerSec: secs > 0 ? this.timed.epochSamples / secs : 0,
    };
    const valRes = val ? await this.evaluate(val) : null;
    this.model.train();
    // The position moves before the epoch-end hooks so a checkpoint written there resumes at the next epoch.
    this.state.epoch = e + 1;
    this.state.batch = 0;
    for (const record of epochRecords(e, this.state.globalStep, this.optimizer.lr, this.plan, trainRes, valRes)) await this.emit(record);
    const info: EpochInfo = { epoch: e, step: this.state.globalStep, train: trainRes, val: valRes, logs: epochLogs(trainRes, valRes) };
    for (const cb of this.callbacks) await cb.onEpochEnd?.(this, info);
    return info;
  }

  /**
   * Loss and metrics over `data` in eval mode without gradients (the model is left in eval
   * mode; `fit` switches back itself).
   * @param options.metrics metrics to compute instead of the trainer's.
   */
  async evaluate(data: BatchSource, options: { metrics?: readonly MetricSpec[] } = {}): Promise<EvalResult> {
    this.model.eval();
    return evaluateBatches(
      this.forward,
      this.lossFn,
      (options.metrics ?? this.metricSpecs).map((s) => createMetric(s, this.metricOptions)),
      data,
    );
  }

  /**
   * Model outputs in eval mode without gradients: for a tensor, the output of one forward;
   * for a batch or a source of batches, the outputs concatenated along the batch axis.
   * The caller owns the returned tensor.
   */
  async predict(input: Tensor | Batch | BatchSource): Promise<Tensor> {
    this.model.eval();
    return predictBatches(this.forward, input, 'Trainer.predict');
  }

  /**
   * A snapshot of the whole training state: copies of the model's state dict and the
   * optimizer's buffers, plus `state.json`'s contents. Release it with `disposeCheckpoint`.
   * @throws Error when a step was non-finite: a diverged state must not replace a good checkpoint.
   */
  checkpoint(): Checkpoint {
    if (!this.state.finite) throw new Error(`Trainer.checkpoint: refusing to checkpoint after a non-finite step (global step ${this.state.globalStep})`);
    // Copies, so the snapshot stays valid (and consistent) however long saving takes.
    const model = tidy(() => noGrad(() => Object.fromEntries(Object.entries(this.model.stateDict()).map(([k, t]) => [k, clone(t)]))));
    const opt = this.optimizer.stateDict();
    const optimizer = tidy(() => noGrad(() => Object.fromEntries(Object.entries(opt.buffers).map(([k, t]) => [k, clone(t)]))));
    const callbacks: Record<string, JsonValue> = {};
    for (const cb of this.callbacks) if (cb.stateDict) callbacks[cb.name] = cb.stateDict();
    const state: TrainingState = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      config: {
        ...this.userConfig,
        trainer: {
          task: this.task,
          loss: this.lossConfig,
          clipGradNorm: this.clip ?? null,
          logEvery: this.logEvery,
          seed: this.seed ?? null,
          metrics: this.metricSpecs.map((s) => (typeof s === 'string' ? s : 'custom')),
          trainMetrics: this.trainMetricsEnabled,
        },
      },
      epoch: this.state.epoch,
      batch: this.state.batch,
      globalStep: this.state.globalStep,
      optimizer: { config: { ...opt.config }, step: opt.step },
      schedule: this.schedule ? this.schedule.config : null,
      best: this.state.best,
      rng: getRngState(),
      loader: this.loaderState,
      progress: { ...this.progress, metrics: Object.fromEntries(this.trainMetrics.map((m) => [m.name, m.stateDict()])) },
      callbacks,
    };
    return { model, optimizer, state };
  }

  /**
   * Restores a checkpoint: weights, optimizer buffers and step, schedule (when the trainer
   * has none), position, best metric, generator state, running epoch sums and callback
   * states. Everything is checked before anything changes.
   * @param loader the training source `fit` will use; its seed and batching must match the checkpoint's.
   * @throws Error naming the checkpoint file and the mismatch.
   */
  restore(checkpoint: Checkpoint, loader?: EpochSource): void {
    const src: CheckpointSources = checkpoint.sources ?? { ...CHECKPOINT_FILES };
    const s = checkpoint.state;
    const kind = s.optimizer.config.kind;
    const mine = this.optimizer.config.kind;
    if (kind !== mine) throw new Error(`${src.state}: the checkpoint's optimizer is '${String(kind)}' but the trainer's is '${String(mine)}'`);
    if (loader && s.loader) checkLoaderMatches(s.loader, loader, src.state);
    const modelCheck = checkStateDict(this.model.stateDict(), checkpoint.model, { strict: true });
    if (modelCheck.problems.length) throw new Error(`${src.model}: the state dict does not match the model:\n  ${modelCheck.problems.join('\n  ')}`);
    checkOptimizerBuffers(this.optimizer.params, checkpoint.optimizer, src.optimizer);
    if (s.progress.epochSamples > 0) {
      for (const m of this.trainMetrics) {
        if (this.trainMetricsEnabled && !(m.name in s.progress.metrics))
          throw new Error(`${src.state}: no saved state for training metric '${m.name}' (saved: ${Object.keys(s.progress.metrics).join(', ') || 'none'})`);
      }
    }

    try {
      this.model.loadStateDict(checkpoint.model, { strict: true });
    } catch (e) {
      throw new Error(`${src.model}: ${(e as Error).message}`);
    }
    try {
      this.optimizer.loadStateDict({ step: s.optimizer.step, config: s.optimizer.config, buffers: checkpoint.optimizer });
    } catch (e) {
      throw new Error(`${src.optimizer}: ${(e as Error).message}`);
    }
    if (!this.schedule && s.schedule) this.schedule = scheduleFromConfig(s.schedule);
    Object.assign(this.state, { epoch: s.epoch, batch: s.batch, globalStep: s.globalStep, best: s.best, finite: true, resumed: true });
    setRngState(s.rng);
    const { metrics, ...sums } = s.progress;
    this.progress = { ...sums };
    for (const m of this.trainMetrics) {
      const ms = metrics[m.name];
      if (ms !== undefined) m.loadStateDict(ms);
      else m.reset();
    }
    for (const cb of this.callbacks) {
      const cs = s.callbacks[cb.name];
      if (cs !== undefined && cb.loadStateDict) cb.loadStateDict(cs);
    }
  }

  private async load(dir: string): Promise<Checkpoint> {
    if (!this.io) {
      throw new Error(
        `Trainer.fit: resumeFrom is the path '${dir}', but the trainer has no checkpointIO (pass nodeCheckpointIO from @skipnet/train/node, or a loaded Checkpoint)`,
      );
    }
    return this.io.load(dir);
  }
}
