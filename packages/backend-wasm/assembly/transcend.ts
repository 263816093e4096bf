// Vectorised float32 transcendental functions for the elementwise kernels. Each is a range
// reduction plus a polynomial or rational approximation, accurate to a few float32 ulps
// (the package's tests bound the error against double precision); NaN propagates, and
// infinities and the ends of the range give what Math does (exp overflows to ∞, log(0) = −∞).

/** eˣ: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact product), a degree-6
 * polynomial for eʳ, then two exact power-of-two factors so 2ⁿ over- and underflows gradually. */
@inline
export function expv(x0: v128): v128 {
  const x1 = f32x4.min(f32x4.max(x0, f32x4.splat(-104)), f32x4.splat(89));
  const fx = f32x4.nearest(f32x4.mul(x1, f32x4.splat(1.4426950408889634)));
  const x = f32x4.sub(f32x4.sub(x1, f32x4.mul(fx, f32x4.splat(0.693359375))), f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1);
  const bias = i32x4.splat(127);
  const p1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const p2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), bias), 23);
  return f32x4.mul(f32x4.mul(y, p1), p2);
}

/** ln x: x = m·2ᵉ with m in [√½, √2), a degree-9 polynomial in m − 1; subnormals rescaled first. */
@inline
export function logv(x0: v128): v128 {
  const tiny = f32x4.lt(x0, f32x4.splat(1.17549435e-38));
  const x = v128.bitselect(f32x4.mul(x0, f32x4.splat(8388608)), x0, tiny);
  let e = i32x4.sub(i32x4.shr_s(x, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, f32x4.splat(0.7071067811865476));
  e = i32x4.add(e, small); // true lanes are −1
  m = f32x4.sub(v128.bitselect(f32x4.add(m, m), m, small), f32x4.splat(1));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f32x4.add(m, y), f32x4.mul(ef, f32x4.splat(0.693359375)));
  // log(+∞) = +∞, log(0) = −∞, log(x < 0) = NaN, log(NaN) = NaN.
  const inf = f32x4.splat(Infinity);
  r = v128.bitselect(inf, r, f32x4.eq(x0, inf));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x0, f32x4.splat(0)));
  return v128.bitselect(f32x4.splat(NaN), r, v128.not(f32x4.ge(x0, f32x4.splat(0))));
}

/** erf x: an odd/even rational approximation on [−4, 4] (erf is ±1 in float32 beyond). */
@inline
export function erfv(x0: v128): v128 {
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-4)), f32x4.splat(4));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(-2.72614225801306e-10)), f32x4.splat(2.77068142495902e-8));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(-2.10102402082508e-6));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(-5.69250639462346e-5));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(-7.34990630326855e-4));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(-2.95459980854025e-3));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(-1.60960333262415e-2));
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(-1.45660718464996e-5)), f32x4.splat(-2.13374055278905e-4));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(-1.68282697438203e-3));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(-7.37332916720468e-3));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(-1.42647390514189e-2));
  return f32x4.div(p, q);
}

/** tanh x: an odd/even rational approximation on [−7.9, 7.9] (±1 beyond); x itself near 0. */
@inline
export function tanhv(x0: v128): v128 {
  const c = f32x4.splat(7.90531110763549805);
  const x = f32x4.min(f32x4.max(x0, f32x4.neg(c)), c);
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(-2.76076847742355e-16)), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(1.19825839466702e-6)), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(4.89352518554385e-3));
  return v128.bitselect(x0, f32x4.div(p, q), f32x4.lt(f32x4.abs(x0), f32x4.splat(0.0004)));
}
