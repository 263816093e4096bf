/**
 * Reusable scratch buffers (column matrices, gathered images). Kernels run synchronously and
 * never re-enter, so one buffer per slot is enough; each grows to the largest size requested
 * and is kept, so steady-state training allocates nothing here.
 */
import { releaseGemmScratch } from './gemm.js';

const slots: (Float32Array | undefined)[] = [];

/** A Float32Array of at least `n` elements for `slot` (contents unspecified). */
export function scratch(slot: number, n: number): Float32Array {
  let s = slots[slot];
  if (!s || s.length < n) {
    s = new Float32Array(n);
    slots[slot] = s;
  }
  return s;
}

/** Scratch slot numbers, so two live buffers never share a slot. */
export const SLOT_COLS = 0;
/** Second scratch slot (gathered images or GEMM output before scattering). */
export const SLOT_TMP = 1;

/** Drops every scratch buffer (backend disposal). */
export function releaseScratch(): void {
  slots.length = 0;
  releaseGemmScratch();
}
