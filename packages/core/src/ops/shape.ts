/** Shape ops. Reshape, permute, expand and slice are views over shared storage. */
import { opScope } from '../engine.js';
import { fmt, isDense, normAxis, sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { entryOf, viewOf, wrap } from './util.js';
import { sumToShape } from './reduce.js';

/** A dense copy when `x` is a strided view; `x` itself when already dense. */
export function contiguous(x: Tensor): Tensor {
  return opScope(() => {
    x.assertAlive('contiguous');
    if (x.isContiguous) return x;
    const entry = entryOf('contiguous', x);
    const out = wrap(entry, entry.backend.kernels.contiguous({ x: x.view('contiguous') }, {}), x.shape, x.dtype);
    return record(out, 'contiguous', [x], (g) => [g]);
  });
}

function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  const infer = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) throw new Error(`${op}: only one dimension can be -1, got ${fmt(shape)}`);
  if (infer >= 0) {
    const known = out.reduce((n, d, i) => (i === infer ? n : n * d), 1);
    if (known === 0 || x.size % known !== 0) throw new Error(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    out[infer] = x.size / known;
  }
  if (!out.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(out) !== x.size) {
    throw new Error(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
  }
  return out;
}

/** Same elements, new shape (one dimension may be -1). A view when `x` is dense. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return opScope(() => {
    x.assertAlive('reshape');
    const target = resolveShape('reshape', x, shape);
    if (target.length === x.rank && target.every((d, i) => d === x.shape[i])) return x;
    const src = isDense(x.shape, x.strides, 0) ? x : contiguous(x);
    const out = viewOf(src, target, stridesOf(target), src.offset);
    return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
  });
}

/** Flattens dims `startDim..endDim` (inclusive) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return opScope(() => {
    if (x.rank === 0) return reshape(x, [1]);
    const s = normAxis('flatten', startDim, x.rank);
    const e = normAxis('flatten', endDim, x.rank);
    const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
    return reshape(x, shape);
  });
}

/** Removes size-1 dims (all, or the given ones). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  return opScope(() => {
    const drop =
      axes === undefined
        ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
        : (typeof axes === 'number' ? [axes] : axes).map((a) => normAxis('squeeze', a, x.rank));
    return reshape(
      x,
      x.shape.filter((d, i) => !(drop.includes(i) && d === 1)),
    );
  });
}

/** Inserts a size-1 dim at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  return opScope(() => {
    const a = normAxis('unsqueeze', axis, x.rank + 1);
    const shape = [...x.shape];
    shape.splice(a, 0, 1);
    return reshape(x, shape);
  });
}

/** Reorders dims (a view). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  return opScope(() => {
    x.assertAlive('permute');
    const p = perm.map((a) => normAxis('permute', a, x.rank));
    if (p.length !== x.rank || new Set(p).size !== p.length) {
      throw new Error(`permute: ${fmt(perm)} is not a permutation of the ${x.rank} dims of ${fmt(x.shape)}`);
    }
    if (p.every((a, i) => a === i)) return x;
    const out = viewOf(
      x,
      p.map((a) => x.shape[a]!),
      p.map((a) => x.strides[a]!),
      x.offset,
    );
    const inverse = new Array<number>(p.length);
    p.forEach((a, i) => (inverse[a] = i));
    return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
  });
}

/** Swaps two dims (default the last two; a view). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  return opScope(() => {
    if (x.rank < 2) return x;
    const i = normAxis('transpose', a, x.rank);
    const j = normAxis('transpose', b, x.rank);
    const perm = x.shape.map((_, k) => k);
    perm[i] = j;
    perm[j] = i;
    return permute(x, perm);
  });
}

/** Broadcasts size-1 dims to `shape` (a stride-0 view; -1 keeps a dim). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return opScope(() => {
    x.assertAlive('expand');
    const lead = shape.length - x.rank;
    if (lead < 0) throw new Error(`expand: cannot expand ${fmt(x.shape)} to fewer dims ${fmt(shape)}`);
    const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead]! : d));
    const strides = target.map((d, i) => {
      const j = i - lead;
      if (j < 0) return 0;
      const s = x.shape[j]!;
      if (s === d) return x.strides[j]!;
      if (s === 1) return 0;
      throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)} (axis ${i}: ${s} → ${d})`);
    });
    if (lead === 0 && target.every((d, i) => d === x.shape[i])) return x;
    const out = viewOf(x, target, strides, x.offset);
    return record(out, 'expand', [x], (g) => [sumToShape(g, x.shape)]);
  });
}

/** Alias of {@link expand} for a full target shape. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return opScope(() => {
    return expand(x, shape);
  });
}

/**
 * A view of the block starting at `begin` with `size` (-1 or omitted: to the end) per axis.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  return opScope(() => {
    x.assertAlive('slice');
    if (begin.length > x.rank) throw new Error(`slice: begin ${fmt(begin)} has more entries than ${fmt(x.shape)} has dims`);
    const start = x.shape.map((d, i) => {
      const b = begin[i] ?? 0;
      return b < 0 ? b + d : b;
    });
    const extent = x.shape.map((d, i) => {
      const s = size?.[i] ?? -1;
      return s === -1 ? d - start[i]! : s;
    });
    x.shape.forEach((d, i) => {
      if (start[i]! < 0 || extent[i]! < 0 || start[i]! + extent[i]! > d) {
        throw new Error(`slice: begin ${fmt(begin)} size ${fmt(size ?? [])} is out of range for ${fmt(x.shape)} (axis ${i})`);
      }
    });
    if (start.every((s) => s === 0) && extent.every((e, i) => e === x.shape[i])) return x;
    const offset = x.offset + start.reduce((o, s, i) => o + s * x.strides[i]!, 0);
    const out = viewOf(x, extent, x.strides, offset);
    return record(out, 'slice', [x], (g) => [
      pad(
        g,
        x.shape.map((d, i) => [start[i]!, d - start[i]! - extent[i]!] as [number, number]),
      ),
    ]);
  });
}

/** `length` entries of `axis` starting at `start` (a view). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  return opScope(() => {
    const a = normAxis('narrow', axis, x.rank);
    const begin = x.shape.map((_, i) => (i === a ? start : 0));
    const size = x.shape.map((d, i) => (i === a ? length : d));
    return slice(x, begin, size);
  });
}

/** Joins tensors along `axis`; all other dims must match. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  return opScope(() => {
    if (xs.length === 0) throw new Error('concat: needs at least one tensor');
    const first = xs[0]!;
    const a = normAxis('concat', axis, first.rank);
    for (const t of xs) {
      if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
        throw new Error(`concat: shapes ${xs.map((x) => fmt(x.shape)).join(', ')} differ outside axis ${a}`);
      }
      if (t.dtype !== first.dtype) throw new Error(`concat: dtypes differ (${first.dtype} and ${t.dtype})`);
    }
    if (xs.length === 1) return first;
    const entry = entryOf('concat', ...xs);
    const outShape = [...first.shape];
    outShape[a] = xs.reduce((n, t) => n + t.shape[a]!, 0);
    const parts = xs.map((t) => contiguous(t));
    const h = entry.backend.kernels.concat({ xs: parts.map((t) => dense(t, 'concat')) }, { axis: a, outShape });
    const out = wrap(entry, h, outShape, first.dtype);
    return record(out, 'concat', xs, (g) => {
      let at = 0;
      return xs.map((t) => {
        const part = narrow(g, a, at, t.shape[a]!);
        at += t.shape[a]!;
        return part;
      });
    });
  });
}

/** Stacks same-shape tensors along a new `axis`. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  return opScope(() => {
    if (xs.length === 0) throw new Error('stack: needs at least one tensor');
    const a = normAxis('stack', axis, xs[0]!.rank + 1);
    return concat(
      xs.map((t) => unsqueeze(t, a)),
      a,
    );
  });
}

/** Splits along `axis` into pieces of the given sizes (or `n` equal pieces). Views. */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  return opScope(() => {
    const a = normAxis('split', axis, x.rank);
    const d = x.shape[a]!;
    let parts: number[];
    if (typeof sizes === 'number') {
      if (d % sizes !== 0) throw new Error(`split: axis ${a} of ${fmt(x.shape)} (${d}) is not divisible into ${sizes} parts`);
      parts = new Array<number>(sizes).fill(d / sizes);
    } else {
      parts = [...sizes];
      if (parts.reduce((s, n) => s + n, 0) !== d) throw new Error(`split: sizes ${fmt(sizes)} do not add up to ${d} (axis ${a} of ${fmt(x.shape)})`);
    }
    let at = 0;
    return parts.map((n) => {
      const t = narrow(x, a, at, n);
      at += n;
      return t;
    });
  });
}

