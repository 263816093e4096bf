/**
 * `Module`: the unit every skipnet model is built from — parameters, buffers, child modules,
 * train/eval mode, state dicts and forward hooks.
 *
 * Registration follows PyTorch's `__setattr__`: assigning a tensor or module to a property
 * registers it, and the property name IS the state-dict segment. A torchvision ResNet built
 * here therefore produces `layer1.0.downsample.0.weight` with no rename table.
 */
import { keep, noGrad } from '../engine.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assign, cast } from '../ops/index.js';

/** Parameters and persistent buffers by dotted name (PyTorch's `state_dict`). */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Require the keys of the dict and the module to match exactly (default true). Shape
   * mismatches are an error either way, as in PyTorch.
   */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (only non-empty when `strict: false`). */
export interface LoadStateDictResult {
  /** Keys of the module absent from the dict (left unchanged). */
  readonly missingKeys: string[];
  /** Keys of the dict the module does not have (ignored). */
  readonly unexpectedKeys: string[];
}

/** Runs after `forward`; may return a replacement output. */
export type ForwardHook = (module: Module, inputs: readonly unknown[], output: Tensor) => Tensor | void;
/** Runs before `forward`; may return replacement inputs. */
export type ForwardPreHook = (module: Module, inputs: readonly unknown[]) => readonly unknown[] | void;

/** Removes a registered hook. */
export interface HookHandle {
  remove(): void;
}

/** How a module takes part in a trace ({@link summary}, {@link graph}). @internal */
export type TraceRole = 'node' | 'container' | 'none';

/** The merge of a skip connection, as reported to a trace. @internal */
export interface MergeEvent {
  /** Tensors feeding the merge through ordinary edges (main output, projected shortcut, gate). */
  readonly inputs: readonly Tensor[];
  /** The tensor that entered the shortcut: where the bypass starts. */
  readonly source: Tensor;
  /** The merged tensor (before any post-activation). */
  readonly output: Tensor;
  /** The merge kind. */
  readonly merge: string;
  /** Parameters owned by the merge itself (layer-scale α). */
  readonly params: number;
  /** Multiply-adds of the merge. */
  readonly multiplyAdds: number;
}

/** Receives every `Module.call` while a trace is active. @internal */
export interface TraceSink {
  call(module: Module, args: readonly unknown[], run: () => Tensor): Tensor;
  merge(module: Module, event: MergeEvent): void;
}

let activeSink: TraceSink | null = null;

/** Installs a trace sink (null removes it); returns the previous one. @internal */
export function setTraceSink(sink: TraceSink | null): TraceSink | null {
  const previous = activeSink;
  activeSink = sink;
  return previous;
}

/** The active trace sink, if any. @internal */
export function traceSink(): TraceSink | null {
  return activeSink;
}

/**
 * Makes `t` a parameter: a leaf with `requiresGrad = true`, exempt from every enclosing
 * `tidy` so a training step never frees it. Returns `t` (no copy).
 */
export function parameter(t: Tensor): Tensor {
  keep(t);
  t.requiresGrad = true;
  return t;
}

/** How a module is reached while walking the tree. @internal */
export type ModuleSlot = 'child' | 'inline' | 'hidden';

/** One module met while walking a tree. @internal */
export interface ModuleVisit {
  readonly module: Module;
  /** Prefix of its parameter names: `''` or `'layer1.0.'`. */
  readonly prefix: string;
  /** Display path: equals the prefix without the dot, except for inline/hidden modules. */
  readonly path: string;
  readonly slot: ModuleSlot;
}

interface TensorEntry {
  readonly name: string;
  readonly tensor: Tensor;
  readonly kind: 'parameter' | 'buffer';
  readonly persistent: boolean;
}

/**
 * Base class of layers and models.
 *
 * - Assigning a `Tensor` to a property registers a parameter; {@link Module.registerBuffer}
 *   registers a buffer (BatchNorm's `running_mean`); assigning a `Module` registers a child.
 *   `null` (PyTorch's `None`, e.g. a missing `downsample`) registers nothing. Other values
 *   (numbers, strings, arrays) are plain configuration. Keep a tensor that is neither
 *   parameter nor state (a cache) in a `#private` field or a non-persistent buffer.
 * - Names come from own enumerable properties in insertion order, so the property name is
 *   the state-dict segment. Declare child fields with `declare` (`declare conv1: Conv2d`) or
 *   assign them in the constructor: a bare `conv1!: Conv2d` field is re-initialised to
 *   `undefined` after `super()` runs.
 * - A child registered with `{ inline: true }` adds no name segment: its parameters and
 *   children are named as if they belonged to this module. {@link Skip} uses this for its
 *   branches, which is how a skip connection describes wiring without renaming weights.
 */
