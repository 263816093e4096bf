/**
 * The skip connection: one combinator for every bypass in skipnet.
 *
 * `y = post(merge(main(x), shortcut(s)))`, with `s = x` (a short skip) or a tensor from
 * earlier in the network (a long skip: U-Net, FPN). The combinator only describes wiring:
 * its branches are registered inline, so a block built from it keeps the weight names of the
 * layers inside — a torchvision `BasicBlock` built as a `Skip` has `conv1.weight`,
 * `bn1.running_mean`, `downsample.0.weight`, … and nothing in between.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../engine.js';
import { cast, div, full, ge, mul, rand } from '../ops/index.js';
import { Module, traceSink } from './module.js';
import { Sequential } from './containers.js';
import { Conv2d, Linear, activationModule } from './layers.js';
import { AddMerge, ConcatMerge, GatedMerge, ScaledMerge, type MergeResult, type SkipMerge } from './merges.js';

/**
 * How the two branches are combined (each name is a {@link SkipMerge} strategy that also knows
 * its plain form; pass a `SkipMerge` for a merge of your own):
 * - `'add'`: `main(x) + shortcut(s)` (ResNet, FPN lateral connections, Transformers);
 * - `'concat'`: `concat([shortcut(s), main(x)], axis)` (DenseNet's `[x, new features]`, U-Net's
 *   `[encoder features, upsampled decoder features]`);
 * - `'gated'`: `T·main(x) + (1−T)·shortcut(s)`, `T = sigmoid(gate(x))` (Highway networks);
 * - `'scaled'`: `shortcut(s) + α·main(x)` with learned α (LayerScale; ReZero with α = 0).
 */
export type Merge = 'add' | 'concat' | 'gated' | 'scaled';

/** A branch: a module, or named modules run in order (registered under those names). */
export type Branch = Module | Readonly<Record<string, Module>>;

/** Activations a skip can apply after its merge by name. */
export type ActivationName = 'relu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid';

/** The default gate of a `'gated'` skip: a Linear or 1×1 Conv2d `features → features`. */
export interface GateOptions {
  /** Width of the gated tensor (channels of `[N, C, H, W]`, features of `[..., F]`). */
  features: number;
  /** `'linear'` for `[..., F]` (default) or `'conv'` (1×1) for `[N, C, H, W]`. */
  kind?: 'linear' | 'conv';
  /**
   * Initial gate bias (default −1): a negative bias starts the gate mostly closed, so the
   * block begins by carrying its input, as the Highway paper recommends (−1 to −3).
   */
  biasInit?: number;
}

/** The learned α of a `'scaled'` skip. */
export interface ScaleOptions {
  /** One α per channel (LayerScale); omitted: one scalar α (ReZero). */
  channels?: number;
  /** Initial α: default 1e-6 per channel (LayerScale, ConvNeXt), 0 for a scalar (ReZero). */
  init?: number;
  /** Parameter name (default `'alpha'`), e.g. `'gamma'` for timm's LayerScale checkpoints. */
  name?: string;
  /**
   * Axis α runs along. Default: 1 for rank-4 `[N, C, H, W]`, the last axis otherwise
   * (`[N, C]`, Transformers' `[N, L, D]`).
   */
  channelAxis?: number;
}

/** Options of {@link Skip}. */
export interface SkipOptions {
  /**
   * The main branch. Omit it in subclasses that override {@link Skip.branches}. A record
   * (`{ conv1, bn1, relu, conv2, bn2 }`) runs its modules in order and registers each under
   * its key directly on the skip.
   */
  main?: Branch;
  /**
   * The shortcut branch (default: identity). Registered inline like `main`, so name a
   * projection by wrapping it in a record: `{ downsample: new Sequential(conv, bn) }`.
   */
  shortcut?: Branch | null;
  /** Default `'add'`. */
  merge?: Merge | SkipMerge;
  /**
   * Applied after the merge: ResNet's ReLU after the add, post-LN Transformers' LayerNorm,
   * U-Net's double conv after the concat. A module is referenced, not registered: pass a
   * module that is parameter-free or that this block registers anyway (its own `relu`), or a
   * record (`{ norm1: new LayerNorm(d) }`) to register it under that name.
   */
  post?: Module | Readonly<Record<string, Module>> | ActivationName | null;
  /**
   * Stochastic depth: in training, drop the main branch of each sample (axis 0) with this
   * probability and scale kept samples by `1/(1−p)`; identity in eval. Default 0.
   */
  dropPath?: number;
  /** Whether the bypass is present (default true); false makes the plain twin. See {@link Skip.skip}. */
  skip?: boolean;
  /** Long skip: the shortcut's input is the tensor last seen by this tap. */
  source?: Tap;
  /** Concatenation axis (default 1, channels of NCHW). */
  axis?: number;
  /** `'gated'`: the gate module (its output has main's shape), or options for the default one. */
  gate?: Module | GateOptions;
  /** `'scaled'`: the learned α. */
  scale?: ScaleOptions;
  /**
   * The plain twin of a `'concat'` skip: `'zeros'` (default) concatenates zeros in place of
   * the shortcut, so shapes — and every later layer — stay as they are; `'drop'` returns
   * main's output alone (fewer channels: the next layer must be built for that width).
   */
  plainConcat?: 'zeros' | 'drop';
}

