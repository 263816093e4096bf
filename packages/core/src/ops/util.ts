/** Helpers shared by the op definitions. @internal */
import type { DType, View } from '../backend/types.js';
import { activeEntry, type BackendEntry } from '../engine.js';
import { Storage, Tensor } from '../tensor.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';

/** The backend entry all tensors live on; throws naming the op when they differ. */
export function entryOf(op: string, ...ts: (Tensor | null | undefined)[]): BackendEntry {
  let entry: BackendEntry | undefined;
  for (const t of ts) {
    if (!t) continue;
    t.assertAlive(op);
    if (!entry) entry = t.storage.entry;
    else if (entry !== t.storage.entry) {
      throw new Error(`${op}: tensors live on different backends ('${entry.name}' and '${t.storage.entry.name}'); move one with toBackend()`);
    }
  }
  return entry ?? activeEntry();
}

/** Wraps a fresh dense handle as a tensor on `entry`. */
export function wrap(entry: BackendEntry, handle: unknown, shape: Shape, dtype: DType): Tensor {
  return new Tensor(new Storage(entry, handle, sizeOf(shape), dtype), shape);
}

/** A new view sharing `t`'s storage. */
export function viewOf(t: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset);
}

/** `t`'s view broadcast (stride 0) to `shape`, for elementwise kernels. */
export function broadcastView(op: string, t: Tensor, shape: Shape): View<unknown> {
  const v = t.view(op);
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const j = i - (rank - t.rank);
    strides[i] = j < 0 || t.shape[j] === 1 ? 0 : t.strides[j]!;
  }
  return { ...v, shape, strides };
}

/** Normalises a scalar-or-pair argument. */
export function pair(v: number | readonly [number, number], name: string, op: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x))) throw new Error(`${op}: ${name} must be integers, got ${JSON.stringify(v)}`);
  return p;
}

/** Dense row-major strides (re-exported for view ops). */
export { stridesOf };