export class Module {
  /** Training mode (batch statistics, dropout, drop-path); see {@link Module.train}. */
  training = true;
  readonly #buffers = new Map<string, boolean>();
  readonly #inline = new Map<string, Module>();
  readonly #preHooks: ForwardPreHook[] = [];
  readonly #hooks: ForwardHook[] = [];

  /** The computation. Call modules through {@link Module.call} so hooks and traces see them. */
  forward(..._inputs: unknown[]): Tensor {
    throw new Error(`${this.constructor.name} has no forward(): containers such as ModuleList and ModuleDict are not callable`);
  }

  /** Runs `forward` with pre-hooks, hooks and the active trace. */
  call<M extends Module>(this: M, ...inputs: Parameters<M['forward']>): Tensor {
    const sink = activeSink;
    return sink ? sink.call(this, inputs, () => this.#invoke(inputs)) : this.#invoke(inputs);
  }

  #invoke(inputs: readonly unknown[]): Tensor {
    let args = inputs;
    for (const h of this.#preHooks) args = h(this, args) ?? args;
    let out = this.forward(...args);
    for (const h of this.#hooks) out = h(this, args, out) ?? out;
    return out;
  }

  /** Registers a hook run after every forward (activation probes, gradient-flow plots). */
  registerForwardHook(hook: ForwardHook): HookHandle {
    this.#hooks.push(hook);
    return { remove: () => removeFrom(this.#hooks, hook) };
  }

  /** Whether any forward or pre-forward hook is registered on this module (not its children). */
  get hasHooks(): boolean {
    return this.#hooks.length > 0 || this.#preHooks.length > 0;
  }

  /** Registers a hook run before every forward. */
  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    this.#preHooks.push(hook);
    return { remove: () => removeFrom(this.#preHooks, hook) };
  }

  // ---- registration -------------------------------------------------------------------

  /** Registers `t` as parameter `name` (made a kept, `requiresGrad` leaf); null clears it. */
  registerParameter(name: string, t: Tensor | null): void {
    this.#buffers.delete(name);
    this.#inline.delete(name);
    define(this, name, t ? parameter(t) : null);
  }

  /**
   * Registers `t` as buffer `name`: state that is saved but not trained (`running_mean`).
   * Non-persistent buffers are left out of {@link Module.stateDict}.
   */
  registerBuffer(name: string, t: Tensor | null, options: { persistent?: boolean } = {}): void {
    this.#inline.delete(name);
    this.#buffers.set(name, options.persistent ?? true);
    define(this, name, t ? keep(t) : null);
  }

  /**
   * Registers child `name`. With `inline: true` the child adds no segment to names: its
   * parameters and children are named as this module's own.
   */
  registerModule(name: string, module: Module | null, options: { inline?: boolean } = {}): void {
    this.#buffers.delete(name);
    if (options.inline && module) this.#inline.set(name, module);
    else this.#inline.delete(name);
    define(this, name, module);
  }

  /**
   * Modules this one calls but does not own (a skip's post-activation): walked for
   * train/eval and traces, never for names, parameters or state. @internal
   */
  protected hiddenChildren(): readonly (readonly [string, Module])[] {
    return [];
  }

  /** How this module appears in traces: leaves are nodes. @internal */
  traceRole(): TraceRole {
    return this.#childEntries().length === 0 ? 'node' : 'container';
  }

  /** Multiply-adds of one forward, for {@link summary} (0 unless a layer defines it). */
  multiplyAdds(_inputs: readonly Tensor[], _output: Tensor): number {
    return 0;
  }

  #childEntries(): [string, Module, boolean][] {
    const out: [string, Module, boolean][] = [];
    for (const key of Object.keys(this)) {
      const v: unknown = Reflect.get(this, key);
      if (v instanceof Module) out.push([key, v, this.#inline.get(key) === v]);
    }
    return out;
  }

  #tensorEntries(): TensorEntry[] {
    const params: TensorEntry[] = [];
    const buffers: TensorEntry[] = [];
    for (const key of Object.keys(this)) {
      const v: unknown = Reflect.get(this, key);
      if (!(v instanceof Tensor)) continue;
      const persistent = this.#buffers.get(key);
      if (persistent === undefined) params.push({ name: key, tensor: v, kind: 'parameter', persistent: true });
      else buffers.push({ name: key, tensor: v, kind: 'buffer', persistent });
    }
    // PyTorch saves a module's parameters before its buffers.
    return [...params, ...buffers];
  }

  /**
   * Every module of the tree with its name prefix and display path. `dedupe` visits a
   * shared module once (PyTorch's `remove_duplicate`); hidden modules come last and only
   * when `hidden` is set. @internal
   */
  walk(options: { dedupe?: boolean; hidden?: boolean } = {}): ModuleVisit[] {
    const dedupe = options.dedupe ?? true;
    const out: ModuleVisit[] = [];
    const seen = new Set<Module>();
    const ancestors = new Set<Module>();
    const visit = (m: Module, prefix: string, path: string, slot: ModuleSlot): void => {
      if (ancestors.has(m) || (dedupe && seen.has(m))) return;
      seen.add(m);
      out.push({ module: m, prefix, path, slot });
      ancestors.add(m);
      for (const [name, child, inline] of m.#childEntries()) {
        if (inline) visit(child, prefix, path ? `${path}.${name}` : name, 'inline');
        else visit(child, `${prefix}${name}.`, `${prefix}${name}`, 'child');
      }
      ancestors.delete(m);
    };
    visit(this, '', '', 'child');
    if (options.hidden) {
      // After the full walk, so a module that is also registered somewhere keeps its real name.
      for (let i = 0; i < out.length; i++) {
        const v = out[i]!;
        for (const [slot, h] of v.module.hiddenChildren()) {
          if (!seen.has(h)) visit(h, '', v.path ? `${v.path}.${slot}` : slot, 'hidden');
        }
      }
    }
    return out;
  }

  #collect(dedupeModules: boolean, filter: (e: TensorEntry) => boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const byName = new Map<string, Tensor>();
    for (const { module, prefix } of this.walk({ dedupe: dedupeModules })) {
      for (const e of module.#tensorEntries()) {
        if (!filter(e)) continue;
        const name = prefix + e.name;
        const prev = byName.get(name);
        if (prev && prev !== e.tensor) {
          throw new Error(`${this.constructor.name}: two different tensors are both named '${name}' (inline children must not define the same names)`);
        }
        if (prev) continue;
        byName.set(name, e.tensor);
        out.push([name, e.tensor]);
      }
    }
    return out;
  }

  // ---- introspection ------------------------------------------------------------------

  /**
   * Parameters with dotted names (`layer1.0.conv1.weight`), each tensor once. With
   * `recurse: false`, only this module's own.
   */
  namedParameters(options: { recurse?: boolean } = {}): [string, Tensor][] {
    if (options.recurse === false)
      return this.#tensorEntries()
        .filter((e) => e.kind === 'parameter')
        .map((e) => [e.name, e.tensor]);
    return dedupeTensors(this.#collect(true, (e) => e.kind === 'parameter'));
  }

  /** Parameters, each once. */
  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, t]) => t);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    if (options.recurse === false)
      return this.#tensorEntries()
        .filter((e) => e.kind === 'buffer')
        .map((e) => [e.name, e.tensor]);
    return dedupeTensors(this.#collect(true, (e) => e.kind === 'buffer'));
  }

  /** Buffers, each once. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Number of parameter elements (each shared tensor once). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters().reduce((n, p) => n + (options.trainableOnly && !p.requiresGrad ? 0 : p.size), 0);
  }

  /** Direct children with their names; an inline child contributes its own children instead. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, child, inline] of this.#childEntries()) {
      if (inline) out.push(...child.namedChildren());
      else out.push([name, child]);
    }
    return out;
  }

  /** Direct children (see {@link Module.namedChildren}). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module (name `''`) and every descendant with its dotted name, each once. Inline
   * containers are skipped (their children appear under this module's names) unless
   * `includeInline` is set, in which case they carry a display path such as `h.0.attn_skip`.
   */
  namedModules(options: { includeInline?: boolean } = {}): [string, Module][] {
    return this.walk()
      .filter((v) => options.includeInline || v.slot !== 'inline')
      .map((v) => [v.path, v.module]);
  }

  /** This module and every descendant, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  // ---- mode, gradients, lifetime ------------------------------------------------------

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const { module } of this.walk({ hidden: true })) module.training = mode;
    return this;
  }

  /** Evaluation mode (running statistics, no dropout); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees every parameter, gradient and buffer of the tree. The module is unusable after. */
  dispose(): void {
    for (const { module } of this.walk({ hidden: true })) {
      for (const e of module.#tensorEntries()) e.tensor.dispose();
    }
  }

  // ---- state dict ---------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's order and with its
   * names (`bn1.running_mean`, `bn1.num_batches_tracked`). The values are the module's own
   * tensors, not copies: read or save them, do not dispose them. A tensor shared under two
   * names appears under both, as in PyTorch.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const { module, prefix } of this.walk({ dedupe: false })) {
      for (const e of module.#tensorEntries()) {
        if (!e.persistent) continue;
        const name = prefix + e.name;
        if (name in out && out[name] !== e.tensor) {
          throw new Error(`${this.constructor.name}: two different tensors are both named '${name}' (inline children must not define the same names)`);
        }
        out[name] = e.tensor;
      }
    }
    return out;
  }

  /**
   * Copies values from `dict` into this module's parameters and buffers in place (the
   * tensors keep their identity, so optimizers holding them stay valid). Every problem —
   * each missing key, unexpected key and shape mismatch — is reported in one error before
   * anything is copied. Values of another dtype are cast (a checkpoint's int64
   * `num_batches_tracked` read as float32, for example).
   */
  loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const source: ReadonlyMap<string, Tensor> = dict instanceof Map ? (dict as ReadonlyMap<string, Tensor>) : new Map(Object.entries(dict as StateDict));
    const own = this.stateDict();
    const { missingKeys, unexpectedKeys, problems } = checkStateDict(own, source, { strict });
    if (problems.length) {
      throw new Error(`loadStateDict: ${this.constructor.name} cannot load the state dict:\n  ${problems.join('\n  ')}`);
    }
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) {
        const v = source.get(k);
        if (!v || v === target) continue;
        const value = v.dtype === target.dtype ? v : cast(v, target.dtype);
        assign(target, value);
        if (value !== v) value.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }
}

