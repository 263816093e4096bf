/**
 * Process-wide state: the backend registry, the active backend, tidy scopes and the
 * autograd switch. Everything here is filled by the application, never by an import.
 */
import type { Backend, BackendFactory } from './backend/types.js';
import type { Tensor } from './tensor.js';

/** A registered backend and its live-tensor bookkeeping. */
export interface BackendEntry {
  readonly name: string;
  readonly backend: Backend<unknown>;
  /** Live Tensor objects on this backend. */
  tensors: number;
}

interface Registration {
  readonly factory: BackendFactory;
  readonly priority: number;
  entry?: BackendEntry;
}

const registry = new Map<string, Registration>();
let active: BackendEntry | undefined;

/**
 * Registers a backend factory under a name. Higher `priority` wins when no backend was set
 * explicitly. Re-registering a name replaces it (and disposes a backend already created).
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  const previous = registry.get(name);
  if (previous?.entry) {
    if (active === previous.entry) active = undefined;
    previous.entry.backend.dispose?.();
  }
  registry.set(name, { factory, priority });
}

/** Removes a registered backend (disposing it if it was created). */
export function removeBackend(name: string): void {
  const reg = registry.get(name);
  if (!reg) return;
  if (reg.entry && active === reg.entry) active = undefined;
  reg.entry?.backend.dispose?.();
  registry.delete(name);
}

/** Names of the registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...registry.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

async function instantiate(name: string): Promise<BackendEntry> {
  const reg = registry.get(name);
  if (!reg) {
    const known = listBackends();
    throw new Error(`Unknown backend '${name}'. Registered backends: ${known.length ? known.join(', ') : '(none — call registerBackend first)'}`);
  }
  if (!reg.entry) {
    const backend = await reg.factory();
    reg.entry = { name, backend, tensors: 0 };
  }
  return reg.entry;
}

/** Creates (once) and activates the named backend; new tensors are created on it. */
export async function setBackend(name: string): Promise<Backend<unknown>> {
  active = await instantiate(name);
  return active.backend;
}

/** Activates the highest-priority registered backend that initialises successfully. */
export async function ready(): Promise<Backend<unknown>> {
  if (active) return active.backend;
  const errors: string[] = [];
  for (const name of listBackends()) {
    try {
      return await setBackend(name);
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`No backend could be initialised. ${errors.length ? errors.join('; ') : 'None is registered: call registerBackend first.'}`);
}

/** The active backend's entry; throws when none was set. */
export function activeEntry(): BackendEntry {
  if (!active) {
    const known = listBackends();
    throw new Error(`No active backend: call 'await setBackend(name)' (or 'await ready()') first. Registered: ${known.length ? known.join(', ') : '(none)'}`);
  }
  return active;
}

/** The active backend. */
export function getBackend(): Backend<unknown> {
  return activeEntry().backend;
}

/** The name of the active backend. */
export function getBackendName(): string {
  return activeEntry().name;
}

/** Memory statistics of one backend. */
export interface MemoryInfo {
  /** Live Tensor objects (views count separately). */
  readonly tensors: number;
  /** Bytes held by live storage buffers. */
  readonly bytes: number;
  /** Live storage buffers. */
  readonly buffers: number;
}

/**
 * Live tensors and bytes: of the active backend, or per backend with `{ all: true }`.
 */
export function memory(): MemoryInfo;
export function memory(options: { all: true }): Record<string, MemoryInfo>;
export function memory(options?: { all: true }): MemoryInfo | Record<string, MemoryInfo> {
  const describe = (e: BackendEntry): MemoryInfo => {
    const m = e.backend.memory();
    return { tensors: e.tensors, bytes: m.bytes, buffers: m.buffers };
  };
  if (options?.all) {
    const out: Record<string, MemoryInfo> = {};
    for (const [name, reg] of registry) if (reg.entry) out[name] = describe(reg.entry);
    return out;
  }
  return describe(activeEntry());
}

// ---------------------------------------------------------------------------------------
// tidy scopes

interface Scope {
  readonly tensors: Set<Tensor>;
}
const scopes: Scope[] = [];

/** Records a newly created tensor in the innermost tidy scope. @internal */
export function trackTensor(t: Tensor): void {
  const scope = scopes[scopes.length - 1];
  if (scope) scope.tensors.add(t);
}

/** Removes a tensor from every scope so no tidy disposes it. @internal */
export function untrackTensor(t: Tensor): void {
  for (const s of scopes) s.tensors.delete(t);
}

/** Anything tidy can return: tensors inside arrays and plain objects survive the scope. */
export type TensorContainer =
  Tensor | void | undefined | null | number | string | boolean | readonly TensorContainer[] | { readonly [k: string]: TensorContainer };

function collect(value: unknown, into: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into, isTensor);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, isTensor);
  }
}

