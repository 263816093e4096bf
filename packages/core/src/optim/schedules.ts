/**
 * Learning-rate schedules as pure functions of the optimizer step.
 *
 * Each schedule is `{ name, at(step), config }`: `at(step)` is the learning rate to use for
 * optimizer step `step` (0-based; `at(0)` is the rate of the very first update), and `config`
 * is a plain JSON object from which {@link scheduleFromConfig} rebuilds the same schedule, so
 * a checkpoint stores the config and the step count and nothing else.
 *
 * Where PyTorch has the schedule, `at(k)` equals the rate PyTorch's scheduler holds after `k`
 * calls of `scheduler.step()` (its `last_epoch = k`), computed in closed form rather than
 * by chained multiplication.
 */

/** Config of {@link stepLR}. */
export interface StepLRConfig {
  readonly name: 'stepLR';
  readonly lr: number;
  readonly stepSize: number;
  readonly gamma: number;
}

/** Config of {@link multiStepLR}. */
export interface MultiStepLRConfig {
  readonly name: 'multiStepLR';
  readonly lr: number;
  readonly milestones: readonly number[];
  readonly gamma: number;
}

/** Config of {@link cosineWithWarmup}. */
export interface CosineWithWarmupConfig {
  readonly name: 'cosineWithWarmup';
  readonly lr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minLr: number;
  readonly warmupStartLr: number;
}

/** Config of {@link oneCycle}. */
export interface OneCycleConfig {
  readonly name: 'oneCycle';
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly anneal: 'cos' | 'linear';
}

/** Config of {@link constantLR}. */
export interface ConstantLRConfig {
  readonly name: 'constantLR';
  readonly lr: number;
  readonly factor: number;
  readonly totalIters: number;
}

/** The JSON-serialisable description of any schedule; `name` tells which. */
export type ScheduleConfig = StepLRConfig | MultiStepLRConfig | CosineWithWarmupConfig | OneCycleConfig | ConstantLRConfig;

/** A learning-rate schedule: a pure function of the step plus the config that rebuilds it. */
export interface LRSchedule<C extends ScheduleConfig = ScheduleConfig> {
  /** Which schedule this is (equal to `config.name`). */
  readonly name: C['name'];
  /**
   * Learning rate for 0-based optimizer step `step`.
   * @throws Error if `step` is not a non-negative integer (or, for oneCycle, exceeds `totalSteps`).
   */
  at(step: number): number;
  /** Plain-data config; `scheduleFromConfig(JSON.parse(JSON.stringify(config)))` rebuilds the schedule. */
  readonly config: C;
}

function fail(name: string, msg: string): never {
  throw new Error(`${name}: ${msg}`);
}

function checkFinite(name: string, key: string, v: unknown, min = -Infinity, inclusive = true): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, `${key} must be a finite number, got ${String(v)}`);
  if (inclusive ? v < min : v <= min) fail(name, `${key} must be ${inclusive ? '≥' : '>'} ${min}, got ${v}`);
  return v;
}

function checkInt(name: string, key: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(name, `${key} must be an integer, got ${String(v)}`);
  if (v < min) fail(name, `${key} must be ≥ ${min}, got ${v}`);
  return v;
}

function make<C extends ScheduleConfig>(config: C, lrAt: (step: number) => number): LRSchedule<C> {
  const frozen = Object.freeze(config); // each factory builds a fresh config object
  return {
    name: config.name,
    config: frozen,
    at(step: number): number {
      if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
        fail(config.name, `step must be a non-negative integer, got ${String(step)}`);
      }
      return lrAt(step);
    },
  };
}

/**
 * Step decay, like `torch.optim.lr_scheduler.StepLR`: `lr · gamma^⌊step / stepSize⌋`.
 * @param opts.lr       Base learning rate (≥ 0).
 * @param opts.stepSize Steps between decays (integer ≥ 1).
 * @param opts.gamma    Multiplicative decay (≥ 0), default 0.1.
 */
export function stepLR(opts: { lr: number; stepSize: number; gamma?: number }): LRSchedule<StepLRConfig> {
  const n = 'stepLR';
  const config: StepLRConfig = {
    name: n,
    lr: checkFinite(n, 'lr', opts.lr, 0),
    stepSize: checkInt(n, 'stepSize', opts.stepSize, 1),
    gamma: checkFinite(n, 'gamma', opts.gamma ?? 0.1, 0),
  };
  return make(config, (step) => config.lr * config.gamma ** Math.floor(step / config.stepSize));
}

