/**
 * Optimizers: SGD (momentum, Nesterov, weight decay), Adam and AdamW, matching torch.optim.
 * Each uses the backend's fused update kernel when present and a composite of ops otherwise.
 * State can be saved and restored (`stateDict` / `loadStateDict`) for exact resumption.
 */
import { keep, noGrad, tidy } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { dense } from '../tensor.js';
import { add, mul, sub, div, sqrt, zerosLike, assign, clone } from '../ops/index.js';

/** Parameters to optimise: tensors, or `[name, tensor]` pairs (names key the saved state). */
export type ParamsInput = Iterable<Tensor> | Iterable<readonly [string, Tensor]>;

/** Serializable optimizer state: scalars plus named buffers (saved as safetensors). */
export interface OptimizerState {
  /** Kind and hyper-parameters, JSON-serialisable. */
  readonly config: Record<string, number | string | boolean>;
  /** Update steps taken. */
  readonly step: number;
  /** Per-parameter buffers keyed `<param name>.<buffer>`. */
  readonly buffers: Record<string, Tensor>;
}

function normalise(params: ParamsInput): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  let i = 0;
  for (const p of params as Iterable<Tensor | readonly [string, Tensor]>) {
    if (Array.isArray(p)) out.push([p[0] as string, p[1] as Tensor]);
    else out.push([String(i), p as Tensor]);
    i++;
  }
  for (const [name, t] of out) {
    if (!t.requiresGrad) throw new Error(`optimizer: parameter '${name}' ${fmt(t.shape)} does not require grad`);
  }
  return out;
}

/** Shared machinery of the optimizers. */
export abstract class Optimizer {
  /** Current learning rate (a schedule sets it before each step). */
  lr: number;
  /** Update steps taken. */
  stepCount = 0;
  /** The parameters, with names. */
  readonly params: readonly [string, Tensor][];
  /** Per-parameter state buffers. @internal */
  protected readonly state = new Map<string, Record<string, Tensor>>();

  constructor(params: ParamsInput, lr: number) {
    if (!(lr >= 0)) throw new Error(`optimizer: learning rate must be ≥ 0, got ${lr}`);
    this.params = normalise(params);
    this.lr = lr;
  }

  /** Applies one update from the accumulated `.grad` of every parameter (those without grad are skipped). */
  step(): void {
    this.stepCount++;
    noGrad(() => {
      for (const [name, p] of this.params) {
        if (!p.grad) continue;
        tidy(() => this.update(name, p, p.grad!));
      }
    });
  }

