/**
 * Single-precision GEMM in plain TypeScript: `C (+)= A·B` with arbitrary row/column strides on
 * A and B (so transposes cost nothing) and a row-major C.
 *
 * Goto-style blocking: a KC×NC panel of B and an MC×KC panel of A are packed into reusable
 * double-precision scratch, then a 4×4 micro-kernel keeps its 16 accumulators in locals. Edges
 * are zero-padded in the packed panels, so the micro-kernel always runs full tiles and only the
 * store is clipped.
 *
 * Measured choices (V8, 512² product):
 * - Packed panels are plain JS arrays in PACKED_DOUBLE_ELEMENTS form, not Float64Arrays. Their
 *   loads need no float→double conversion and, unlike typed-array loads, no "was the buffer
 *   detached?" test — V8 adds that test to every typed-array access in the process once any
 *   ArrayBuffer has been detached (a worker transfer, tsx's loader), costing ~15%. Plain arrays
 *   ran ~15% faster than Float64Array even without a detach.
 * - 4×8, 6×4, 2×8, … micro-tiles ran within noise of 4×4: scalar double mul+add throughput is
 *   the ceiling here, not register pressure.
 */

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

// Packed panels: JS arrays of doubles (see the module comment for why not Float64Array).
let packA: number[] | undefined;
let packB: number[] | undefined;
let rowAcc = new Float64Array(256);
const edge = new Float32Array(MR * NR);

/** A packed (PACKED_DOUBLE_ELEMENTS) array of `n` doubles: built by push so it never has holes. */
function doubles(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0.5);
  return a;
}

/** Releases the packing scratch (it is recreated on the next call). */
export function releaseGemmScratch(): void {
  packA = undefined;
  packB = undefined;
  rowAcc = new Float64Array(256);
}

/**
 * `C[M×N] = (accumulate ? C : 0) + A[M×K]·B[K×N]` where
 * `A(i,k) = a[aOff + i·aRs + k·aCs]`, `B(k,j) = b[bOff + k·bRs + j·bCs]`,
 * `C(i,j) = c[cOff + i·ldc + j]`.
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Float32Array,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  if (M <= 0 || N <= 0) return;
  if (!accumulate) {
    for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  if (K <= 0) return;
  if (N < NR) {
    gemmDots(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc);
    return;
  }
  if (M < MR || M * N * K <= 8192) {
    gemmRows(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc);
    return;
  }
  const ap = (packA ??= doubles(MC * KC));
  const bp = (packB ??= doubles(KC * NC));
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packPanelB(b, bOff + pc * bRs + jc * bCs, bRs, bCs, kc, nc, bp);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packPanelA(a, aOff + ic * aRs + pc * aCs, aRs, aCs, mc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            const ci = cOff + (ic + ir) * ldc + jc + jr;
            if (rows === MR && cols === NR) {
              micro4x4(kc, ap, ir * kc, bp, jr * kc, c, ci, ldc);
            } else {
              edge.fill(0);
              micro4x4(kc, ap, ir * kc, bp, jr * kc, edge, 0, NR);
              for (let i = 0; i < rows; i++) {
                for (let j = 0; j < cols; j++) c[ci + i * ldc + j]! += edge[i * NR + j]!;
              }
            }
          }
        }
      }
    }
  }
}

/** Packs an mc×kc block of A into MR-row micro-panels: `dst[(panel·kc + k)·MR + r]`. */
function packPanelA(a: Float32Array, off: number, rs: number, cs: number, mc: number, kc: number, dst: number[]): void {
  let p = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const r0 = off + ir * rs;
    if (rows === MR) {
      const r1 = r0 + rs,
        r2 = r1 + rs,
        r3 = r2 + rs;
      for (let k = 0, o = 0; k < kc; k++, o += cs) {
        dst[p] = a[r0 + o]!;
        dst[p + 1] = a[r1 + o]!;
        dst[p + 2] = a[r2 + o]!;
        dst[p + 3] = a[r3 + o]!;
        p += 4;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) dst[p++] = r < rows ? a[r0 + r * rs + k * cs]! : 0;
      }
    }
  }
}

