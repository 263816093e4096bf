/**
 * Scalar math shared by the elementwise kernels: an accurate erf, the activations of the fused
 * kernels, and the unary-op loops (one tight loop per op, the switch hoisted out of it).
 */
import type { Activation, UnaryOp } from '@skipnet/core';
import type { CpuHandle } from './storage.js';

// erf on [0, 0.5): Maclaurin series 2/√π Σ (-1)^n x^(2n+1) / (n!(2n+1)); 12 terms reach double
// precision there and keep full *relative* accuracy for tiny x.
const T0 = 1.1283791670955126,
  T1 = -0.37612638903183754,
  T2 = 0.11283791670955126,
  T3 = -0.026866170645131252;
const T4 = 0.005223977625442188,
  T5 = -0.0008548327023450853,
  T6 = 0.00012055332981789664,
  T7 = -1.492565035840625e-5;
const T8 = 1.6462114365889248e-6,
  T9 = -1.6365844691234924e-7,
  T10 = 1.4807192815879218e-8,
  T11 = -1.2290555301717928e-9;

// erf on [0.5, 6): one degree-11 polynomial per interval of width 0.5, in u = (x - centre) / 0.25.
// Generated offline as Chebyshev interpolants of a 40-digit erf; max abs error < 1e-14.
// Row k covers [0.5·(k+1), 0.5·(k+2)).
const ERF_TABLE = new Float64Array([
  0.7111556336535182, 0.16073276729880376, -0.03013739386873812, 0.0004185749147728455, 0.0005886209764764935, -5.199485208538975e-5, -6.5606818919767884e-6,
  1.1251951438773596e-6, 3.5143096444190784e-8, -1.51335839887663e-8, 1.5892284813542197e-10, 1.4528343120311413e-10, 0.9229001282564598, 0.05913028061182324,
  -0.018478212691306735, 0.00261774679793111, -2.4060171471867684e-5, -4.6075231116162e-5, 5.200500542995694e-6, 2.2131367381638083e-7, -8.692897349827439e-8,
  3.3453128571004803e-9, 7.472637722739163e-10, -7.482728294298272e-11, 0.9866716712191805, 0.013193748982537593, -0.005772265179716521, 0.0014087075736476963,
  -0.00018789925882721714, 6.469103102222598e-6, 2.188250546800349e-6, -3.697972933289711e-7, 1.1125986038864347e-8, 3.4119000018017857e-9,
  -4.1003958811537687e-10, -2.0729242118876263e-12, 0.9985372834133196, 0.0017855797555041768, -0.0010043886125169863, 0.00033944615144174795,
  -7.45444667971469e-5, 1.0407889795476726e-5, -7.09073840108792e-7, -4.092137731111489e-8, 1.525550077820672e-8, -1.409043166256232e-9,
  -1.4911283730587657e-11, 1.5480471448388636e-11, 0.9998993780778803, 0.00014656931177390445, -0.00010076640184730278, 4.313107351147852e-5,
  -1.2727006450183553e-5, 2.691219169329337e-6, -4.0462108081239627e-7, 3.943121724300985e-8, -1.3579615195301652e-9, -2.7177221209157757e-10,
  5.223763385896626e-11, -3.676644619971815e-12, 0.9999956972205363, 7.2972563459220165e-6, -5.929020776600174e-6, 3.059526747633281e-6, -1.1194115275192475e-6,
  3.064426119627111e-7, -6.433779752756895e-8, 1.0375431233356851e-8, -1.2462496628628488e-9, 9.888154592944173e-11, -1.870277706161317e-12,
  -7.049416946245195e-13, 0.9999998862727435, 2.203580478381938e-7, -2.0658567020144663e-7, 1.2452525011052657e-7, -5.406734262672831e-8, 1.794041323845235e-8,
  -4.705254021161427e-9, 9.933446033426023e-10, -1.6980226588189815e-10, 2.3323974104046936e-11, -2.4890851175984843e-12, 1.7779132511575826e-13,
  0.9999999981494259, 4.035998476433203e-9, -4.288248906988872e-9, 2.9534231681205735e-9, -1.479665322812513e-9, 5.735042964920322e-10, -1.784570047982349e-10,
  4.557798531775575e-11, -9.719868279354748e-12, 1.8098177994257327e-12, -2.716357213470291e-13, 7.222974193486717e-15, 0.9999999999815148,
  4.483580540017013e-11, -5.3240346065833904e-11, 4.121910023226002e-11, -2.337871273160306e-11, 1.0305695937160068e-11, -3.655728419329408e-12,
  1.1494187351004093e-12, -3.2406527792714793e-13, 6.75872340911532e-15, 7.308208289394739e-15, 2.2625579676309426e-14, 0.9999999999998871,
  3.0202476886166785e-13, -3.9647732680218524e-13, 3.4390577016006686e-13, -2.165221877467221e-13, 8.192256523634422e-14, -3.666106861918072e-14,
  8.477454808512098e-14, -1.6324706613994618e-14, -8.37211236181363e-14, 7.11108660043828e-15, 3.670436552083899e-14, 0.9999999999999996,
  1.1985736315271625e-15, -4.973407407035249e-16, 4.896815474668267e-15, -1.1090042763480873e-14, -2.2111891180020634e-14, 2.9671960066459135e-14,
  5.755522395822822e-14, -3.7415104772845847e-14, -6.131023892490771e-14, 1.6338821440570227e-14, 2.3678279111160628e-14,
]);
const ERF_DEG = 11;

