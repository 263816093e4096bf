/** A gather-by-strides program: materialises any strided view (offset, strides, stride 0) in one pass. */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';
import { stridesOf } from '../shape.js';

/**
 * Reads `x` (the flat storage, rank 1) at `offset + Σ iₖ·stridesₖ` for every index of the
 * coalesced view shape; the output is flat (rank 1) with the view's element count.
 * Shapes and strides are baked into the shader (tfjs caches one binary per geometry).
 */
export class StridedGatherProgram implements GPGPUProgram {
  readonly variableNames = ['X'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(shape: readonly number[], strides: readonly number[], offset: number) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.outputShape = [n];
    const os = stridesOf(shape);
    const lines: string[] = [];
    for (let k = 0; k < shape.length - 1; k++) {
      lines.push(`q = r / ${os[k]}; r -= q * ${os[k]}; src += q * ${strides[k]};`);
    }
    const last = shape.length ? strides[shape.length - 1]! : 0;
    this.userCode = `
      void main() {
        int r = getOutputCoords();
        int src = ${offset};
        int q;
        ${lines.join('\n        ')}
        src += r * ${last};
        setOutput(getX(src));
      }
    `;
  }
}
