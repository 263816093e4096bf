// Packed, register-tiled single-precision GEMM: the engine under matmul and every convolution.
//
// C[M×N] (+)= A[M×K] · B[K×N]. A is packed into panels of MR rows (MR floats per k), B into
// panels of NR columns (NR floats per k); the micro-kernel keeps an MR×NR tile of C in
// registers (8 accumulators + 2 B vectors + 1 broadcast A value = 11 live v128, under the
// 12 that V8 on x64 keeps without spilling). With relaxed SIMD the multiply-add is one FMA.
//
// Every pointer is a byte offset into the shared linear memory; every stride is in elements.
// Nothing here allocates: callers hand in per-thread scratch.

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Depth of one packed block (k-dimension). */
export const KC: i32 = 256;
/** Rows of A per packed block. */
export const MC: i32 = 128;
/** Columns of B per packed block. */
export const NC: i32 = 512;

// Per-thread scratch layout (floats): packed A block, packed B block, a C staging area, and a
// small area for edge tiles and per-pixel coordinates.
export const SCR_A: i32 = 0;
export const SCR_B: i32 = SCR_A + MC * KC;
export const SCR_T: i32 = SCR_B + KC * NC;
/** Floats of the C staging area (conv input gradient: rows × pixel chunk before col2im). */
export const T_CAP: i32 = 1 << 20;
export const SCR_E: i32 = SCR_T + T_CAP;
/** KC i32 offsets of the direct convolution's taps. */
export const SCR_K: i32 = SCR_E + 1024;
export const SCR_FLOATS: i32 = SCR_K + KC;

@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
  }
}

export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/** Byte address of the work-claim counter in the host's control block (reset before each call). */
const CLAIM: usize = 1024 + 6 * 4;

/**
 * The next unclaimed work unit of the current kernel call. Threads take units dynamically, so
 * a thread that the OS deschedules delays only the unit it holds: the others take the rest.
 * Which thread computes a unit never changes what it computes.
 */
export function claim(): i32 {
  return atomic.add<i32>(CLAIM, 1);
}

/** First unit of thread `t` when `U` units are split into `nt` contiguous ranges. */
export function part(t: i32, nt: i32, U: i32): i32 {
  return <i32>((<i64>t * <i64>U) / <i64>nt);
}

/** Work units a threaded kernel aims for per thread, so that dynamic claiming evens out. */
const UNITS_PER_THREAD: i32 = 4;

/**
 * The work-split rule of the threaded kernels. Work is `outer` independent slices (images,
 * groups, batches), each cut into `base` parts by default; when that leaves fewer than
 * {@link UNITS_PER_THREAD} units per thread, each slice is cut into just enough parts for that
 * many, but never more than `most`. Returns the parts per slice.
 */
@inline
export function splitWork(outer: i32, base: i32, most: i32, nt: i32): i32 {
  const want = UNITS_PER_THREAD * nt;
  return outer * base < want ? imin(most, (want + outer - 1) / outer) : base;
}

/**
 * {@link splitWork} for a range of `len` items cut into chunks aligned to `align` (NR columns,
 * MR rows): `base` chunks by default, at most one per `align` items. Returns the chunk length,
 * a multiple of `align`; the slice then has `(len + chunk - 1) / chunk` chunks.
 */
@inline
export function splitChunk(len: i32, outer: i32, base: i32, nt: i32, align: i32): i32 {
  const parts = splitWork(outer, base, (len + align - 1) / align, nt);
  const chunk = (len + parts - 1) / parts;
  return (chunk + align - 1) / align * align;
}

/**
 * Packs rows [0, mc) × depth [0, kc) of A (element (i, k) at a + (i·ars + k·acs)·4) into
 * MR-row panels: panel p holds, for each k, A[p·MR + r, k] for r < MR (zero beyond mc).
 */
