// Layout copies the convolution paths run before their kernels: zero-padded planes and
// per-plane transposes.

import { claim } from './gemm';

/** Parameter block of {@link padPlanes}. */
@unmanaged class PadParams {
  src: i32; dst: i32; planes: i32;
  H: i32; W: i32; top: i32; left: i32; Hp: i32; Wp: i32;
}

/**
 * Copies each H×W plane into the middle of a zeroed Hp×Wp plane (`top` rows above, `left`
 * columns before): the padded input of {@link convDirect}. Threads split the planes.
 */
export function padPlanes(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<PadParams>(p);
  const H = q.H, W = q.W, Hp = q.Hp, Wp = q.Wp, top = q.top, left = q.left;
  const right = <usize>(Wp - W - left) * 4;
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const src = <usize>q.src + <usize>(pl * H * W) * 4;
    const dst = <usize>q.dst + <usize>(pl * Hp * Wp) * 4;
    memory.fill(dst, 0, <usize>(top * Wp + left) * 4);
    for (let h = 0; h < H; h++) {
      const d = dst + <usize>((top + h) * Wp + left) * 4;
      memory.copy(d, src + <usize>(h * W) * 4, <usize>W * 4);
      // The right margin of this row and the left margin of the next are adjacent.
      memory.fill(d + <usize>W * 4, 0, h + 1 < H ? right + <usize>left * 4 : right);
    }
    const below = dst + <usize>((top + H) * Wp) * 4;
    memory.fill(below, 0, <usize>((Hp - top - H) * Wp) * 4);
  }
}

/** Stores the 4×4 transpose of rows x0..x3 as four vectors `stride` bytes apart. */
@inline
export function storeT4(d: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d + stride, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(d + 2 * stride, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 3 * stride, i64x2.shuffle(t2, t3, 1, 3));
}

/** Parameter block of {@link transposePlanes}. */
@unmanaged class TransposeParams {
  src: i32; dst: i32; B: i32; R: i32; S: i32;
}

/** `dst[b][s][r] = src[b][r][s]` for B planes of R×S floats, in 4×4 SIMD blocks; threads split b. */
export function transposePlanes(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<TransposeParams>(p);
  const R = q.R, S = q.S;
  const plane = <usize>(R * S) * 4;
  for (let b = claim(); b < q.B; b = claim()) {
    const src = <usize>q.src + <usize>b * plane, dst = <usize>q.dst + <usize>b * plane;
    let r = 0;
    for (; r + 4 <= R; r += 4) {
      const r0 = src + <usize>(r * S) * 4;
      const rs = <usize>S * 4;
      let s = 0;
      for (; s + 4 <= S; s += 4) {
        const o = <usize>s * 4;
        storeT4(dst + <usize>(s * R + r) * 4, <usize>R * 4, v128.load(r0 + o), v128.load(r0 + rs + o), v128.load(r0 + 2 * rs + o), v128.load(r0 + 3 * rs + o));
      }
      for (; s < S; s++) {
        for (let i = 0; i < 4; i++) store<f32>(dst + <usize>(s * R + r + i) * 4, load<f32>(r0 + <usize>i * rs + <usize>s * 4));
      }
    }
    for (; r < R; r++) {
      for (let s = 0; s < S; s++) store<f32>(dst + <usize>(s * R + r) * 4, load<f32>(src + <usize>(r * S + s) * 4));
    }
  }
}
