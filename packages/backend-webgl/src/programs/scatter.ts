/** `index_add` into zeros (the gradient of gather), in gather form. */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';

/**
 * updates `[outer, L, inner]`, indices `[L]` → y `[outer, A, inner]` with
 * `y[o, a, i] = Σ_{l: idx[l] = a} updates[o, l, i]`. Each output visits all `L` indices (in
 * order, so repeated indices accumulate deterministically): O(L) per output element.
 */
export class ScatterAddProgram implements GPGPUProgram {
  readonly variableNames = ['U', 'Idx'];
  readonly outputShape: number[];
  readonly userCode: string;

  constructor(outer: number, A: number, inner: number, L: number) {
    this.outputShape = [outer, A, inner];
    this.userCode = `
      void main() {
        ivec3 c = getOutputCoords();
        float acc = 0.0;
        for (int l = 0; l < ${L}; l++) {
          if (int(getIdx(l)) == c.y) acc += getU(c.x, l, c.z);
        }
        setOutput(acc);
      }
    `;
  }
}
