// The only module of the base entry that imports @skipnet/core: everything else stays
// plain typed arrays, usable (and testable) without a backend.
import { tensor, type Tensor } from '@skipnet/core';
import type { Batch } from './types.js';

/**
 * Converts a batch to tensors on the active backend: `x` of shape `xShape` and `y` of
 * shape `yShape`, each `int32` when its array is an `Int32Array` (labels, masks, token
 * ids) and `float32` otherwise. The caller owns the tensors (dispose them, or create
 * them inside `tidy`).
 */
export function toTensors(batch: Batch): { x: Tensor; y: Tensor } {
  const dtypeOf = (a: Float32Array | Int32Array): 'int32' | 'float32' => (a instanceof Int32Array ? 'int32' : 'float32');
  return {
    x: tensor(batch.x, batch.xShape, { dtype: dtypeOf(batch.x) }),
    y: tensor(batch.y, batch.yShape, { dtype: dtypeOf(batch.y) }),
  };
}
