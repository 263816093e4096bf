/**
 * Containers: Sequential, ModuleList and ModuleDict, named as PyTorch names them
 * (`'0'`, `'1'`, … or the keys given).
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

function ownModules(owner: Module): [string, Module][] {
  const out: [string, Module][] = [];
  for (const key of Object.keys(owner)) {
    const v: unknown = Reflect.get(owner, key);
    if (v instanceof Module) out.push([key, v]);
  }
  return out;
}

function isRecord(v: unknown): v is Readonly<Record<string, Module>> {
  return typeof v === 'object' && v !== null && !(v instanceof Module);
}

/**
 * Runs its children in order, each on the previous output. Children are named `'0'`, `'1'`, …
 * (`new Sequential(a, b)`) or by the keys of a record (`new Sequential({ conv1, bn1 })`, like
 * PyTorch's `OrderedDict` form; integer-like keys are ordered numerically by JavaScript).
 */
export class Sequential extends Module {
  constructor(...modules: Module[]);
  constructor(modules: Readonly<Record<string, Module>>);
  constructor(...args: (Module | Readonly<Record<string, Module>>)[]) {
    super();
    const first = args[0];
    if (args.length === 1 && isRecord(first)) {
      for (const [name, m] of Object.entries(first)) this.registerModule(name, m);
    } else {
      args.forEach((m, i) => {
        if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} is not a Module`);
        this.registerModule(String(i), m);
      });
    }
  }

  /**
   * A Sequential whose children add no name segment: `Sequential.inline(attnSkip, mlpSkip)`
   * names their parameters `ln_1.weight`, `mlp.c_fc.weight`, … rather than `0.ln_1.weight`.
   * Given a record (`Sequential.inline({ attn_skip, mlp_skip })`), the keys become the
   * children's display paths in traces and `namedSkips` (`h.0.attn_skip`) — still not
   * part of any parameter name. The children must not define the same names.
   */
  static inline(...modules: Module[]): Sequential;
  static inline(modules: Readonly<Record<string, Module>>): Sequential;
  static inline(...args: (Module | Readonly<Record<string, Module>>)[]): Sequential {
    const s = new Sequential();
    const first = args[0];
    const entries = args.length === 1 && isRecord(first) ? Object.entries(first) : args.map((m, i) => [String(i), m] as const);
    for (const [name, m] of entries) {
      if (!(m instanceof Module)) throw new Error(`Sequential.inline: child '${name}' is not a Module`);
      s.registerModule(name, m, { inline: true });
    }
    return s;
  }

  /** Number of children. */
  get length(): number {
    return ownModules(this).length;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): Module | undefined {
    const list = ownModules(this);
    return list[i < 0 ? list.length + i : i]?.[1];
  }

  /** The child registered under `name`. */
  get(name: string): Module | undefined {
    return ownModules(this).find(([n]) => n === name)?.[1];
  }

  /** Appends a child named by its index; returns this. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    const modules = ownModules(this).map(([, m]) => m);
    return modules[Symbol.iterator]();
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    for (const [, m] of ownModules(this)) y = m.call(y);
    return y;
  }
}

/**
 * Runs `modules` in order on `x`, each through {@link Module.call}: `seq(x, conv1, bn1, relu,
 * conv2, bn2)` reads in the order of the figure, where `bn2.call(conv2.call(relu.call(…)))`
 * reads inside out. For a forward's body; a `Sequential` is the module form.
 */
export function seq(x: Tensor, ...modules: readonly Module[]): Tensor {
  let y = x;
  for (const m of modules) y = m.call(y);
  return y;
}

/** A list of modules named `'0'`, `'1'`, … (no forward: the owner decides how to call them). */
export class ModuleList extends Module {
  constructor(modules: readonly Module[] = []) {
    super();
    modules.forEach((m) => this.append(m));
  }

  /** Number of modules. */
  get length(): number {
    return ownModules(this).length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module | undefined {
    const list = ownModules(this);
    return list[i < 0 ? list.length + i : i]?.[1];
  }

  /** Appends a module; returns this. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    const modules = ownModules(this).map(([, m]) => m);
    return modules[Symbol.iterator]();
  }
}

/** Modules by key (no forward). Keys must not clash with members (`get`, `keys`, `training`, …). */
export class ModuleDict extends Module {
  constructor(modules: Readonly<Record<string, Module>> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.registerModule(k, m);
  }

  /** The module under `key`. */
  get(key: string): Module | undefined {
    const v: unknown = Object.hasOwn(this, key) ? Reflect.get(this, key) : undefined;
    return v instanceof Module ? v : undefined;
  }

  /** Registers `module` under `key`; returns this. */
  set(key: string, module: Module): this {
    this.registerModule(key, module);
    return this;
  }

  /** Whether a module is registered under `key`. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Keys in registration order. */
  keys(): string[] {
    return ownModules(this).map(([k]) => k);
  }

  /** Modules in registration order. */
  values(): Module[] {
    return ownModules(this).map(([, m]) => m);
  }

  /** `[key, module]` pairs in registration order. */
  entries(): [string, Module][] {
    return ownModules(this);
  }
}