export function packA(dst: usize, a: usize, ars: i32, acs: i32, mc: i32, kc: i32): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = imin(MR, mc - i);
    const pd = dst + <usize>(i * kc) * 4;
    if (rows == MR && acs == 1) {
      const r0 = a + <usize>(i * ars) * 4;
      const r1 = r0 + <usize>ars * 4;
      const r2 = r1 + <usize>ars * 4;
      const r3 = r2 + <usize>ars * 4;
      let k = 0;
      // 4×4 transposes: four row vectors in, four k-columns out.
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k * 4;
        const x0 = v128.load(r0 + o);
        const x1 = v128.load(r1 + o);
        const x2 = v128.load(r2 + o);
        const x3 = v128.load(r3 + o);
        const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        const d = pd + <usize>k * 16;
        v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
        v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
        v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
      }
      for (; k < kc; k++) {
        const o = <usize>k * 4;
        const d = pd + <usize>k * 16;
        store<f32>(d, load<f32>(r0 + o));
        store<f32>(d, load<f32>(r1 + o), 4);
        store<f32>(d, load<f32>(r2 + o), 8);
        store<f32>(d, load<f32>(r3 + o), 12);
      }
    } else if (rows == MR && ars == 1) {
      for (let k = 0; k < kc; k++) {
        v128.store(pd + <usize>k * 16, v128.load(a + <usize>(i + k * acs) * 4));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const d = pd + <usize>k * 16;
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < rows ? load<f32>(a + <usize>((i + r) * ars + k * acs) * 4) : 0;
          store<f32>(d + <usize>r * 4, v);
        }
      }
    }
  }
}

/**
 * Packs depth [0, kc) × columns [0, nc) of B (element (k, j) at b + (k·brs + j·bcs)·4) into
 * NR-column panels: panel p holds, for each k, B[k, p·NR + c] for c < NR (zero beyond nc).
 */
export function packB(dst: usize, b: usize, brs: i32, bcs: i32, kc: i32, nc: i32): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = imin(NR, nc - j);
    let d = dst + <usize>(j * kc) * 4;
    if (cols == NR && bcs == 1) {
      let s = b + <usize>j * 4;
      const step = <usize>brs * 4;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += 32;
      }
    } else if (cols == NR && brs == 1) {
      // Transposed B: each column is contiguous along k; write it down the panel.
      for (let c = 0; c < NR; c++) {
        const s = b + <usize>((j + c) * bcs) * 4;
        const dc = d + <usize>c * 4;
        for (let k = 0; k < kc; k++) store<f32>(dc + <usize>k * 32, load<f32>(s + <usize>k * 4));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < cols ? load<f32>(b + <usize>(k * brs + (j + c) * bcs) * 4) : 0;
          store<f32>(d + <usize>c * 4, v);
        }
        d += 32;
      }
    }
  }
}

/**
 * The micro-kernel: an MR×NR tile of C from one packed A panel and one packed B panel.
 * `beta` false overwrites C, true adds to it. Partial tiles (rows < MR or cols < NR) go
 * through `edge` (32 floats of scratch).
 */
export function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, beta: bool, rows: i32, cols: i32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  storeTile(c, ldc, beta, rows, cols, edge, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * The micro-kernel over an unpacked B: B's row k is the NR floats at `xb + koff[k]` (bytes) —
 * a direct convolution's tap k for NR adjacent output pixels of a padded image, so B needs no
 * packing. Otherwise as {@link micro}.
 */
export function microDirect(pa: usize, xb: usize, koff: usize, kc: i32, c: usize, ldc: i32, beta: bool, rows: i32, cols: i32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const kend = koff + <usize>kc * 4;
  for (let kp = koff; kp < kend; kp += 4) {
    const s = xb + <usize>load<i32>(kp);
    const b0 = v128.load(s);
    const b1 = v128.load(s, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
  }
  storeTile(c, ldc, beta, rows, cols, edge, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Writes (beta false) or adds (beta true) an MR×NR register tile to C; partial tiles via `edge`. */
@inline
export function storeTile(c: usize, ldc: i32, beta: bool, rows: i32, cols: i32, edge: usize, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  const ld = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    let p = c;
    if (beta) {
      v128.store(p, f32x4.add(v128.load(p), c00));
      v128.store(p, f32x4.add(v128.load(p, 16), c01), 16);
      p += ld;
      v128.store(p, f32x4.add(v128.load(p), c10));
      v128.store(p, f32x4.add(v128.load(p, 16), c11), 16);
      p += ld;
      v128.store(p, f32x4.add(v128.load(p), c20));
      v128.store(p, f32x4.add(v128.load(p, 16), c21), 16);
      p += ld;
      v128.store(p, f32x4.add(v128.load(p), c30));
      v128.store(p, f32x4.add(v128.load(p, 16), c31), 16);
    } else {
      v128.store(p, c00);
      v128.store(p, c01, 16);
      p += ld;
      v128.store(p, c10);
      v128.store(p, c11, 16);
      p += ld;
      v128.store(p, c20);
      v128.store(p, c21, 16);
      p += ld;
      v128.store(p, c30);
      v128.store(p, c31, 16);
    }
    return;
  }
  v128.store(edge, c00);
  v128.store(edge, c01, 16);
  v128.store(edge, c10, 32);
  v128.store(edge, c11, 48);
  v128.store(edge, c20, 64);
  v128.store(edge, c21, 80);
  v128.store(edge, c30, 96);
  v128.store(edge, c31, 112);
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ld;
    const er = edge + <usize>r * 32;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j * 4;
      const v = load<f32>(er + o);
      store<f32>(row + o, beta ? load<f32>(row + o) + v : v);
    }
  }
}

/**
 * C[mc×nc] (+)= packed A block (mc×kc) · packed B block (kc×nc). Loops over B panels
 * outermost so each B panel (kc·NR floats) stays in L1 while the A block streams from L2.
 */
export function macro(pa: usize, pb: usize, mc: i32, nc: i32, kc: i32, c: usize, ldc: i32, beta: bool, edge: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = imin(NR, nc - j);
    const pbj = pb + <usize>(j * kc) * 4;
    const cj = c + <usize>j * 4;
    for (let i = 0; i < mc; i += MR) {
      micro(pa + <usize>(i * kc) * 4, pbj, kc, cj + <usize>(i * ldc) * 4, ldc, beta, imin(MR, mc - i), cols, edge);
    }
  }
}