function asBranch(b: Branch): Module {
  return b instanceof Module ? b : new Sequential(b);
}

/**
 * The two branches of one call of a {@link Skip}: the main branch's output, and the shortcut
 * as a function — run only when the bypass is used, so the plain twin never computes it.
 */
export interface Branches {
  readonly main: Tensor;
  /** The shortcut's output; omitted, the shortcut is the identity (the shortcut input itself). */
  readonly shortcut?: () => Tensor;
}

/**
 * A skip connection: `y = post(merge(main(x), shortcut(s)))` where `s` is `x`, the tensor
 * passed as `forward`'s second argument, or the tensor held by `source` (long skips).
 *
 * **Names.** The skip adds no segment to parameter names: `main`, `shortcut` and a record
 * `post` are registered inline. Build a torchvision block either way:
 *
 * ```ts
 * // options: every layer registered under its torchvision name
 * const relu = new ReLU();
 * const block = new Skip({
 *   main: { conv1: conv3x3(64, 128, 2), bn1: new BatchNorm2d(128), relu, conv2: conv3x3(128, 128), bn2: new BatchNorm2d(128) },
 *   shortcut: { downsample: new Sequential(conv1x1(64, 128, 2), new BatchNorm2d(128)) },
 *   post: relu,
 * });
 * // or subclass: register layers as properties and override the one hook, branches()
 * class BasicBlock extends Skip {
 *   constructor(...) { super({ post: 'relu' }); this.conv1 = …; this.downsample = …; }
 *   protected override branches(x, s) {
 *     const main = seq(x, this.conv1, this.bn1, this.relu, this.conv2, this.bn2);
 *     return this.downsample ? { main, shortcut: () => this.downsample.call(s) } : { main };
 *   }
 * }
 * ```
 *
 * **Only a Skip is a skip.** A residual written by hand in a forward — `add(x, f(x))` — computes
 * the same thing, but {@link countSkips}, {@link setSkips} (the plain twin), `summary` and
 * `graph` cannot see it: write bypasses as Skips (`residual(f)` is the short form).
 *
 * **Plain twin (`skip = false`).** The bypass is removed and everything else kept: the
 * output is `post(main(x))` for `'add'`, `'gated'` and `'scaled'` — the gate and α exist only
 * to mix main with the bypass, so without it they are bypassed too (`T·main` or `α·main`
 * would shrink the signal at every block, and a ReZero α of 0 would output zeros). For
 * `'concat'` the shortcut's channels are filled with zeros so the twin keeps its shapes
 * (see {@link SkipOptions.plainConcat}). Drop-path is off in the plain twin (dropping the only
 * path would zero the sample). The shortcut's, gate's and α's parameters stay registered —
 * the twins share state-dict keys — but receive no gradient.
 */
export class Skip extends Module {
  /** Whether the bypass is present (false: the plain twin); toggle with {@link setSkips}. */
  skip: boolean;
  /** How the branches are combined (and what the plain twin outputs). */
  readonly merger: SkipMerge;
  /** Drop-path probability in training. */
  dropPath: number;
  /** The main branch given as an option (registered inline), or undefined in subclasses. */
  main: Module | undefined;
  /** The shortcut given as an option (registered inline); null/undefined is the identity. */
  shortcut: Module | null | undefined;
  /** The gate of a `'gated'` skip (child `gate`). */
  gate: Module | undefined;
  /** Applied after the merge; a reference unless given as a record (see {@link SkipOptions.post}). */
  declare post: Module | null;
  /** Long-skip source. */
  declare source: Tap | null;
  #scaleName: string | null = null;