/**
 * Decay at milestones, like `torch.optim.lr_scheduler.MultiStepLR`:
 * `lr · gamma^(number of milestones ≤ step)`. A repeated milestone decays twice, as in PyTorch.
 * @param opts.milestones Non-decreasing non-negative integer steps.
 * @param opts.gamma      Multiplicative decay (≥ 0), default 0.1.
 * @throws Error if milestones are not sorted or not non-negative integers.
 */
export function multiStepLR(opts: { lr: number; milestones: readonly number[]; gamma?: number }): LRSchedule<MultiStepLRConfig> {
  const n = 'multiStepLR';
  if (!Array.isArray(opts.milestones)) fail(n, `milestones must be an array of steps, got ${String(opts.milestones)}`);
  const milestones = opts.milestones.map((m, i) => checkInt(n, `milestones[${i}]`, m, 0));
  for (let i = 1; i < milestones.length; i++) {
    if (milestones[i]! < milestones[i - 1]!) {
      fail(n, `milestones must be sorted in non-decreasing order, got [${milestones.join(', ')}] (${milestones[i - 1]} before ${milestones[i]})`);
    }
  }
  const config: MultiStepLRConfig = {
    name: n,
    lr: checkFinite(n, 'lr', opts.lr, 0),
    milestones: Object.freeze(milestones),
    gamma: checkFinite(n, 'gamma', opts.gamma ?? 0.1, 0),
  };
  return make(config, (step) => {
    let passed = 0; // bisect_right(milestones, step)
    while (passed < milestones.length && milestones[passed]! <= step) passed++;
    return config.lr * config.gamma ** passed;
  });
}

/**
 * Linear warm-up then cosine decay (the schedule of `transformers.get_cosine_schedule_with_warmup`,
 * with a floor). For `step < warmupSteps`: `warmupStartLr + (lr − warmupStartLr) · step / warmupSteps`;
 * then with `p = min(1, (step − warmupSteps) / (totalSteps − warmupSteps))`:
 * `minLr + (lr − minLr) · (1 + cos(π·p)) / 2`. Steps at or past `totalSteps` stay at `minLr`.
 * @param opts.warmupSteps   Integer ≥ 0 (0: start at `lr`).
 * @param opts.totalSteps    Integer > warmupSteps.
 * @param opts.minLr         Floor of the cosine (default 0).
 * @param opts.warmupStartLr Rate at step 0 when warming up (default 0).
 */
export function cosineWithWarmup(opts: {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr?: number;
  warmupStartLr?: number;
}): LRSchedule<CosineWithWarmupConfig> {
  const n = 'cosineWithWarmup';
  const config: CosineWithWarmupConfig = {
    name: n,
    lr: checkFinite(n, 'lr', opts.lr, 0),
    warmupSteps: checkInt(n, 'warmupSteps', opts.warmupSteps, 0),
    totalSteps: checkInt(n, 'totalSteps', opts.totalSteps, 1),
    minLr: checkFinite(n, 'minLr', opts.minLr ?? 0, 0),
    warmupStartLr: checkFinite(n, 'warmupStartLr', opts.warmupStartLr ?? 0, 0),
  };
  if (config.totalSteps <= config.warmupSteps) {
    fail(n, `totalSteps (${config.totalSteps}) must be greater than warmupSteps (${config.warmupSteps})`);
  }
  const { lr, warmupSteps, totalSteps, minLr, warmupStartLr } = config;
  return make(config, (step) => {
    if (step < warmupSteps) return warmupStartLr + ((lr - warmupStartLr) * step) / warmupSteps;
    const p = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * p))) / 2;
  });
}

/**
 * The 1cycle policy, matching the learning rates of `torch.optim.lr_scheduler.OneCycleLR`
 * with `three_phase=False` (momentum cycling is not part of this). With
 * `initial = maxLr / divFactor` and `min = initial / finalDivFactor`, phase 1 anneals
 * `initial → maxLr` over steps `[0, pctStart·totalSteps − 1]` and phase 2 anneals
 * `maxLr → min` up to step `totalSteps − 1`; `'cos'` anneals as
 * `end + (start − end)·(1 + cos(π·pct))/2`, `'linear'` as `start + (end − start)·pct`.
 * Like PyTorch, `at(totalSteps)` extrapolates phase 2 and larger steps throw.
 * @param opts.totalSteps Integer ≥ 1.
 * @param opts.pctStart   Fraction of steps spent increasing, in [0, 1] (default 0.3);
 *   `pctStart·totalSteps = 1` is rejected (PyTorch divides by zero at step 0).
 * @param opts.divFactor      default 25.
 * @param opts.finalDivFactor default 1e4.
 * @param opts.anneal         default `'cos'`.
 */
