// What the convolution kernels share: their parameter block, the fused bias + relu epilogue and
// the masked vector load at image borders.

/**
 * The parameter block of a convolution kernel, laid out as i32 slots in linear memory by the
 * host (`CONV_PARAMS` in src/kernels/params.ts writes them in this order): three pointers, the
 * forward-direction geometry, bias pointer (0: none), activation (0 none, 1 relu), this call's
 * scratch base and the per-thread scratch stride in bytes. The pointers by kernel:
 *
 * | kernel             | input        | operand          | output |
 * |--------------------|--------------|------------------|--------|
 * | convForward, convDirect, convDepthwise | x | w       | y      |
 * | convBackwardData   | dy           | w                | dx     |
 * | convBackwardWeight | x            | dy               | dw     |
 * | convWeightDirect   | x (padded)   | dy ([pixel][channel]) | dw |
 *
 * Unmanaged: a typed view of memory, never allocated.
 */
@unmanaged export class ConvParams {
  input: i32; operand: i32; output: i32;
  N: i32; C: i32; H: i32; W: i32;
  OC: i32; OH: i32; OW: i32;
  kh: i32; kw: i32; sh: i32; sw: i32;
  ph: i32; pw: i32; dh: i32; dw: i32; groups: i32;
  bias: i32; act: i32; scratch: i32; scratchStride: i32;
}

/** Lanes 0..3 and 4..7 as i32x4, for masks of partial rows. */
export const IOTA0 = i32x4(0, 1, 2, 3);
export const IOTA1 = i32x4(4, 5, 6, 7);

/** Four floats from `ptr`, lanes u..u+3 kept where they fall in [lo, hi), zero elsewhere. */
export function loadMasked(ptr: usize, u: i32, lo: i32, hi: i32): v128 {
  if (u >= lo && u + 4 <= hi) return v128.load(ptr);
  if (u + 4 <= lo || u >= hi) return i32x4.splat(0);
  const idx = i32x4.add(IOTA0, i32x4.splat(u));
  const m = v128.and(i32x4.ge_s(idx, i32x4.splat(lo)), i32x4.lt_s(idx, i32x4.splat(hi)));
  return v128.and(v128.load(ptr), m);
}

/** Adds bias[oc] (0: none) and applies relu (act 1) to `rows` rows of `len` floats, `ld` apart. */
export function biasAct(y: usize, bias: usize, act: i32, rows: i32, len: i32, ld: i32): void {
  const zero = f32x4.splat(0);
  for (let oc = 0; oc < rows; oc++) {
    const bv: f32 = bias != 0 ? load<f32>(bias + <usize>oc * 4) : 0;
    const bb = f32x4.splat(bv);
    const row = y + <usize>(oc * ld) * 4;
    let t = 0;
    if (act == 1) {
      for (; t + 4 <= len; t += 4) {
        const a = row + <usize>t * 4;
        v128.store(a, f32x4.max(f32x4.add(v128.load(a), bb), zero));
      }
      for (; t < len; t++) {
        const a = row + <usize>t * 4;
        const v = load<f32>(a) + bv;
        store<f32>(a, v < 0 ? 0 : v);
      }
    } else {
      for (; t + 4 <= len; t += 4) {
        const a = row + <usize>t * 4;
        v128.store(a, f32x4.add(v128.load(a), bb));
      }
      for (; t < len; t++) {
        const a = row + <usize>t * 4;
        store<f32>(a, load<f32>(a) + bv);
      }
    }
  }
}
