// Nearest / bilinear resize of NCHW planes and its adjoint, threaded over planes. The host
// computes each axis's source taps (torch's coordinate rules) into memory: per output index
// i0, i1 (i32) and weights w0, w1 (f64). Nearest ×2 upsampling duplicates lanes with shuffles.

import { claim } from './gemm';

/** Parameter block of the resize kernels. */
@unmanaged class ResizeParams {
  x: i32; y: i32; planes: i32; H: i32; W: i32; OH: i32; OW: i32;
  /** Taps along H: i0, i1 (OH i32 each), then w0, w1 (OH f64 each); likewise along W. */
  tapsH: i32; tapsW: i32;
  nearest: i32;
}

/** Resize forward: `y[oh, ow] = Σ a·b·x[ih, iw]` over the two taps of each axis. */
export function resizeForward(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<ResizeParams>(p);
  const H = q.H, W = q.W, OH = q.OH, OW = q.OW;
  const th = <usize>q.tapsH, tw = <usize>q.tapsW;
  const hw0 = th + <usize>(2 * OH) * 4, hw1 = hw0 + <usize>OH * 8;
  const ww0 = tw + <usize>(2 * OW) * 4, ww1 = ww0 + <usize>OW * 8;
  const twice = q.nearest != 0 && OW == 2 * W;
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const xp = <usize>q.x + <usize>(pl * H * W) * 4;
    const yp = <usize>q.y + <usize>(pl * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = xp + <usize>(load<i32>(th + <usize>oh * 4) * W) * 4;
      const yr = yp + <usize>(oh * OW) * 4;
      if (q.nearest != 0) {
        let ow = 0;
        if (twice) {
          for (; ow + 8 <= OW; ow += 8) {
            const v = v128.load(r0 + <usize>(ow >> 1) * 4);
            v128.store(yr + <usize>ow * 4, i32x4.shuffle(v, v, 0, 0, 1, 1));
            v128.store(yr + <usize>ow * 4, i32x4.shuffle(v, v, 2, 2, 3, 3), 16);
          }
        }
        for (; ow < OW; ow++) store<f32>(yr + <usize>ow * 4, load<f32>(r0 + <usize>load<i32>(tw + <usize>ow * 4) * 4));
        continue;
      }
      const r1 = xp + <usize>(load<i32>(th + <usize>(OH + oh) * 4) * W) * 4;
      const a0 = load<f64>(hw0 + <usize>oh * 8), a1 = load<f64>(hw1 + <usize>oh * 8);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = <usize>load<i32>(tw + <usize>ow * 4) * 4, c1 = <usize>load<i32>(tw + <usize>(OW + ow) * 4) * 4;
        const b0 = load<f64>(ww0 + <usize>ow * 8), b1 = load<f64>(ww1 + <usize>ow * 8);
        const v = a0 * (b0 * <f64>load<f32>(r0 + c0) + b1 * <f64>load<f32>(r0 + c1)) + a1 * (b0 * <f64>load<f32>(r1 + c0) + b1 * <f64>load<f32>(r1 + c1));
        store<f32>(yr + <usize>ow * 4, <f32>v);
      }
    }
  }
}

/** Resize adjoint: `dx` (x slot, zeroed here) += each `dy` (y slot) through the same taps. */
export function resizeBackward(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<ResizeParams>(p);
  const H = q.H, W = q.W, OH = q.OH, OW = q.OW;
  const th = <usize>q.tapsH, tw = <usize>q.tapsW;
  const hw0 = th + <usize>(2 * OH) * 4, hw1 = hw0 + <usize>OH * 8;
  const ww0 = tw + <usize>(2 * OW) * 4, ww1 = ww0 + <usize>OW * 8;
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const dx = <usize>q.x + <usize>(pl * H * W) * 4;
    const dy = <usize>q.y + <usize>(pl * OH * OW) * 4;
    memory.fill(dx, 0, <usize>(H * W) * 4);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = dx + <usize>(load<i32>(th + <usize>oh * 4) * W) * 4;
      const r1 = dx + <usize>(load<i32>(th + <usize>(OH + oh) * 4) * W) * 4;
      const a0 = load<f64>(hw0 + <usize>oh * 8), a1 = load<f64>(hw1 + <usize>oh * 8);
      const gr = dy + <usize>(oh * OW) * 4;
      for (let ow = 0; ow < OW; ow++) {
        const g = <f64>load<f32>(gr + <usize>ow * 4);
        const c0 = <usize>load<i32>(tw + <usize>ow * 4) * 4, c1 = <usize>load<i32>(tw + <usize>(OW + ow) * 4) * 4;
        const b0 = load<f64>(ww0 + <usize>ow * 8), b1 = load<f64>(ww1 + <usize>ow * 8);
        store<f32>(r0 + c0, <f32>(<f64>load<f32>(r0 + c0) + a0 * b0 * g));
        if (b1 != 0) store<f32>(r0 + c1, <f32>(<f64>load<f32>(r0 + c1) + a0 * b1 * g));
        if (a1 != 0) {
          store<f32>(r1 + c0, <f32>(<f64>load<f32>(r1 + c0) + a1 * b0 * g));
          if (b1 != 0) store<f32>(r1 + c1, <f32>(<f64>load<f32>(r1 + c1) + a1 * b1 * g));
        }
      }
    }
  }
}
