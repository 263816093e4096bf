/** Shared test helpers: seeded data, comparisons, finite differences, backend setup. */
import type { BackendFactory } from '../backend/types.js';
import { listBackends, memory, noGrad, registerBackend, setBackend, tidy } from '../engine.js';
import { uniformAt } from '../random.js';
import { sameShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import type { Ref } from './reference.js';

/** Error bounds: `|actual − expected| ≤ atol + rtol·|expected|`. */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

let streamSeed = 0xc0ffee;
let streamKey = 1000;

/**
 * Restarts the streams {@link randomArray} and {@link distinctArray} draw from at `seed`. The
 * conformance runner calls it before each test with a hash of the test's name, so a test's
 * data does not depend on which tests ran, or were skipped or filtered out, before it.
 */
export function restartStreams(seed: number): void {
  streamSeed = seed >>> 0;
  streamKey = 1000;
}

/** Deterministic uniform values in `[lo, hi)`; each call draws a new stream. */
export function randomArray(n: number, lo = -1, hi = 1): Float32Array {
  const key = streamKey++;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * uniformAt(streamSeed, key, i);
  return a;
}

/** Distinct values (a shuffled ramp, spaced `gap` apart) so kinks (max, relu) stay away from FD steps. */
export function distinctArray(n: number, gap = 0.05): Float32Array {
  const key = streamKey++;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => uniformAt(streamSeed ^ 7, key, a) - uniformAt(streamSeed ^ 7, key, b));
  // Offset by a quarter gap so no value is 0 (a kink of relu/abs), whatever n's parity.
  return Float32Array.from(order, (r) => (r - n / 2) * gap + gap / 4);
}

/** Float64 reference from float32 host data (rounding the inputs exactly as the backend sees them). */
export function refOf(data: Float32Array, shape: Shape): Ref {
  return { shape: [...shape], data: Float64Array.from(data) };
}

/** Throws (with the worst element) unless every element is within tolerance. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue; // equal infinities
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}

/**
 * Asserts `actual` has `expected`'s shape and every element within `tol` of it (default: 1e-5
 * absolute, for the same computation written two ways). Unlike {@link assertClose}, a NaN
 * fails even where both have one: two ways of computing a value that agree on NaN are both
 * wrong. Reads synchronously, so it works inside `tidy`; the backend must have `dataSync`.
 */
export function assertTensorsClose(actual: Tensor, expected: Tensor, tol: Tolerance = { atol: 1e-5, rtol: 0 }, what = 'tensor'): void {
  if (!sameShape(actual.shape, expected.shape)) {
    throw new Error(`${what}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  }
  const a = actual.dataSync();
  const e = expected.dataSync();
  const nan = a.findIndex((v, i) => Number.isNaN(v) || Number.isNaN(e[i]!));
  if (nan >= 0) throw new Error(`${what}: element ${nan} is ${a[nan]}, expected ${e[nan]} (NaN)`);
  assertClose(a, e, tol, what);
}

/**
 * Registers `factory` under `name` unless a backend of that name exists, then activates it:
 * a test file's setup, `beforeAll(() => useBackend('cpu', createCpuBackend))`.
 */
export async function useBackend(name: string, factory: BackendFactory): Promise<void> {
  if (!listBackends().includes(name)) registerBackend(name, factory);
  await setBackend(name);
}

/** Reads a tensor and disposes it. */
export async function take(t: Tensor): Promise<Float64Array> {
  const d = await t.data();
  t.dispose();
  return Float64Array.from(d);
}

/** An input of a gradient check. */
export interface GradInput {
  readonly shape: Shape;
  readonly data: Float32Array;
}

/**
 * Compares backprop gradients of `f` with central finite differences of the scalar
 * `L = Σ f(x)·c` (c a fixed random cotangent), at up to `samples` elements per input.
 */
export async function gradCheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly GradInput[],
  tol: Tolerance,
  options: { eps?: number; samples?: number; wrt?: readonly number[] } = {},
): Promise<void> {
  const eps = options.eps ?? 1e-2;
  const samples = options.samples ?? 24;
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  const leaves = inputs.map((inp) => ops.tensor(inp.data, inp.shape));
  let cot: Tensor | undefined;
  const analytic: Float64Array[] = [];
  try {
    wrt.forEach((i) => (leaves[i]!.requiresGrad = true));
    const outShape = noGrad(() => tidy(() => f(...leaves).shape));
    cot = ops.tensor(randomArray(sizeOf(outShape)), outShape);
    tidy(() => {
      const y = f(...leaves);
      ops.sum(ops.mul(y, cot!)).backward();
    });
    for (const i of wrt) {
      const g = leaves[i]!.grad;
      if (!g) throw new Error(`${name}: no gradient reached input ${i}`);
      analytic.push(Float64Array.from(await g.data()));
    }
    const loss = async (xs: Float32Array[]): Promise<number> => {
      const ts = xs.map((d, i) => ops.tensor(d, inputs[i]!.shape));
      const l = noGrad(() => tidy(() => ops.sum(ops.mul(f(...ts), cot!))));
      const v = await l.item();
      l.dispose();
      ts.forEach((t) => t.dispose());
      return v;
    };
    for (let w = 0; w < wrt.length; w++) {
      const i = wrt[w]!;
      const n = inputs[i]!.data.length;
      const step = Math.max(1, Math.floor(n / samples));
      const numeric: number[] = [];
      const picked: number[] = [];
      for (let e = 0; e < n; e += step) {
        const plus = inputs.map((inp) => inp.data.slice());
        const minus = inputs.map((inp) => inp.data.slice());
        plus[i]![e] = plus[i]![e]! + eps;
        minus[i]![e] = minus[i]![e]! - eps;
        const lp = await loss(plus);
        const lm = await loss(minus);
        // Divide by the actual float32 step, not the nominal one.
        numeric.push((lp - lm) / (plus[i]![e]! - minus[i]![e]!));
        picked.push(analytic[w]![e]!);
      }
      assertClose(picked, numeric, tol, `${name}: gradient of input ${i}`);
    }
  } finally {
    leaves.forEach((t) => t.dispose());
    cot?.dispose();
  }
}

/** Live tensor count of the active backend. */
export function liveTensors(): number {
  return memory().tensors;
}
