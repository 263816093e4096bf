/** Test-only tensor measures (not part of the build or the package). */
import type { Tensor } from '@skipnet/core';

/** L2 norm of a tensor, read synchronously (cpu). */
export function norm(t: Tensor): number {
  let s = 0;
  for (const v of t.dataSync()) s += v * v;
  return Math.sqrt(s);
}

/** Largest absolute difference between two same-shaped tensors. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`maxAbsDiff: ${x.length} vs ${y.length} elements`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}