  constructor(options: SkipOptions = {}) {
    super();
    this.skip = options.skip ?? true;
    this.dropPath = options.dropPath ?? 0;
    if (!(this.dropPath >= 0 && this.dropPath < 1)) throw new Error(`Skip: dropPath must be in [0, 1), got ${this.dropPath}`);
    this.main = undefined;
    this.shortcut = undefined;
    this.gate = undefined;
    if (options.main) this.registerModule('main', asBranch(options.main), { inline: true });
    if (options.shortcut) this.registerModule('shortcut', asBranch(options.shortcut), { inline: true });
    const post = options.post;
    if (post && !(post instanceof Module) && typeof post !== 'string') {
      this.registerModule('post', new Sequential(post), { inline: true });
    } else {
      // Not enumerable: a reference, not a child (it may be registered under another name).
      Object.defineProperty(this, 'post', {
        value: typeof post === 'string' ? activationModule(post) : (post ?? null),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
    Object.defineProperty(this, 'source', { value: options.source ?? null, enumerable: false, writable: true, configurable: true });
    this.merger = this.#makeMerge(options);
  }

  #makeMerge(options: SkipOptions): SkipMerge {
    const merge = options.merge ?? 'add';
    const kind = typeof merge === 'string' ? merge : merge.kind;
    if (options.gate && kind !== 'gated') throw new Error(`Skip: a gate only applies to merge 'gated', not '${kind}'`);
    if (options.scale && kind !== 'scaled') throw new Error(`Skip: scale only applies to merge 'scaled', not '${kind}'`);
    if (typeof merge !== 'string') return merge;
    switch (merge) {
      case 'add':
        return new AddMerge();
      case 'concat':
        return new ConcatMerge(options.axis ?? 1, options.plainConcat ?? 'zeros');
      case 'gated': {
        const g = options.gate;
        if (!g) throw new Error("Skip: merge 'gated' needs a gate: a module, or { features } for a Linear/1×1-conv gate");
        if (g instanceof Module) this.gate = g;
        else {
          const biasInit = g.biasInit ?? -1;
          this.gate =
            g.kind === 'conv' ? new Conv2d(g.features, g.features, 1, { init: 'torchDefault', biasInit }) : new Linear(g.features, g.features, { biasInit });
        }
        return new GatedMerge(this.gate);
      }
      case 'scaled': {
        const sc = options.scale ?? {};
        const name = sc.name ?? 'alpha';
        this.#scaleName = name;
        this.registerParameter(name, full(sc.channels === undefined ? [] : [sc.channels], sc.init ?? (sc.channels === undefined ? 0 : 1e-6)));
        return new ScaledMerge(() => this.scaleParameter!, sc.channelAxis);
      }
      default:
        throw new Error(`Skip: unknown merge '${String(merge)}'; valid: add, concat, gated, scaled, or a SkipMerge`);
    }
  }

  /** The merge's name (`'add'`, `'concat'`, `'gated'`, `'scaled'`, or a custom merge's kind). */
  get merge(): string {
    return this.merger.kind;
  }

  /** The learned α of a `'scaled'` skip. */
  get scaleParameter(): Tensor | null {
    if (!this.#scaleName) return null;
    const v: unknown = Reflect.get(this, this.#scaleName);
    return (v as Tensor | null | undefined) ?? null;
  }

  /** Always a container in traces: its merge is recorded as its own node. @internal */
  override traceRole(): 'container' {
    return 'container';
  }

  protected override hiddenChildren(): readonly (readonly [string, Module])[] {
    return this.post ? [['post', this.post]] : [];
  }

  /**
   * The one hook of a skip: both branches of one call. `x` enters the main branch, `s` is the
   * shortcut's input (`x`, the call's second argument, or the `source` tap), `extra` are any
   * further arguments of the call (attention masks). The default runs the `main` and
   * `shortcut` options; override it to compute what both branches share once (a
   * pre-activation), or to use `extra`.
   */
  protected branches(x: Tensor, s: Tensor, ...extra: unknown[]): Branches {
    if (!this.main) throw new Error(`${this.constructor.name}: no main branch: pass options.main or override branches()`);
    const main = this.main.call(x, ...extra);
    const shortcut = this.shortcut;
    return shortcut ? { main, shortcut: () => shortcut.call(s) } : { main };
  }

  /**
   * `x` `[N, ...]` enters the main branch; the shortcut takes `shortcutInput` when given,
   * else the tensor held by `source`, else `x`; `extra` reaches {@link Skip.branches}. Output:
   * `post(merge(main, shortcut))` (see {@link Merge}); `'add'`, `'gated'` and `'scaled'` need
   * equal branch shapes, `'concat'` equal shapes off the axis.
   */
  override forward(x: Tensor, shortcutInput?: Tensor | null, ...extra: unknown[]): Tensor {
    const s = shortcutInput ?? this.source?.value() ?? x;
    const { main, shortcut = () => s } = this.branches(x, s, ...extra);
    const post = this.post;
    if (!this.skip) {
      const y = this.merger.plain(main, shortcut);
      return post ? post.call(y) : y;
    }
    const sc = shortcut();
    const m = this.training && this.dropPath > 0 ? dropPath(main, this.dropPath) : main;
    const merged = this.merger.combine(m, sc, { x, post, owner: this.constructor.name });
    this.#report(main, s, sc, merged);
    return post && !merged.postApplied ? post.call(merged.output) : merged.output;
  }

  /** Tells an active trace (summary, graph) about this merge: its inputs, bypass and cost. */
  #report(main: Tensor, s: Tensor, shortcut: Tensor, merged: MergeResult): void {
    traceSink()?.merge(this, {
      inputs: [main, ...(shortcut !== s ? [shortcut] : []), ...merged.extraInputs],
      source: s,
      output: merged.output,
      merge: this.merger.kind,
      params: this.namedParameters({ recurse: false }).reduce((n, [, p]) => n + p.size, 0),
      multiplyAdds: merged.multiplyAdds,
    });
  }
}

/**
 * Stochastic depth (drop-path): zeroes whole samples (axis 0) of `x` with probability `p`
 * and scales the rest by `1/(1−p)`, drawing from the global generator.
 */
export function dropPath(x: Tensor, p: number): Tensor {
  if (p <= 0) return x;
  const maskShape = x.shape.map((d, i) => (i === 0 ? d : 1));
  const mask = noGrad(() => div(cast(ge(rand(maskShape), p), 'float32'), 1 - p));
  return mul(x, mask);
}

/**
 * The start of a long skip: returns its input unchanged and holds it for the {@link Skip}s
 * whose `source` it is (U-Net's encoder features, FPN's backbone stages), so a network can
 * be written as one `Sequential` with the skip spanning it. Holds a reference only: the
 * tensor lives as long as the tidy scope that made it.
 */
export class Tap extends Module {
  #value: Tensor | null = null;

  override forward(x: Tensor): Tensor {
    this.#value = x;
    return x;
  }

  /** The tensor of the last forward. */
  value(): Tensor {
    const v = this.#value;
    if (!v) throw new Error('Tap: nothing was recorded yet: the tap must run before the Skip that reads it');
    if (v.isDisposed) throw new Error('Tap: the recorded tensor was disposed (its tidy scope ended): run the tap again in this forward');
    return v;
  }

  /** Invisible in traces (edges pass through it). @internal */
  override traceRole(): 'none' {
    return 'none';
  }
}

/** `new Skip({ main, merge: 'add', ...options })`: a residual connection. */
export function residual(main: Branch, options: Omit<SkipOptions, 'main' | 'merge'> = {}): Skip {
  return new Skip({ ...options, main, merge: 'add' });
}

/** Selects skips by path: exact path or subtree prefix (`'layer1'`), a RegExp, or a predicate. */
export type SkipFilter = string | RegExp | ((path: string, skip: Skip) => boolean);

/**
 * Every Skip of `model` with its module path (an inline skip gets its slot name, e.g.
 * `h.0.attn_skip`; a skip that is the block itself has the block's path, `layer1.0`).
 */
export function namedSkips(model: Module): [string, Skip][] {
  return model
    .walk()
    .filter((v) => v.module instanceof Skip)
    .map((v) => [v.path, v.module as Skip]);
}

function matches(filter: SkipFilter | undefined, path: string, skip: Skip): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return path === filter || path.startsWith(`${filter}.`) || filter === '';
  if (filter instanceof RegExp) return filter.test(path);
  return filter(path, skip);
}

/**
 * Switches skips on (`true`) or off (`false`, the plain twin) — all of them, or those
 * `filter` selects. Returns how many skips matched.
 */
export function setSkips(model: Module, enabled: boolean, filter?: SkipFilter): number {
  let n = 0;
  for (const [path, s] of namedSkips(model)) {
    if (!matches(filter, path, s)) continue;
    s.skip = enabled;
    n++;
  }
  return n;
}

/** Number of skip connections in `model`: active ones, or every Skip with `all`. */
export function countSkips(model: Module, options: { all?: boolean } = {}): number {
  return namedSkips(model).filter(([, s]) => options.all || s.skip).length;
}
