/**
 * Direct NCHW convolution programs for what tfjs has no kernel for: grouped convolution
 * (ResNeXt, depthwise) forward and both backward passes, dilated backward passes, and stride
 * with dilation. Shapes and geometry are baked into the shader; weights are OIHW
 * (`[outC, inC/groups, kH, kW]`), so no layout change happens on either side.
 */
import type { Activation, Conv2dGeometry } from '@skipnet/core';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';
import { ACTIVATION_GLSL, activationExpr } from './activation.js';

/** `act(conv2d(x, w) + bias)`: x `[N, C, H, W]`, w `[OC, C/g, KH, KW]`, optional bias `[OC]` → `[N, OC, OH, OW]`. */
export class GroupedConv2DProgram implements GPGPUProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(
    xShape: readonly number[],
    wShape: readonly number[],
    outShape: readonly number[],
    geo: Conv2dGeometry,
    hasBias: boolean,
    activation: Activation,
  ) {
    const [, , H, W] = xShape as [number, number, number, number];
    const [OC, ICG, KH, KW] = wShape as [number, number, number, number];
    const OCG = OC / geo.groups;
    this.variableNames = hasBias ? ['X', 'W', 'B'] : ['X', 'W'];
    this.outputShape = [...outShape];
    const [sh, sw] = geo.stride,
      [ph, pw] = geo.padding,
      [dh, dw] = geo.dilation;
    this.userCode = `
      ${ACTIVATION_GLSL}
      void main() {
        ivec4 c = getOutputCoords();
        int n = c.x;
        int oc = c.y;
        int cBase = (oc / ${OCG}) * ${ICG};
        int hBase = c.z * ${sh} - ${ph};
        int wBase = c.w * ${sw} - ${pw};
        float acc = 0.0;
        for (int i = 0; i < ${KH}; i++) {
          int h = hBase + i * ${dh};
          if (h < 0 || h >= ${H}) continue;
          for (int j = 0; j < ${KW}; j++) {
            int w = wBase + j * ${dw};
            if (w < 0 || w >= ${W}) continue;
            for (int k = 0; k < ${ICG}; k++) {
              acc += getX(n, cBase + k, h, w) * getW(oc, k, i, j);
            }
          }
        }
        ${hasBias ? 'acc += getB(oc);' : ''}
        setOutput(${activationExpr(activation, 'acc')});
      }
    `;
  }
}

/**
 * Gradient of conv2d with respect to its input (also the transposed convolution):
 * dy `[N, OC, OH, OW]`, w `[OC, C/g, KH, KW]` → dx `[N, C, H, W]` (= `inShape`). Each input cell
 * gathers the output cells whose windows cover it, so no atomics or scatter are needed.
 */
export class GroupedConv2DBackpropInputProgram implements GPGPUProgram {
  readonly variableNames = ['Dy', 'W'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(dyShape: readonly number[], wShape: readonly number[], inShape: readonly number[], geo: Conv2dGeometry) {
    const [, , OH, OW] = dyShape as [number, number, number, number];
    const [OC, ICG, KH, KW] = wShape as [number, number, number, number];
    const OCG = OC / geo.groups;
    this.outputShape = [...inShape];
    const [sh, sw] = geo.stride,
      [ph, pw] = geo.padding,
      [dh, dw] = geo.dilation;
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        int n = c.x;
        int g = c.y / ${ICG};
        int ic = c.y - g * ${ICG};
        int ocBase = g * ${OCG};
        float acc = 0.0;
        for (int i = 0; i < ${KH}; i++) {
          int th = c.z + ${ph} - i * ${dh};
          if (th < 0) break;
          int oh = th / ${sh};
          if (oh * ${sh} != th || oh >= ${OH}) continue;
          for (int j = 0; j < ${KW}; j++) {
            int tw = c.w + ${pw} - j * ${dw};
            if (tw < 0) break;
            int ow = tw / ${sw};
            if (ow * ${sw} != tw || ow >= ${OW}) continue;
            for (int k = 0; k < ${OCG}; k++) {
              acc += getDy(n, ocBase + k, oh, ow) * getW(ocBase + k, ic, i, j);
            }
          }
        }
        setOutput(acc);
      }
    `;
  }
}

/**
 * Gradient of conv2d with respect to its weight: x `[N, C, H, W]`, dy `[N, OC, OH, OW]` →
 * dw `[OC, C/g, KH, KW]` (= `wShape`), each weight summing over batch and output positions.
 */
export class GroupedConv2DBackpropFilterProgram implements GPGPUProgram {
  readonly variableNames = ['X', 'Dy'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(xShape: readonly number[], dyShape: readonly number[], wShape: readonly number[], geo: Conv2dGeometry) {
    const [N, , H, W] = xShape as [number, number, number, number];
    const [, , OH, OW] = dyShape as [number, number, number, number];
    const [OC, ICG] = wShape as [number, number, number, number];
    const OCG = OC / geo.groups;
    this.outputShape = [...wShape];
    const [sh, sw] = geo.stride,
      [ph, pw] = geo.padding,
      [dh, dw] = geo.dilation;
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        int oc = c.x;
        int ch = (oc / ${OCG}) * ${ICG} + c.y;
        int hOff = c.z * ${dh} - ${ph};
        int wOff = c.w * ${dw} - ${pw};
        float acc = 0.0;
        for (int n = 0; n < ${N}; n++) {
          for (int oh = 0; oh < ${OH}; oh++) {
            int h = oh * ${sh} + hOff;
            if (h < 0) continue;
            if (h >= ${H}) break;
            for (int ow = 0; ow < ${OW}; ow++) {
              int w = ow * ${sw} + wOff;
              if (w < 0) continue;
              if (w >= ${W}) break;
              acc += getX(n, ch, h, w) * getDy(n, oc, oh, ow);
            }
          }
        }
        setOutput(acc);
      }
    `;
  }
}