/** The error function, accurate to about 1e-14 (absolute) over the whole real line. */
export function erf(x: number): number {
  const a = x < 0 ? -x : x;
  let r: number;
  if (a < 0.5) {
    const z = a * a;
    r = a * (T0 + z * (T1 + z * (T2 + z * (T3 + z * (T4 + z * (T5 + z * (T6 + z * (T7 + z * (T8 + z * (T9 + z * (T10 + z * T11)))))))))));
  } else if (a < 6) {
    const k = Math.floor(a * 2) - 1;
    const u = (a - 0.5 * (k + 1) - 0.25) * 4;
    const b = k * (ERF_DEG + 1);
    const t = ERF_TABLE;
    // Estrin-style split of the degree-11 polynomial: shorter dependency chains than Horner.
    const u2 = u * u,
      u4 = u2 * u2;
    const p0 = t[b]! + u * t[b + 1]! + u2 * (t[b + 2]! + u * t[b + 3]!);
    const p1 = t[b + 4]! + u * t[b + 5]! + u2 * (t[b + 6]! + u * t[b + 7]!);
    const p2 = t[b + 8]! + u * t[b + 9]! + u2 * (t[b + 10]! + u * t[b + 11]!);
    r = p0 + u4 * (p1 + u4 * p2);
  } else if (a >= 6) {
    r = 1;
  } else {
    return NaN;
  }
  return x < 0 ? -r : r;
}

const SQRT1_2 = Math.SQRT1_2;
const GELU_TANH_K = Math.sqrt(2 / Math.PI);

/** `x·Φ(x)` with the exact (erf) Gaussian CDF, PyTorch's default GELU. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT1_2));
}

/** PyTorch's `gelu(approximate='tanh')`. */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_TANH_K * (x + 0.044715 * x * x * x)));
}

/** Round half to even, like `torch.round`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Applies a fused-kernel activation in place to `data[off .. off+n)`. */
export function activateInPlace(act: Activation, data: Float32Array, off: number, n: number): void {
  const end = off + n;
  switch (act) {
    case 'none':
      return;
    case 'relu':
      for (let i = off; i < end; i++) if (data[i]! < 0) data[i] = 0;
      return;
    case 'sigmoid':
      // 1/(1+e^-x) is stable in double: e^-x overflows to ∞ and the result to 0.
      for (let i = off; i < end; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
      return;
    case 'tanh':
      for (let i = off; i < end; i++) data[i] = Math.tanh(data[i]!);
      return;
    case 'gelu':
      for (let i = off; i < end; i++) data[i] = gelu(data[i]!);
      return;
    case 'silu':
      for (let i = off; i < end; i++) {
        const v = data[i]!;
        data[i] = v / (1 + Math.exp(-v));
      }
      return;
    default:
      throw new Error(`cpu: unknown activation '${String(act)}'`);
  }
}

/**
 * `dst[i] = op(src[so + i])` for `i < n`. `src` and `dst` may be the same array (in place).
 * Integer outputs wrap like int32 arithmetic (store truncates; `square` uses `Math.imul`).
 */
export function applyUnary(op: UnaryOp, src: CpuHandle, so: number, dst: CpuHandle, n: number, alpha: number): void {
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) dst[i] = -src[so + i]!;
      return;
    case 'abs':
      for (let i = 0; i < n; i++) dst[i] = Math.abs(src[so + i]!);
      return;
    case 'sign':
      // (x > 0) - (x < 0): 0 for ±0 and NaN, as torch.sign.
      for (let i = 0; i < n; i++) {
        const v = src[so + i]!;
        dst[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
      }
      return;
    case 'exp':
      for (let i = 0; i < n; i++) dst[i] = Math.exp(src[so + i]!);
      return;
    case 'log':
      for (let i = 0; i < n; i++) dst[i] = Math.log(src[so + i]!);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) dst[i] = Math.sqrt(src[so + i]!);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) dst[i] = 1 / Math.sqrt(src[so + i]!);
      return;
    case 'square':
      if (dst instanceof Int32Array) {
        for (let i = 0; i < n; i++) {
          const v = src[so + i]!;
          dst[i] = Math.imul(v, v);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = src[so + i]!;
          dst[i] = v * v;
        }
      }
      return;
    case 'reciprocal':
      for (let i = 0; i < n; i++) dst[i] = 1 / src[so + i]!;
      return;
    case 'sin':
      for (let i = 0; i < n; i++) dst[i] = Math.sin(src[so + i]!);
      return;
    case 'cos':
      for (let i = 0; i < n; i++) dst[i] = Math.cos(src[so + i]!);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) dst[i] = Math.tanh(src[so + i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dst[i] = 1 / (1 + Math.exp(-src[so + i]!));
      return;
    case 'relu':
      // `v < 0 ? 0 : v` keeps NaN, as torch.relu does.
      for (let i = 0; i < n; i++) {
        const v = src[so + i]!;
        dst[i] = v < 0 ? 0 : v;
      }
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) {
        const v = src[so + i]!;
        dst[i] = v > 0 ? v : v * alpha;
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) dst[i] = gelu(src[so + i]!);
      return;
    case 'geluTanh':
      for (let i = 0; i < n; i++) dst[i] = geluTanh(src[so + i]!);
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const v = src[so + i]!;
        dst[i] = v / (1 + Math.exp(-v));
      }
      return;
    case 'erf':
      for (let i = 0; i < n; i++) dst[i] = erf(src[so + i]!);
      return;
    case 'floor':
      for (let i = 0; i < n; i++) dst[i] = Math.floor(src[so + i]!);
      return;
    case 'ceil':
      for (let i = 0; i < n; i++) dst[i] = Math.ceil(src[so + i]!);
      return;
    case 'round':
      for (let i = 0; i < n; i++) dst[i] = roundHalfEven(src[so + i]!);
      return;
    default:
      throw new Error(`cpu unary: unknown op '${String(op)}'`);
  }
}
