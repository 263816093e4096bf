/**
 * NCHW pooling programs with PyTorch's semantics, which tfjs's NHWC pools do not have: the
 * `countIncludePad` divisors (window clipped to the padded input, or to the input), argmax
 * indices as `h·W + w` within each plane (first maximum in window order, NaN wins), and
 * gather-form backward passes (each input cell sums the windows that cover it — no scatter).
 */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';

/** Pooling geometry in the order the programs use it. */
export interface PoolGeo {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

const NEG_INF = 'uintBitsToFloat(0xff800000u)';

/** Max pooling: the max value (`index` false) or its `h·W + w` position (`index` true). */
export class MaxPoolProgram implements GPGPUProgram {
  readonly variableNames = ['X'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(xShape: readonly number[], outShape: readonly number[], geo: PoolGeo, index: boolean) {
    const [, , H, W] = xShape as [number, number, number, number];
    const [kh, kw] = geo.kernel,
      [sh, sw] = geo.stride,
      [ph, pw] = geo.padding;
    this.outputShape = [...outShape];
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        int h0 = c.z * ${sh} - ${ph};
        int w0 = c.w * ${sw} - ${pw};
        float best = ${NEG_INF};
        // An all-padding window still records an in-plane index (as the cpu backend does).
        int bi = min(max(h0, 0), ${H - 1}) * ${W} + min(max(w0, 0), ${W - 1});
        bool done = false;
        for (int i = 0; i < ${kh}; i++) {
          int h = h0 + i;
          if (h < 0 || h >= ${H}) continue;
          for (int j = 0; j < ${kw}; j++) {
            int w = w0 + j;
            if (w < 0 || w >= ${W}) continue;
            float v = getX(c.x, c.y, h, w);
            bool nan = isnan(v);
            if (v > best || nan) {
              best = v;
              bi = h * ${W} + w;
              if (nan) { done = true; break; }
            }
          }
          if (done) break;
        }
        setOutput(${index ? 'float(bi)' : 'best'});
      }
    `;
  }
}

/**
 * Gradient of max pooling: each input cell sums `dy` over the windows whose recorded argmax is
 * that cell. With the window geometry (recorded by maxPool2d on its indices) only the windows
 * covering the cell are visited; without it, every output of the plane.
 */
export class MaxPoolBackwardProgram implements GPGPUProgram {
  readonly variableNames = ['Dy', 'Idx'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(dyShape: readonly number[], inShape: readonly number[], geo: PoolGeo | undefined) {
    const [, , OH, OW] = dyShape as [number, number, number, number];
    const [, , , W] = inShape as [number, number, number, number];
    this.outputShape = [...inShape];
    const body = geo
      ? `
        for (int i = 0; i < ${geo.kernel[0]}; i++) {
          int th = c.z + ${geo.padding[0]} - i;
          if (th < 0) break;
          int oh = th / ${geo.stride[0]};
          if (oh * ${geo.stride[0]} != th || oh >= ${OH}) continue;
          for (int j = 0; j < ${geo.kernel[1]}; j++) {
            int tw = c.w + ${geo.padding[1]} - j;
            if (tw < 0) break;
            int ow = tw / ${geo.stride[1]};
            if (ow * ${geo.stride[1]} != tw || ow >= ${OW}) continue;
            if (int(getIdx(c.x, c.y, oh, ow)) == self) acc += getDy(c.x, c.y, oh, ow);
          }
        }`
      : `
        for (int oh = 0; oh < ${OH}; oh++) {
          for (int ow = 0; ow < ${OW}; ow++) {
            if (int(getIdx(c.x, c.y, oh, ow)) == self) acc += getDy(c.x, c.y, oh, ow);
          }
        }`;
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        int self = c.z * ${W} + c.w;
        float acc = 0.0;
        ${body}
        setOutput(acc);
      }
    `;
  }
}

/** GLSL for PyTorch's average-pool divisor of the window starting at `(h0, w0)`. */
function divisorGlsl(H: number, W: number, geo: PoolGeo, countIncludePad: boolean): string {
  const [kh, kw] = geo.kernel,
    [ph, pw] = geo.padding;
  return countIncludePad
    ? `float((min(h0 + ${kh}, ${H + ph}) - h0) * (min(w0 + ${kw}, ${W + pw}) - w0))`
    : `float((min(h0 + ${kh}, ${H}) - max(h0, 0)) * (min(w0 + ${kw}, ${W}) - max(w0, 0)))`;
}

/** Average pooling with PyTorch's divisor (`countIncludePad` or not). */
export class AvgPoolProgram implements GPGPUProgram {
  readonly variableNames = ['X'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(xShape: readonly number[], outShape: readonly number[], geo: PoolGeo, countIncludePad: boolean) {
    const [, , H, W] = xShape as [number, number, number, number];
    const [kh, kw] = geo.kernel,
      [sh, sw] = geo.stride,
      [ph, pw] = geo.padding;
    this.outputShape = [...outShape];
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        int h0 = c.z * ${sh} - ${ph};
        int w0 = c.w * ${sw} - ${pw};
        float s = 0.0;
        for (int i = 0; i < ${kh}; i++) {
          int h = h0 + i;
          if (h < 0 || h >= ${H}) continue;
          for (int j = 0; j < ${kw}; j++) {
            int w = w0 + j;
            if (w < 0 || w >= ${W}) continue;
            s += getX(c.x, c.y, h, w);
          }
        }
        setOutput(s / ${divisorGlsl(H, W, geo, countIncludePad)});
      }
    `;
  }
}

/** Gradient of average pooling: each input cell sums `dy / divisor` over the windows covering it. */
export class AvgPoolBackwardProgram implements GPGPUProgram {
  readonly variableNames = ['Dy'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(dyShape: readonly number[], inShape: readonly number[], geo: PoolGeo, countIncludePad: boolean) {
    const [, , OH, OW] = dyShape as [number, number, number, number];
    const [, , H, W] = inShape as [number, number, number, number];
    const [kh, kw] = geo.kernel,
      [sh, sw] = geo.stride,
      [ph, pw] = geo.padding;
    this.outputShape = [...inShape];
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        float acc = 0.0;
        for (int i = 0; i < ${kh}; i++) {
          int th = c.z + ${ph} - i;
          if (th < 0) break;
          int oh = th / ${sh};
          if (oh * ${sh} != th || oh >= ${OH}) continue;
          int h0 = oh * ${sh} - ${ph};
          for (int j = 0; j < ${kw}; j++) {
            int tw = c.w + ${pw} - j;
            if (tw < 0) break;
            int ow = tw / ${sw};
            if (ow * ${sw} != tw || ow >= ${OW}) continue;
            int w0 = ow * ${sw} - ${pw};
            acc += getDy(c.x, c.y, oh, ow) / ${divisorGlsl(H, W, geo, countIncludePad)};
          }
        }
        setOutput(acc);
      }
    `;
  }
}
