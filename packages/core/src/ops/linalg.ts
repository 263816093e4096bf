/** Matrix products. */
import { opScope } from '../engine.js';
import { broadcastShapes, fmt, sizeOf } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { contiguous, expand, reshape, squeeze, transpose } from './shape.js';
import { sumToShape } from './reduce.js';
import { add } from './elementwise.js';
import { entryOf, wrap } from './util.js';

/** A 3-D dense operand and whether its last two dims are stored transposed. */
function operand(t: Tensor, batch: readonly number[]): { t: Tensor; trans: boolean } {
  const full = [...batch, t.shape[t.rank - 2]!, t.shape[t.rank - 1]!];
  const x = sizeOf(t.shape.slice(0, -2)) === sizeOf(batch) ? t : expand(t, full);
  // A transposed view of a dense matrix is passed as-is with a transpose flag: no copy.
  const tt = transpose(x);
  if (!x.isContiguous && tt.isContiguous) return { t: reshape(tt, [-1, tt.shape[tt.rank - 2]!, tt.shape[tt.rank - 1]!]), trans: true };
  const c = contiguous(x);
  return { t: reshape(c, [-1, c.shape[c.rank - 2]!, c.shape[c.rank - 1]!]), trans: false };
}

/**
 * Matrix product with NumPy semantics: `[..., M, K] @ [..., K, N] → [..., M, N]`, batch dims
 * broadcast; 1-D operands are promoted (and the added dim removed). `transposeA/B` transpose
 * the last two dims of an operand first.
 */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return opScope(() => {
    entryOf('matmul', a, b);
    if (a.rank === 0 || b.rank === 0) throw new Error(`matmul: operands must have at least 1 dim, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
    if (a.rank === 1) return squeeze(matmul(reshape(a, [1, a.shape[0]!]), b, false, transposeB), -2);
    if (b.rank === 1) {
      const y = matmul(a, reshape(b, [b.shape[0]!, 1]), transposeA, false);
      return reshape(y, y.shape.slice(0, -1));
    }
    const A = transposeA ? transpose(a) : a;
    const B = transposeB ? transpose(b) : b;
    const [m, k] = [A.shape[A.rank - 2]!, A.shape[A.rank - 1]!];
    const [k2, n] = [B.shape[B.rank - 2]!, B.shape[B.rank - 1]!];
    if (k !== k2) {
      throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)}${transposeA ? 'ᵀ' : ''} @ ${fmt(b.shape)}${transposeB ? 'ᵀ' : ''} (${k} vs ${k2})`);
    }
    const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
    const entry = entryOf('matmul', a, b);
    const out3 = rawMatmul(A, B, batch);
    const out = reshape(out3, [...batch, m, n]);
    return record(out, 'matmul', [A, B], (g) => [
      A.requiresGrad ? sumToShape(matmul(g, B, false, true), A.shape) : null,
      B.requiresGrad ? sumToShape(matmul(A, g, true, false), B.shape) : null,
    ]);

    function rawMatmul(x: Tensor, y: Tensor, bshape: readonly number[]): Tensor {
      const oa = operand(x, sizeOf(x.shape.slice(0, -2)) === 1 ? [1] : bshape);
      const ob = operand(y, sizeOf(y.shape.slice(0, -2)) === 1 ? [1] : bshape);
      const h = entry.backend.kernels.matmul({ a: dense(oa.t, 'matmul'), b: dense(ob.t, 'matmul') }, { transposeA: oa.trans, transposeB: ob.trans });
      return wrap(entry, h, [Math.max(oa.t.shape[0]!, ob.t.shape[0]!), m, n], x.dtype);
    }
  });
}

/** `x @ wᵀ + bias` with PyTorch's Linear layout: w `[out, in]`, x `[..., in]`. */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  return opScope(() => {
    if (w.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${fmt(w.shape)}`);
    if (x.shape[x.rank - 1] !== w.shape[1]) {
      throw new Error(`linear: input ${fmt(x.shape)} has ${x.shape[x.rank - 1]} features, weight ${fmt(w.shape)} expects ${w.shape[1]}`);
    }
    const flat = x.rank === 2 ? x : reshape(x, [-1, w.shape[1]!]);
    let y = matmul(flat, w, false, true);
    if (bias) y = add(y, bias);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), w.shape[0]!]);
  });
}