  /** Frees every parameter's gradient. */
  zeroGrad(): void {
    for (const [, p] of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** @internal */
  protected abstract update(name: string, p: Tensor, g: Tensor): void;

  /** Hyper-parameters for saving. */
  abstract get config(): Record<string, number | string | boolean>;

  /** A persistent zero buffer like `p`, created once. @internal */
  protected buffer(name: string, key: string, p: Tensor): Tensor {
    let s = this.state.get(name);
    if (!s) this.state.set(name, (s = {}));
    if (!s[key]) s[key] = keep(zerosLike(p));
    return s[key]!;
  }

  /** The state to checkpoint (buffers are live views: save them before the next step). */
  stateDict(): OptimizerState {
    const buffers: Record<string, Tensor> = {};
    for (const [name, s] of this.state) for (const [k, t] of Object.entries(s)) buffers[`${name}.${k}`] = t;
    return { config: this.config, step: this.stepCount, buffers };
  }

  /** Restores state saved by {@link Optimizer.stateDict}; buffer names and shapes must match. */
  loadStateDict(state: { step: number; config?: Record<string, unknown>; buffers: Record<string, Tensor> }): void {
    const byName = new Map(this.params);
    const problems: string[] = [];
    for (const [key, t] of Object.entries(state.buffers)) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(0, dot);
      const p = byName.get(name);
      if (!p) problems.push(`unknown parameter '${name}' (buffer '${key}')`);
      else if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i]))
        problems.push(`buffer '${key}' has shape ${fmt(t.shape)}, parameter is ${fmt(p.shape)}`);
    }
    if (problems.length) throw new Error(`optimizer: cannot load state: ${problems.join('; ')}`);
    for (const s of this.state.values()) for (const t of Object.values(s)) t.dispose();
    this.state.clear();
    for (const [key, t] of Object.entries(state.buffers)) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(0, dot);
      let s = this.state.get(name);
      if (!s) this.state.set(name, (s = {}));
      s[key.slice(dot + 1)] = keep(clone(t));
    }
    this.stepCount = state.step;
    if (typeof state.config?.lr === 'number') this.lr = state.config.lr;
  }

  /** Frees the optimizer's state buffers. */
  dispose(): void {
    for (const s of this.state.values()) for (const t of Object.values(s)) t.dispose();
    this.state.clear();
  }
}

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/** Stochastic gradient descent, as torch.optim.SGD (dampening 0). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  constructor(params: ParamsInput, options: SGDOptions) {
    super(params, options.lr);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    if (this.nesterov && this.momentum <= 0) throw new Error('SGD: nesterov needs momentum > 0');
  }
  get config(): Record<string, number | string | boolean> {
    return { kind: 'sgd', lr: this.lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
  protected update(name: string, p: Tensor, g: Tensor): void {
    const k = p.storage.entry.backend.kernels;
    const firstStep = this.momentum > 0 && !this.state.get(name)?.momentum_buffer;
    const v = this.momentum > 0 ? this.buffer(name, 'momentum_buffer', p) : undefined;
    if (k.sgdStep && p.isContiguous) {
      const gc = g.isContiguous ? g : clone(g);
      k.sgdStep(
        { param: dense(p, 'sgd'), grad: dense(gc, 'sgd'), ...(v ? { velocity: dense(v, 'sgd') } : {}) },
        {
          lr: this.lr,
          momentum: this.momentum,
          weightDecay: this.weightDecay,
          nesterov: this.nesterov,
          firstStep,
        },
      );
      return;
    }
    let d = this.weightDecay ? add(g, mul(p, this.weightDecay)) : g;
    if (v) {
      const nv = firstStep ? d : add(mul(v, this.momentum), d);
      assign(v, nv);
      d = this.nesterov ? add(d, mul(v, this.momentum)) : v;
    }
    assign(p, sub(p, mul(d, this.lr)));
  }
}

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Denominator guard (default 1e-8). */
  eps?: number;
  /** Weight decay: L2 in the gradient for Adam, decoupled for AdamW (default 0 / 0.01). */
  weightDecay?: number;
}

abstract class AdamBase extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected abstract readonly decoupled: boolean;
  constructor(params: ParamsInput, options: AdamOptions, defaultDecay: number) {
    super(params, options.lr ?? 1e-3);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultDecay;
  }
  get config(): Record<string, number | string | boolean> {
    return { kind: this.decoupled ? 'adamw' : 'adam', lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }
  protected update(name: string, p: Tensor, g: Tensor): void {
    const m = this.buffer(name, 'exp_avg', p);
    const v = this.buffer(name, 'exp_avg_sq', p);
    const k = p.storage.entry.backend.kernels;
    const step = this.stepCount;
    if (k.adamStep && p.isContiguous) {
      const gc = g.isContiguous ? g : clone(g);
      k.adamStep(
        { param: dense(p, 'adam'), grad: dense(gc, 'adam'), m: dense(m, 'adam'), v: dense(v, 'adam') },
        {
          lr: this.lr,
          beta1: this.beta1,
          beta2: this.beta2,
          eps: this.eps,
          weightDecay: this.weightDecay,
          decoupled: this.decoupled,
          step,
        },
      );
      return;
    }
    let grad = g;
    if (this.weightDecay) {
      if (this.decoupled) assign(p, mul(p, 1 - this.lr * this.weightDecay));
      else grad = add(g, mul(p, this.weightDecay));
    }
    assign(m, add(mul(m, this.beta1), mul(grad, 1 - this.beta1)));
    assign(v, add(mul(v, this.beta2), mul(mul(grad, grad), 1 - this.beta2)));
    const bc1 = 1 - this.beta1 ** step;
    const bc2 = 1 - this.beta2 ** step;
    const denom = add(div(sqrt(v), Math.sqrt(bc2)), this.eps);
    assign(p, sub(p, mul(div(m, denom), this.lr / bc1)));
  }
}

/** Adam (L2 weight decay added to the gradient), as torch.optim.Adam. */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsInput, options: AdamOptions = {}) {
    super(params, options, 0);
  }
}

/** AdamW (decoupled weight decay, default 0.01), as torch.optim.AdamW. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsInput, options: AdamOptions = {}) {
    super(params, options, 0.01);
  }
}