/**
 * One GEMM over strided operands with the full Goto loop nest (kc blocks of depth, mc blocks
 * of rows); rows [m0, m1) and columns [n0, n1) of C. `accumulate` adds to C instead of
 * overwriting it. `scratch` is this thread's scratch (SCR_FLOATS floats).
 */
export function gemmRange(
  m0: i32, m1: i32, n0: i32, n1: i32, K: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, accumulate: bool, scratch: usize,
): void {
  const pa = scratch + <usize>SCR_A * 4;
  const pb = scratch + <usize>SCR_B * 4;
  const edge = scratch + <usize>SCR_E * 4;
  if (K == 0) {
    if (!accumulate) {
      for (let i = m0; i < m1; i++) memory.fill(c + <usize>(i * ldc + n0) * 4, 0, <usize>(n1 - n0) * 4);
    }
    return;
  }
  for (let nb = n0; nb < n1; nb += NC) {
    const nc = imin(NC, n1 - nb);
    for (let kb = 0; kb < K; kb += KC) {
      const kc = imin(KC, K - kb);
      packB(pb, b + <usize>(kb * brs + nb * bcs) * 4, brs, bcs, kc, nc);
      const beta = accumulate || kb > 0;
      for (let mb = m0; mb < m1; mb += MC) {
        const mc = imin(MC, m1 - mb);
        packA(pa, a + <usize>(mb * ars + kb * acs) * 4, ars, acs, mc, kc);
        macro(pa, pb, mc, nc, kc, c + <usize>(mb * ldc + nb) * 4, ldc, beta, edge);
      }
    }
  }
}

/** Parameter block of {@link matmul} (`MATMUL_PARAMS` in src/kernels/params.ts). */
@unmanaged class MatmulParams {
  a: i32; b: i32; c: i32;
  M: i32; N: i32; K: i32;
  ars: i32; acs: i32; brs: i32; bcs: i32;
  batch: i32; aBatch: i32; bBatch: i32;
  scratch: i32; scratchStride: i32;
}

/**
 * Batched `C[b] = A[b] · B[b]` over strided operands (batch strides 0 broadcast). Units are
 * (batch, column chunk, row chunk); chunks shrink until there are about four per thread, and
 * threads claim units dynamically (see `claim`).
 */
export function matmul(p: usize, tid: i32, nt: i32): void {
  const q = changetype<MatmulParams>(p);
  const M = q.M, N = q.N, K = q.K, batch = q.batch;
  if (M * N * batch == 0) return;
  const chunk = splitChunk(N, batch, (N + NC - 1) / NC, nt, NR);
  const nch = (N + chunk - 1) / chunk;
  const mchunk = splitChunk(M, batch * nch, 1, nt, MR);
  const mch = (M + mchunk - 1) / mchunk;
  const units = batch * nch * mch;
  const scratch = <usize>q.scratch + <usize>tid * <usize>q.scratchStride;
  for (let u = claim(); u < units; u = claim()) {
    const bi = u / (nch * mch);
    const r = u - bi * nch * mch;
    const jc = r / mch;
    const ic = r - jc * mch;
    const m0 = ic * mchunk, n0 = jc * chunk;
    gemmRange(
      m0, imin(M, m0 + mchunk), n0, imin(N, n0 + chunk), K,
      <usize>q.a + <usize>(bi * q.aBatch) * 4, q.ars, q.acs,
      <usize>q.b + <usize>(bi * q.bBatch) * 4, q.brs, q.bcs,
      <usize>q.c + <usize>(bi * M * N) * 4, N, false, scratch,
    );
  }
}