/** The result of {@link checkStateDict}. */
export interface StateDictCheck {
  /** Keys of the model that `dict` lacks. */
  readonly missingKeys: string[];
  /** Keys of `dict` the model does not have. */
  readonly unexpectedKeys: string[];
  /**
   * Every reason `dict` cannot be loaded, one line per kind (`missing keys (2): …`,
   * `unexpected keys (1): …`, `shape mismatches (1):` with one indented line per key);
   * empty when it fits. Key differences count only when `strict`.
   */
  readonly problems: string[];
}

/**
 * Checks `dict` against a model's own state dict (`own`, from `stateDict()`) without
 * changing anything: what {@link Module.loadStateDict} validates before it copies, for
 * callers that must check several things before changing any (a trainer's resume).
 */
export function checkStateDict(
  own: Readonly<Record<string, Tensor>>,
  dict: ReadonlyMap<string, { readonly shape: readonly number[] }> | Readonly<Record<string, { readonly shape: readonly number[] }>>,
  options: { strict?: boolean } = {},
): StateDictCheck {
  const strict = options.strict ?? true;
  type Shaped = { readonly shape: readonly number[] };
  const source: ReadonlyMap<string, Shaped> =
    dict instanceof Map ? (dict as ReadonlyMap<string, Shaped>) : new Map(Object.entries(dict as Readonly<Record<string, Shaped>>));
  const missingKeys = Object.keys(own).filter((k) => !source.has(k));
  const unexpectedKeys = [...source.keys()].filter((k) => !(k in own));
  const mismatched: string[] = [];
  for (const [k, target] of Object.entries(own)) {
    const v = source.get(k);
    if (v && (v.shape.length !== target.rank || v.shape.some((d, i) => d !== target.shape[i]))) {
      mismatched.push(`${k}: checkpoint ${fmt(v.shape)}, model ${fmt(target.shape)}`);
    }
  }
  const problems: string[] = [];
  if (strict && missingKeys.length) problems.push(`missing keys (${missingKeys.length}): ${missingKeys.join(', ')}`);
  if (strict && unexpectedKeys.length) problems.push(`unexpected keys (${unexpectedKeys.length}): ${unexpectedKeys.join(', ')}`);
  if (mismatched.length) problems.push(`shape mismatches (${mismatched.length}):\n    ${mismatched.join('\n    ')}`);
  return { missingKeys, unexpectedKeys, problems };
}

function define(owner: Module, name: string, value: unknown): void {
  if (name in owner) {
    const current: unknown = Reflect.get(owner, name);
    if (!(current === null || current === undefined || current instanceof Module || current instanceof Tensor)) {
      throw new Error(`${owner.constructor.name}: cannot register '${name}': the name is taken by a ${typeof current === 'function' ? 'method' : 'property'}`);
    }
  }
  Object.defineProperty(owner, name, { value, enumerable: true, writable: true, configurable: true });
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function dedupeTensors(entries: [string, Tensor][]): [string, Tensor][] {
  const seen = new Set<Tensor>();
  return entries.filter(([, t]) => (seen.has(t) ? false : (seen.add(t), true)));
}
