/**
 * Core's counter-based generator (`packages/core/src/random.ts`) in GLSL ES 3.0 `uint`
 * arithmetic: `hash3` wraps mod 2³² exactly like `Math.imul`, so uniform draws are bit-identical
 * to `uniformAt` (a 24-bit integer over 2²⁴, exact in float32).
 */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';

const HASH3 = `
  uint hash3(uint seed, uint key, uint counter) {
    uint h = seed ^ (key * 0x9e3779b1u);
    h = (h ^ counter) * 0x85ebca6bu;
    h ^= h >> 13u;
    h = h * 0xc2b2ae35u;
    h ^= h >> 16u;
    h = (h ^ (counter * 0x27d4eb2fu)) * 0x165667b1u;
    h ^= h >> 15u;
    return h;
  }

  // ln x for x > 0 in float32 arithmetic only (no builtin log, whose accuracy varies by GPU):
  // x = 2^e·f with f in [√½, √2), ln f = 2·atanh(s), s = (f-1)/(f+1), |s| < 0.172.
  float lnAccurate(float x) {
    uint bits = floatBitsToUint(x);
    int e = int((bits >> 23u) & 0xffu) - 127;
    float f = uintBitsToFloat((bits & 0x7fffffu) | 0x3f800000u);
    if (f > 1.41421356) { f *= 0.5; e += 1; }
    float s = (f - 1.0) / (f + 1.0);
    float s2 = s * s;
    float lnf = 2.0 * s * (1.0 + s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * 0.11111111))));
    return float(e) * 0.693147181 + lnf;
  }

  // cos(2π·x) for x in [0, 1): reduce to θ in [-π/4, π/4] by quarter turns, then Taylor series.
  float cos2pi(float x) {
    float r = x - floor(x + 0.5);          // [-0.5, 0.5], exact for 24-bit x
    float q = floor(r * 4.0 + 0.5);        // quarter turn -2..2
    float th = (r - 0.25 * q) * 6.28318531; // [-π/4, π/4]
    float t2 = th * th;
    float c = 1.0 - t2 * (0.5 - t2 * (0.0416666667 - t2 * (0.00138888889 - t2 * (2.48015873e-5 - t2 * 2.75573192e-7))));
    float sn = th * (1.0 - t2 * (0.166666667 - t2 * (0.00833333333 - t2 * (1.98412698e-4 - t2 * 2.75573192e-6))));
    int qi = int(q) & 3;
    return qi == 0 ? c : qi == 1 ? -sn : qi == 2 ? -c : sn;
  }
`;

/** What a {@link RandomProgram} draws. */
export type RandomMode = 'uniform' | 'normal' | 'randint' | 'uniformFloor';

/**
 * `n` draws of stream `(seed, key)`; seed, key and the range are uniforms so one compiled
 * shader serves every call.
 * - `uniform`: `low + (high-low)·u` (float32).
 * - `normal`: Box–Muller over the pair `(2i, 2i+1)`, `mean + std·√(-2 ln u₁)·cos(2π u₂)` with
 *   `u₁ = (k+1)/(2²⁴+1)`; `ln u₁` uses a series for `u₁` near 1; `ln` and `cos` are evaluated with
 *   float32 range reduction and polynomials rather than GLSL builtins, whose accuracy differs
 *   between GPUs.
 * - `randint`: `low + ⌊span·k / 2²⁴⌋` for integer `low` and `span = high - low`, in exact 32-bit
 *   integer arithmetic (16-bit limbs), so it equals the cpu backend's double-precision
 *   `⌊low + span·u⌋` bit for bit.
 * - `uniformFloor`: `⌊low + (high-low)·u⌋` in float32, for non-integer bounds.
 */
export class RandomProgram implements GPGPUProgram {
  readonly variableNames: string[] = [];
  readonly outputShape: number[];
  readonly userCode: string;
  readonly customUniforms = [
    { name: 'seedBits', type: 'int' as const },
    { name: 'keyBits', type: 'int' as const },
    { name: 'affine', type: 'vec2' as const },
    { name: 'range', type: 'ivec2' as const },
  ];

  constructor(n: number, mode: RandomMode) {
    this.outputShape = [n];
    let body: string;
    switch (mode) {
      case 'uniform':
      case 'uniformFloor':
        body = `
        float u = float(hash3(seed, key, i) >> 8u) / 16777216.0;
        float v = affine.x + affine.y * u;
        setOutput(${mode === 'uniform' ? 'v' : 'floor(v)'});`;
        break;
      case 'randint':
        body = `
        uint k = hash3(seed, key, i) >> 8u;
        uint span = uint(range.y);
        uint sh = span >> 16u, sl = span & 0xffffu, kh = k >> 12u, kl = k & 0xfffu;
        uint a = sh * kh, b = sh * kl, c = sl * kh, d = sl * kl;
        uint frac = ((b & 0xffu) << 16u) + ((c & 0xfffu) << 12u) + (d & 0xffffffu);
        uint q = a * 16u + (b >> 8u) + (c >> 12u) + (d >> 24u) + (frac >> 24u);
        setOutput(float(range.x + int(q)));`;
        break;
      case 'normal':
        body = `
        uint k1 = hash3(seed, key, 2u * i) >> 8u;
        uint k2 = hash3(seed, key, 2u * i + 1u) >> 8u;
        // ln(u1), u1 = (k1+1)/(2^24+1) = 1 - t with t = (2^24 - k1)/(2^24+1).
        float t = float(16777216u - k1) / 16777217.0;
        float lnU1 = t < 0.01 ? -t * (1.0 + t * (0.5 + t * (0.33333333 + t * 0.25))) : lnAccurate(float(k1 + 1u) / 16777217.0);
        float u2 = float(k2) / 16777216.0;
        float z = sqrt(-2.0 * lnU1) * cos2pi(u2);
        setOutput(affine.x + affine.y * z);`;
        break;
    }
    this.userCode = `
      ${HASH3}
      void main() {
        uint i = uint(getOutputCoords());
        uint seed = uint(seedBits);
        uint key = uint(keyBits);
        ${body}
      }
    `;
  }
}
