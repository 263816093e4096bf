/**
 * Strided walks over linear memory. A view is an element index into a typed array over the
 * whole memory plus strides; a walk merges dimensions that every operand steps through as one,
 * then lists the start of every row (all indices but the innermost) for each operand, so inner
 * loops advance by a constant stride with no index arithmetic.
 */
import type { View } from '@skipnet/core';
import type { WasmHandle } from './types.js';

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a dense shape. */
export function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Product of `shape[from..to)`. */
export function span(shape: readonly number[], from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/** Element index of a view's first element in a 4-byte typed array over the whole memory. */
export function baseOf(v: { readonly handle: WasmHandle; readonly offset?: number }): number {
  return (v.handle >>> 2) + (v.offset ?? 0);
}

/** A view's strides right-aligned to `shape`, with size-1 (broadcast) dimensions at stride 0. */
export function stridesFor(v: View<WasmHandle>, shape: readonly number[]): number[] {
  const r = shape.length;
  const off = r - v.shape.length;
  if (off < 0) throw new Error(`wasm: a view of shape [${v.shape.join(',')}] cannot broadcast to [${shape.join(',')}]`);
  const out = new Array<number>(r).fill(0);
  for (let i = 0; i < v.shape.length; i++) {
    const d = v.shape[i]!;
    const t = shape[off + i]!;
    if (d !== t && d !== 1) throw new Error(`wasm: a view of shape [${v.shape.join(',')}] cannot broadcast to [${shape.join(',')}]`);
    out[off + i] = d === 1 ? 0 : v.strides[i]!;
  }
  return out;
}

/** A planned walk: `rows` rows of `len` elements; operand k's row r starts at `starts[k][r]` and steps by `step[k]`. */
export interface Walk {
  readonly rows: number;
  readonly len: number;
  readonly step: readonly number[];
  readonly starts: readonly Int32Array[];
}

/** Plans a row-major walk over `shape` for operands with `strides` starting at element `bases`. */
export function plan(shape: readonly number[], strides: readonly (readonly number[])[], bases: readonly number[]): Walk {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k]![last] === s[d]! * n)) {
      dims[last] = dims[last]! * n;
      strides.forEach((s, k) => (st[k]![last] = s[d]!));
    } else {
      dims.push(n);
      strides.forEach((s, k) => st[k]!.push(s[d]!));
    }
  }
  if (dims.length === 0) {
    dims.push(numel(shape));
    st.forEach((s) => s.push(0));
  }
  const inner = dims.length - 1;
  const len = dims[inner]!;
  const rows = numel(shape) === 0 ? 0 : span(dims, 0, inner);
  const starts = bases.map((b, k) => {
    const out = new Int32Array(rows);
    const s = st[k]!;
    const idx = new Array<number>(inner).fill(0);
    let off = b;
    for (let r = 0; r < rows; r++) {
      out[r] = off;
      for (let d = inner - 1; d >= 0; d--) {
        off += s[d]!;
        if (++idx[d]! < dims[d]!) break;
        off -= s[d]! * dims[d]!;
        idx[d] = 0;
      }
    }
    return out;
  });
  return { rows, len, step: st.map((s) => s[inner]!), starts };
}

/** Whether strides are row-major dense for `shape` (size-1 dimensions ignored). */
export function isDense(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expect) return false;
    expect *= shape[i]!;
  }
  return true;
}

type Arr = Float32Array | Int32Array;

/**
 * Copies a view (broadcast to `shape`) densely into `dst` from element `at`. Source and
 * destination may be different typed arrays over the same memory: values convert on store
 * (float → int32 truncates toward zero).
 */
export function gather(src: Arr, v: View<WasmHandle>, shape: readonly number[], dst: Arr, at: number): void {
  const n = numel(shape);
  if (n === 0) return;
  const strides = stridesFor(v, shape);
  const base = baseOf(v);
  if (isDense(shape, strides)) {
    if (src === dst || src instanceof Float32Array === dst instanceof Float32Array) dst.copyWithin(at, base, base + n);
    else for (let i = 0; i < n; i++) dst[at + i] = src[base + i]!;
    return;
  }
  const w = plan(shape, [strides], [base]);
  const s = w.step[0]!;
  const starts = w.starts[0]!;
  let o = at;
  for (let r = 0; r < w.rows; r++) {
    let i = starts[r]!;
    if (s === 0) {
      dst.fill(src[i]!, o, o + w.len);
      o += w.len;
    } else if (s === 1 && src instanceof Float32Array === dst instanceof Float32Array) {
      dst.copyWithin(o, i, i + w.len);
      o += w.len;
    } else {
      for (let k = 0; k < w.len; k++, i += s) dst[o++] = src[i]!;
    }
  }
}