export function oneCycle(opts: {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
  anneal?: 'cos' | 'linear';
}): LRSchedule<OneCycleConfig> {
  const n = 'oneCycle';
  const anneal = opts.anneal ?? 'cos';
  if (anneal !== 'cos' && anneal !== 'linear') fail(n, `anneal must be 'cos' or 'linear', got ${JSON.stringify(anneal)}`);
  const config: OneCycleConfig = {
    name: n,
    maxLr: checkFinite(n, 'maxLr', opts.maxLr, 0),
    totalSteps: checkInt(n, 'totalSteps', opts.totalSteps, 1),
    pctStart: checkFinite(n, 'pctStart', opts.pctStart ?? 0.3, 0),
    divFactor: checkFinite(n, 'divFactor', opts.divFactor ?? 25, 0, false),
    finalDivFactor: checkFinite(n, 'finalDivFactor', opts.finalDivFactor ?? 1e4, 0, false),
    anneal,
  };
  const { maxLr, totalSteps, pctStart, divFactor, finalDivFactor } = config;
  if (pctStart > 1) fail(n, `pctStart must be in [0, 1], got ${pctStart}`);
  // PyTorch: phase 1 ends at step pct_start*total_steps - 1 (a float), phase 2 at total_steps - 1.
  const end1 = pctStart * totalSteps - 1;
  const end2 = totalSteps - 1;
  if (end1 === 0) {
    fail(
      n,
      `pctStart·totalSteps must not be exactly 1 (got ${pctStart}·${totalSteps}): the warm-up phase would have zero length and PyTorch divides by zero at step 0`,
    );
  }
  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  const annealFn =
    anneal === 'cos'
      ? (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (start: number, end: number, pct: number) => (end - start) * pct + start;
  return make(config, (step) => {
    if (step > totalSteps) fail(n, `step ${step} is past totalSteps (${totalSteps})`);
    if (step <= end1) return annealFn(initialLr, maxLr, step / end1);
    // With pctStart = 1 the second phase is empty; PyTorch divides by zero at step totalSteps.
    if (end2 === end1) fail(n, `step ${step}: the annealing phase is empty (pctStart = 1)`);
    return annealFn(maxLr, minLr, (step - end1) / (end2 - end1));
  });
}

/**
 * A constant rate, optionally scaled for the first steps like `torch.optim.lr_scheduler.ConstantLR`:
 * `lr · factor` while `step < totalIters`, then `lr`. Defaults (`factor = 1`, `totalIters = 0`)
 * give a plain constant — unlike PyTorch, whose defaults are `1/3` and `5`.
 * @param opts.factor     In (0, 1], default 1.
 * @param opts.totalIters Integer ≥ 0, default 0.
 */
export function constantLR(opts: { lr: number; factor?: number; totalIters?: number }): LRSchedule<ConstantLRConfig> {
  const n = 'constantLR';
  const config: ConstantLRConfig = {
    name: n,
    lr: checkFinite(n, 'lr', opts.lr, 0),
    factor: checkFinite(n, 'factor', opts.factor ?? 1, 0, false),
    totalIters: checkInt(n, 'totalIters', opts.totalIters ?? 0, 0),
  };
  if (config.factor > 1) fail(n, `factor must be in (0, 1], got ${config.factor}`);
  return make(config, (step) => (step < config.totalIters ? config.lr * config.factor : config.lr));
}

/**
 * Rebuilds a schedule from its `config` (for example one read back from a checkpoint's JSON).
 * The config is validated exactly as the factory validates its options.
 * @throws Error if `config` is not an object or names an unknown schedule.
 */
export function scheduleFromConfig(config: ScheduleConfig): LRSchedule {
  if (typeof config !== 'object' || config === null) {
    throw new Error(`scheduleFromConfig: config must be an object, got ${String(config)}`);
  }
  switch (config.name) {
    case 'stepLR':
      return stepLR(config);
    case 'multiStepLR':
      return multiStepLR(config);
    case 'cosineWithWarmup':
      return cosineWithWarmup(config);
    case 'oneCycle':
      return oneCycle(config);
    case 'constantLR':
      return constantLR(config);
    default:
      throw new Error(
        `scheduleFromConfig: unknown schedule ${JSON.stringify((config as { name?: unknown }).name)} ` +
          `(known: stepLR, multiStepLR, cosineWithWarmup, oneCycle, constantLR)`,
      );
  }
}
