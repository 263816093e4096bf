/** GLSL for the fused activations (conv2dBiasAct, addAct, grouped conv). */
import type { Activation } from '@skipnet/core';

/**
 * erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, the formula tfjs's own `Erf` uses),
 * and the activations, as GLSL functions.
 */
export const ACTIVATION_GLSL = `
  float skipnetErf(float x) {
    float a = abs(x);
    float t = 1.0 / (1.0 + 0.3275911 * a);
    float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
    return x < 0.0 ? -y : y;
  }
  float skipnetTanh(float x) {
    float e = exp(-2.0 * abs(x));
    float y = (1.0 - e) / (1.0 + e);
    return x < 0.0 ? -y : y;
  }
`;

/** A GLSL expression applying `act` to the float expression `v`. */
export function activationExpr(act: Activation, v: string): string {
  switch (act) {
    case 'none':
      return v;
    case 'relu':
      return `(${v} < 0.0 ? 0.0 : ${v})`;
    case 'sigmoid':
      return `(1.0 / (1.0 + exp(-(${v}))))`;
    case 'tanh':
      return `skipnetTanh(${v})`;
    case 'gelu':
      return `(0.5 * (${v}) * (1.0 + skipnetErf((${v}) * 0.70710678118654752)))`;
    case 'silu':
      return `((${v}) / (1.0 + exp(-(${v}))))`;
    default:
      throw new Error(`webgl: unknown activation '${String(act)}'`);
  }
}
