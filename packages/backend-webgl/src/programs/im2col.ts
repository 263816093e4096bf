/**
 * im2col / col2im for the GEMM-based convolution gradients. Columns are laid out
 * `[groups, ICg·KH·KW, N·OH·OW]` — row `(icg, i, j)`, column `(n, oh, ow)` — so both gradients
 * become one batched tfjs matmul (packed textures) per call:
 * `dW[g] = dy[g] · colsᵀ` and `cols = W[g]ᵀ · dy[g]` followed by col2im.
 */
import type { Conv2dGeometry } from '@skipnet/core';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';

/** Shape facts shared by the two programs. */
export interface ColGeometry {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly KH: number;
  readonly KW: number;
  readonly OH: number;
  readonly OW: number;
}

/** x `[N, C, H, W]` → columns `[G, ICg·KH·KW, N·OH·OW]` (zeros where the window reads padding). */
export class Im2ColProgram implements GPGPUProgram {
  readonly variableNames = ['X'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(s: ColGeometry, geo: Conv2dGeometry) {
    const { N, C, H, W, KH, KW, OH, OW } = s;
    const G = geo.groups;
    const ICG = C / G;
    this.outputShape = [G, ICG * KH * KW, N * OH * OW];
    this.userCode = `
      void main() {
        ivec3 rc = getOutputCoords();
        int k = rc.y;
        int icg = k / ${KH * KW};
        k -= icg * ${KH * KW};
        int i = k / ${KW};
        int j = k - i * ${KW};
        int q = rc.z;
        int n = q / ${OH * OW};
        q -= n * ${OH * OW};
        int oh = q / ${OW};
        int ow = q - oh * ${OW};
        int h = oh * ${geo.stride[0]} - ${geo.padding[0]} + i * ${geo.dilation[0]};
        int w = ow * ${geo.stride[1]} - ${geo.padding[1]} + j * ${geo.dilation[1]};
        float v = 0.0;
        if (h >= 0 && h < ${H} && w >= 0 && w < ${W}) v = getX(n, rc.x * ${ICG} + icg, h, w);
        setOutput(v);
      }
    `;
  }
}

/** Columns `[G, ICg·KH·KW, N·OH·OW]` → dx `[N, C, H, W]`: each input cell sums the column entries that read it. */
export class Col2ImProgram implements GPGPUProgram {
  readonly variableNames = ['Cols'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(s: ColGeometry, geo: Conv2dGeometry) {
    const { N, C, H, W, KH, KW, OH, OW } = s;
    const ICG = C / geo.groups;
    const [sh, sw] = geo.stride,
      [ph, pw] = geo.padding,
      [dh, dw] = geo.dilation;
    this.outputShape = [N, C, H, W];
    this.userCode = `
      void main() {
        ivec4 c = getOutputCoords();
        int g = c.y / ${ICG};
        int rowBase = (c.y - g * ${ICG}) * ${KH * KW};
        int colBase = c.x * ${OH * OW};
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
            acc += getCols(g, rowBase + i * ${KW} + j, colBase + oh * ${OW} + ow);
          }
        }
        setOutput(acc);
      }
    `;
  }
}