/**
 * Constant padding. `pads` gives `[before, after]` per axis, from the first axis
 * (fewer entries pad the leading axes only — unlike torch's F.pad, which starts from the last).
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  return opScope(() => {
    const full = x.shape.map((_, i) => pads[i] ?? ([0, 0] as const));
    if (full.some(([b, e]) => !Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)) {
      throw new Error(`pad: paddings ${JSON.stringify(pads)} must be non-negative integers`);
    }
    if (full.every(([b, e]) => b === 0 && e === 0)) return x;
    const entry = entryOf('pad', x);
    const xc = contiguous(x);
    const outShape = x.shape.map((d, i) => d + full[i]![0] + full[i]![1]);
    const out = wrap(entry, entry.backend.kernels.pad({ x: dense(xc, 'pad') }, { pads: full, value }), outShape, x.dtype);
    return record(out, 'pad', [x], (g) => [
      slice(
        g,
        full.map(([b]) => b),
        x.shape,
      ),
    ]);
  });
}

/**
 * `index_select`: entries `indices` (1-D int32) of `axis`. Out-of-range indices throw when
 * the backend can read synchronously.
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return opScope(() => {
    const a = normAxis('gather', axis, x.rank);
    if (indices.dtype !== 'int32' || indices.rank !== 1) {
      throw new Error(`gather: indices must be a 1-D int32 tensor, got ${fmt(indices.shape)} ${indices.dtype}`);
    }
    const entry = entryOf('gather', x, indices);
    const b = entry.backend;
    if (b.readSync && indices.isContiguous) {
      const idx = b.readSync(indices.storage.handle, 'int32', indices.size);
      const n = x.shape[a]!;
      for (let i = 0; i < idx.length; i++) {
        if (idx[i]! < 0 || idx[i]! >= n) throw new Error(`gather: index ${idx[i]} is out of range for axis ${a} of size ${n} (shape ${fmt(x.shape)})`);
      }
    }
    const xc = contiguous(x);
    const ic = contiguous(indices);
    const outShape = [...x.shape];
    outShape[a] = indices.size;
    const out = wrap(entry, b.kernels.gather({ x: dense(xc, 'gather'), indices: dense(ic, 'gather') }, { axis: a, outShape }), outShape, x.dtype);
    return record(out, 'gather', [x], (g) => {
      const gc = contiguous(g);
      return [
        wrap(entry, b.kernels.scatterAdd({ updates: dense(gc, 'gather'), indices: dense(ic, 'gather') }, { axis: a, outShape: x.shape }), x.shape, g.dtype),
      ];
    });
  });
}

/** Alias of {@link gather} (PyTorch's name). */
export const indexSelect = gather;

/** `sizes` of a shape as text (re-exported for messages). @internal */
export const formatShape = (s: Shape): string => fmt(s);