let isTensorFn: ((v: unknown) => v is Tensor) | undefined;
/** @internal */
export function setTensorGuard(fn: (v: unknown) => v is Tensor): void {
  isTensorFn = fn;
}

/**
 * Runs `fn` and disposes every tensor it created that is neither returned (directly or
 * inside arrays/objects) nor passed to {@link keep}. Returned tensors move to the enclosing
 * scope. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = { tensors: new Set() };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope.tensors) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('tidy: the function returned a Promise; tidy only works with synchronous functions');
  }
  const survivors = new Set<Tensor>();
  if (isTensorFn) collect(result, survivors, isTensorFn);
  const parent = scopes[scopes.length - 1];
  for (const t of scope.tensors) {
    if (survivors.has(t)) parent?.tensors.add(t);
    else t.dispose();
  }
  return result;
}

/**
 * Runs the body of an op: the op's result moves to the caller's scope; temporaries it made
 * (scalar operands, contiguous copies, intermediate results of composites) are freed at once
 * when no graph was recorded, or owned by the result (freed with it, or after backward) when
 * its gradient may need them. This keeps ops leak-free outside `tidy`. @internal
 */
export function opScope<T extends Tensor | readonly Tensor[]>(fn: () => T): T {
  const scope: Scope = { tensors: new Set() };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope.tensors) t.dispose();
    throw e;
  }
  scopes.pop();
  const outs: readonly Tensor[] = Array.isArray(result) ? (result as readonly Tensor[]) : [result as Tensor];
  const parent = scopes[scopes.length - 1];
  let leftovers: Tensor[] | undefined;
  for (const t of scope.tensors) {
    if (outs.includes(t)) parent?.tensors.add(t);
    else (leftovers ??= []).push(t);
  }
  if (leftovers) {
    const recorded = outs.filter((o) => o.gradNode !== null);
    if (recorded.length === 0) for (const t of leftovers) t.dispose();
    else if (recorded.length === 1) recorded[0]!.adopt(leftovers);
    else for (const t of leftovers) parent?.tensors.add(t);
  }
  return result;
}

/** Exempts a tensor from every enclosing tidy; returns it. */
export function keep<T extends Tensor>(t: T): T {
  untrackTensor(t);
  return t;
}

// ---------------------------------------------------------------------------------------
// autograd switch

let gradEnabled = true;

/** Whether operations currently record the autograd graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording gradients (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with gradient recording switched on or off. */
export function withGrad<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

// ---------------------------------------------------------------------------------------
// seeded generator state

let globalSeed = 0x5eed;
let globalKey = 0;

/** Seeds the global generator used by random ops without an explicit seed. */
export function manualSeed(seed: number): void {
  globalSeed = seed >>> 0;
  globalKey = 0;
}

/** The global generator's state, for checkpoints. */
export function getRngState(): { seed: number; key: number } {
  return { seed: globalSeed, key: globalKey };
}

/** Restores the global generator's state from {@link getRngState}. */
export function setRngState(state: { seed: number; key: number }): void {
  globalSeed = state.seed >>> 0;
  globalKey = state.key >>> 0;
}

/** Next `(seed, key)` stream: explicit seeds use key 0, the global generator advances. @internal */
export function nextStream(seed?: number): { seed: number; key: number } {
  if (seed !== undefined) return { seed: seed >>> 0, key: 0 };
  globalKey = (globalKey + 1) >>> 0;
  return { seed: globalSeed, key: globalKey };
}
