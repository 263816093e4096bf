/**
 * NCHW resize with PyTorch's exact tap rules (tfjs's resize kernels are NHWC and use
 * TensorFlow's conventions), and its adjoint in gather form.
 *
 * Taps along one axis (as the cpu backend's `axisTaps`):
 * - nearest: `min(floor(dst · fround(in/out)), in-1)`, in float32 like torch;
 * - bilinear, alignCorners: `src = dst·(in-1)/(out-1)`;
 * - bilinear, otherwise: `src = max(0, (dst+0.5)·in/out - 0.5)`;
 *   `i0 = min(floor(src), in-1)`, `i1 = min(i0+1, in-1)`, weights `1-λ, λ` with `λ = src - i0`.
 */
import type { ResizeMode } from '@skipnet/core';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';
import { glslFloat } from '../shape.js';

/** GLSL computing `i0, i1, w0, w1` of axis `name` for output index `o`. */
function tapsGlsl(name: string, mode: ResizeMode, alignCorners: boolean, inSize: number, outSize: number): string {
  if (mode === 'nearest') {
    return `
  void taps${name}(int o, out int i0, out int i1, out float w0, out float w1) {
    i0 = min(int(floor(float(o) * ${glslFloat(inSize / outSize)})), ${inSize - 1});
    i1 = i0; w0 = 1.0; w1 = 0.0;
  }`;
  }
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  const src = alignCorners ? `float(o) * ${glslFloat(scale)}` : `(float(o) + 0.5) * ${glslFloat(scale)} - 0.5`;
  return `
  void taps${name}(int o, out int i0, out int i1, out float w0, out float w1) {
    float src = max(${src}, 0.0);
    i0 = min(int(floor(src)), ${inSize - 1});
    float l = src - float(i0);
    i1 = i0 < ${inSize - 1} ? i0 + 1 : i0;
    w0 = 1.0 - l; w1 = l;
  }`;
}

/** Resize of each NCHW plane to `outShape`'s `[OH, OW]`. */
export class ResizeProgram implements GPGPUProgram {
  readonly variableNames = ['X'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(xShape: readonly number[], outShape: readonly number[], mode: ResizeMode, alignCorners: boolean) {
    const [, , H, W] = xShape as [number, number, number, number];
    const [, , OH, OW] = outShape as [number, number, number, number];
    this.outputShape = [...outShape];
    this.userCode = `
      ${tapsGlsl('H', mode, alignCorners, H, OH)}
      ${tapsGlsl('W', mode, alignCorners, W, OW)}
      void main() {
        ivec4 c = getOutputCoords();
        int r0, r1, c0, c1;
        float a0, a1, b0, b1;
        tapsH(c.z, r0, r1, a0, a1);
        tapsW(c.w, c0, c1, b0, b1);
        ${
          mode === 'nearest'
            ? 'setOutput(getX(c.x, c.y, r0, c0));'
            : `setOutput(a0 * (b0 * getX(c.x, c.y, r0, c0) + b1 * getX(c.x, c.y, r0, c1)) +
                    a1 * (b0 * getX(c.x, c.y, r1, c0) + b1 * getX(c.x, c.y, r1, c1)));`
        }
      }
    `;
  }
}

/**
 * The candidate output window of one input index: outputs whose taps can reach input `i` lie
 * in `[floor((i-1)·r) - 2, … + count)`, `r` the outputs per input, so every input cell visits a
 * constant-size window and recomputes the taps there exactly as the forward pass does.
 */
function windowOf(mode: ResizeMode, alignCorners: boolean, inSize: number, outSize: number): { r: number; count: number } {
  if (mode === 'bilinear' && alignCorners && inSize === 1) return { r: 0, count: outSize };
  const r = mode === 'bilinear' && alignCorners ? (outSize - 1) / (inSize - 1) : outSize / inSize;
  return { r, count: Math.min(outSize, Math.ceil(3 * r) + 6) };
}

/** The adjoint of {@link ResizeProgram}: dy `[N, C, OH, OW]` → dx `inShape`, gathering through the same taps. */
export class ResizeBackwardProgram implements GPGPUProgram {
  readonly variableNames = ['Dy'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(dyShape: readonly number[], inShape: readonly number[], mode: ResizeMode, alignCorners: boolean) {
    const [, , OH, OW] = dyShape as [number, number, number, number];
    const [, , H, W] = inShape as [number, number, number, number];
    this.outputShape = [...inShape];
    const wh = windowOf(mode, alignCorners, H, OH);
    const ww = windowOf(mode, alignCorners, W, OW);
    const start = (v: string, win: { r: number; count: number }, out: number): string =>
      win.count >= out ? '0' : `clamp(int(floor(float(${v} - 1) * ${glslFloat(win.r)})) - 2, 0, ${out - win.count})`;
    this.userCode = `
      ${tapsGlsl('H', mode, alignCorners, H, OH)}
      ${tapsGlsl('W', mode, alignCorners, W, OW)}
      void main() {
        ivec4 c = getOutputCoords();
        int hs = ${start('c.z', wh, OH)};
        int ws = ${start('c.w', ww, OW)};
        float acc = 0.0;
        for (int p = 0; p < ${wh.count}; p++) {
          int oh = hs + p;
          int r0, r1; float a0, a1;
          tapsH(oh, r0, r1, a0, a1);
          float fa = (r0 == c.z ? a0 : 0.0) + (r1 == c.z ? a1 : 0.0);
          if (fa == 0.0) continue;
          for (int q = 0; q < ${ww.count}; q++) {
            int ow = ws + q;
            int c0, c1; float b0, b1;
            tapsW(ow, c0, c1, b0, b1);
            float fb = (c0 == c.w ? b0 : 0.0) + (c1 == c.w ? b1 : 0.0);
            if (fb != 0.0) acc += fa * fb * getDy(c.x, c.y, oh, ow);
          }
        }
        setOutput(acc);
      }
    `;
  }
}
