/** The fused residual merge `act(a + b)` as one program. */
import type { Activation } from '@skipnet/core';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';
import { ACTIVATION_GLSL, activationExpr } from './activation.js';

/**
 * `act(a + b)` for two tensors of one shape, on packed textures (four values per texel, like
 * tfjs's own packed binary ops): one read of each input and one write, instead of tfjs's
 * `add` followed by an activation kernel.
 */
export class AddActProgram implements GPGPUProgram {
  readonly variableNames = ['A', 'B'];
  readonly outputShape: number[];
  readonly userCode: string;
  readonly packedInputs = true;
  readonly packedOutput = true;

  constructor(shape: readonly number[], activation: Activation) {
    this.outputShape = [...shape];
    this.userCode = `
      ${ACTIVATION_GLSL}
      float act(float v) {
        return ${activationExpr(activation, 'v')};
      }
      void main() {
        vec4 s = getAAtOutCoords() + getBAtOutCoords();
        setOutput(vec4(act(s.x), act(s.y), act(s.z), act(s.w)));
      }
    `;
  }
}
