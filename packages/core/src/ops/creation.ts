/** Tensor creation. */
import type { DType, DataArray } from '../backend/types.js';
import { activeEntry, nextStream, setBackend } from '../engine.js';
import { fmt, sizeOf, type Shape } from '../shape.js';
import { Tensor, record, type TensorLike } from '../tensor.js';
import { entryOf, wrap } from './util.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  /** Element type (default float32; int32 for Int32Array data). */
  dtype?: DType;
  /** Mark the new tensor as a leaf that collects gradients. */
  requiresGrad?: boolean;
}

function inferShape(data: TensorLike): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function flattenInto(data: TensorLike, shape: readonly number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') throw new Error(`tensor: expected a number at depth ${depth}, got ${typeof data}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new Error(`tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}`);
  }
  for (const d of data as TensorLike[]) flattenInto(d, shape, depth + 1, out);
}

function checkShape(op: string, shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${op}: shape ${fmt(shape)} must hold non-negative integers`);
  }
}

function toArray(values: ArrayLike<number>, dtype: DType): DataArray {
  return dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
}

/**
 * Creates a tensor from numbers, nested arrays or a typed array on the active backend.
 * @param shape defaults to the nested arrays' shape (or `[length]` for flat data, `[]` for a number).
 */
export function tensor(data: TensorLike, shape?: Shape, options: CreateOptions = {}): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (data instanceof Float32Array || data instanceof Int32Array) {
    flat = data;
    inferred = [data.length];
  } else {
    inferred = inferShape(data);
    const out: number[] = [];
    flattenInto(data, inferred, 0, out);
    flat = out;
  }
  const finalShape = shape ?? inferred;
  checkShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values cannot fill shape ${fmt(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  const dtype = options.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  const array =
    (dtype === 'int32' && flat instanceof Int32Array) || (dtype === 'float32' && flat instanceof Float32Array)
      ? (flat as DataArray).slice()
      : toArray(flat, dtype);
  const entry = activeEntry();
  const t = wrap(entry, entry.backend.upload(array), finalShape, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = options.dtype ?? 'float32';
  const array = dtype === 'int32' ? new Int32Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
  if (value !== 0) array.fill(value);
  const entry = activeEntry();
  const t = wrap(entry, entry.backend.upload(array), shape, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Zeros. */
export function zeros(shape: Shape, options?: CreateOptions): Tensor {
  return full(shape, 0, options);
}
/** Ones. */
export function ones(shape: Shape, options?: CreateOptions): Tensor {
  return full(shape, 1, options);
}
/** Zeros with `x`'s shape and dtype, on `x`'s backend. */
export function zerosLike(x: Tensor): Tensor {
  return fullLike(x, 0);
}
/** Ones with `x`'s shape and dtype, on `x`'s backend. */
export function onesLike(x: Tensor): Tensor {
  return fullLike(x, 1);
}
/** `value` with `x`'s shape and dtype, on `x`'s backend. */
export function fullLike(x: Tensor, value: number, dtype: DType = x.dtype): Tensor {
  const entry = entryOf('fullLike', x);
  const array = dtype === 'int32' ? new Int32Array(x.size) : new Float32Array(x.size);
  if (value !== 0) array.fill(value);
  return wrap(entry, entry.backend.upload(array), x.shape, dtype);
}

/** A scalar on `like`'s backend with `like`'s dtype. @internal */
export function scalarLike(value: number, like: Tensor): Tensor {
  const entry = entryOf('scalar', like);
  const dtype = like.dtype === 'int32' && Number.isInteger(value) ? 'int32' : 'float32';
  const array = dtype === 'int32' ? Int32Array.of(value) : Float32Array.of(value);
  return wrap(entry, entry.backend.upload(array), [], dtype);
}

/** A scalar of the given dtype on `like`'s backend. @internal */
export function scalarOn(value: number, like: Tensor, dtype: DType): Tensor {
  const entry = entryOf('scalar', like);
  return wrap(entry, entry.backend.upload(dtype === 'int32' ? Int32Array.of(value) : Float32Array.of(value)), [], dtype);
}

/** `[start, start+step, …)` up to `end` (exclusive). One argument means `[0, end)`. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? (Number.isInteger(start) && Number.isInteger(step) ? 'int32' : 'float32');
  const array = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) array[i] = start + i * step;
  return tensor(array, [n], { dtype });
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Explicit seed: the same seed gives the same values on every backend. Without it the global generator advances. */
  seed?: number;
}

function random(
  shape: Shape,
  attrs: { distribution: 'uniform' | 'normal'; low: number; high: number; mean: number; std: number },
  options: RandomOptions,
): Tensor {
  checkShape('random', shape);
  const { seed, key } = nextStream(options.seed);
  const dtype = options.dtype ?? 'float32';
  const entry = activeEntry();
  const outDtype = dtype === 'int32' && attrs.distribution === 'uniform' ? 'int32' : 'float32';
  const h = entry.backend.kernels.random({}, { shape, seed, key, ...attrs, dtype: outDtype });
  const t = wrap(entry, h, shape, outDtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform random numbers in `[low, high)` (default `[0, 1)`). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  return random(shape, { distribution: 'uniform', low: options.low ?? 0, high: options.high ?? 1, mean: 0, std: 1 }, { ...options, dtype: 'float32' });
}

/** Normal random numbers (default mean 0, std 1). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  return random(shape, { distribution: 'normal', low: 0, high: 1, mean: options.mean ?? 0, std: options.std ?? 1 }, { ...options, dtype: 'float32' });
}

/** Uniform random integers in `[low, high)` (int32). */
export function randint(low: number, high: number, shape: Shape, options: Omit<RandomOptions, 'dtype'> = {}): Tensor {
  if (!(high > low)) throw new Error(`randint: high (${high}) must exceed low (${low})`);
  // The kernel floors `low + (high − low)·u` in double precision into an int32 buffer; with
  // u ≤ 1 − 2⁻²⁴ the result stays below `high` for any range under 2²⁴.
  return random(shape, { distribution: 'uniform', low, high, mean: 0, std: 1 }, { ...options, dtype: 'int32' });
}

/** A dense copy of `x` (differentiable). */
export function clone(x: Tensor): Tensor {
  const entry = entryOf('clone', x);
  const out = wrap(entry, entry.backend.kernels.contiguous({ x: x.view('clone') }, {}), x.shape, x.dtype);
  return record(out, 'clone', [x], (g) => [g]);
}

/** Copies `x` to another registered backend (creating it if needed); not differentiable. */
export async function toBackend(x: Tensor, name: string): Promise<Tensor> {
  const data = await x.data();
  const previous = activeEntry();
  await setBackend(name);
  try {
    return tensor(data, x.shape, { dtype: x.dtype });
  } finally {
    await setBackend(previous.name);
  }
}