/** Packs a kc×nc block of B into NR-column micro-panels: `dst[(panel·kc + k)·NR + j]`. */
function packPanelB(b: Float32Array, off: number, rs: number, cs: number, kc: number, nc: number, dst: number[]): void {
  let p = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const base = off + jr * cs;
    if (cols === NR) {
      if (cs === 1) {
        for (let k = 0, r = base; k < kc; k++, r += rs) {
          dst[p] = b[r]!;
          dst[p + 1] = b[r + 1]!;
          dst[p + 2] = b[r + 2]!;
          dst[p + 3] = b[r + 3]!;
          p += 4;
        }
      } else {
        const c1 = cs,
          c2 = 2 * cs,
          c3 = 3 * cs;
        for (let k = 0, r = base; k < kc; k++, r += rs) {
          dst[p] = b[r]!;
          dst[p + 1] = b[r + c1]!;
          dst[p + 2] = b[r + c2]!;
          dst[p + 3] = b[r + c3]!;
          p += 4;
        }
      }
    } else {
      for (let k = 0, r = base; k < kc; k++, r += rs) {
        for (let j = 0; j < NR; j++) dst[p++] = j < cols ? b[r + j * cs]! : 0;
      }
    }
  }
}

/** `C[4×4] += Apanel·Bpanel` over kc; 16 accumulators in locals. */
function micro4x4(kc: number, ap: number[], ai: number, bp: number[], bi: number, c: Float32Array, ci: number, ldc: number): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let k = 0; k < kc; k++) {
    const b0 = bp[bi]!,
      b1 = bp[bi + 1]!,
      b2 = bp[bi + 2]!,
      b3 = bp[bi + 3]!;
    let a = ap[ai]!;
    c00 += a * b0;
    c01 += a * b1;
    c02 += a * b2;
    c03 += a * b3;
    a = ap[ai + 1]!;
    c10 += a * b0;
    c11 += a * b1;
    c12 += a * b2;
    c13 += a * b3;
    a = ap[ai + 2]!;
    c20 += a * b0;
    c21 += a * b1;
    c22 += a * b2;
    c23 += a * b3;
    a = ap[ai + 3]!;
    c30 += a * b0;
    c31 += a * b1;
    c32 += a * b2;
    c33 += a * b3;
    ai += 4;
    bi += 4;
  }
  c[ci]! += c00;
  c[ci + 1]! += c01;
  c[ci + 2]! += c02;
  c[ci + 3]! += c03;
  ci += ldc;
  c[ci]! += c10;
  c[ci + 1]! += c11;
  c[ci + 2]! += c12;
  c[ci + 3]! += c13;
  ci += ldc;
  c[ci]! += c20;
  c[ci + 1]! += c21;
  c[ci + 2]! += c22;
  c[ci + 3]! += c23;
  ci += ldc;
  c[ci]! += c30;
  c[ci + 1]! += c31;
  c[ci + 2]! += c32;
  c[ci + 3]! += c33;
}

/** Thin N (matrix·vector-like): one double-precision dot product per output. */
function gemmDots(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Float32Array,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ar = aOff + i * aRs;
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0, ia = ar, ib = bOff + j * bCs; k < K; k++, ia += aCs, ib += bRs) s += a[ia]! * b[ib]!;
      c[cOff + i * ldc + j]! += s;
    }
  }
}

/** Few rows or a tiny product: accumulate each output row in a double buffer (no packing). */
function gemmRows(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Float32Array,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
): void {
  if (rowAcc.length < N) rowAcc = new Float64Array(N);
  const acc = rowAcc;
  for (let i = 0; i < M; i++) {
    acc.fill(0, 0, N);
    const ar = aOff + i * aRs;
    for (let k = 0; k < K; k++) {
      const av = a[ar + k * aCs]!;
      const br = bOff + k * bRs;
      if (bCs === 1) for (let j = 0; j < N; j++) acc[j]! += av * b[br + j]!;
      else for (let j = 0; j < N; j++) acc[j]! += av * b[br + j * bCs]!;
    }
    const cr = cOff + i * ldc;
    for (let j = 0; j < N; j++) c[cr + j]! += acc[j]!;
  }
}
