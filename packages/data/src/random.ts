/**
 * Seeded randomness for shuffling, augmentation and generated datasets.
 *
 * The generator is **sfc32** (Chris Doty-Humphrey's Small Fast Chaotic PRNG, 128-bit state,
 * 32-bit output; passes PractRand and BigCrush). It was chosen because it is fast with only
 * 32-bit integer math (no BigInt), and because it is fully specified by a few lines, so any
 * other implementation can reproduce our streams.
 *
 * Seeding: a list of integer keys (e.g. `[seed, epoch, index]`) is folded into four 32-bit
 * words with murmur3's `fmix32` finalizer (each word with its own salt), then 12 outputs are
 * discarded. Nearby keys (epoch 1 vs 2, index 7 vs 8) therefore give unrelated streams,
 * which is what lets every (epoch, sample) pair own an independent stream — the property
 * that makes augmentation reproducible regardless of batch size, order or resume point.
 */

const TWO_32 = 4294967296;

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes integer keys to one 32-bit value. Keys must be safe integers (negative allowed);
 * the high and low 32-bit halves are both mixed, so `2**32 + 1` differs from `1`.
 */
export function hashKeys(keys: readonly number[], salt = 0): number {
  let h = fmix32((salt ^ 0x9e3779b9) + keys.length);
  for (const k of keys) {
    if (!Number.isSafeInteger(k)) throw new RangeError(`random key must be a safe integer, got ${k}`);
    const lo = k >>> 0;
    const hi = Math.floor(k / TWO_32) >>> 0;
    h = fmix32((h ^ lo) + 0x6a09e667);
    h = fmix32((h ^ hi) + 0xbb67ae85);
  }
  return h;
}

/**
 * A deterministic random stream (sfc32) seeded from integer keys.
 *
 * @example
 * const rng = new Rng(42, epoch, index); // same keys, same numbers, on every platform
 * rng.float(); rng.int(10); rng.normal();
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /** Seeds the stream from one or more safe-integer keys (at least one). */
  constructor(...keys: number[]) {
    if (keys.length === 0) throw new RangeError('Rng needs at least one seed key');
    this.a = hashKeys(keys, 1);
    this.b = hashKeys(keys, 2);
    this.c = hashKeys(keys, 3);
    this.d = hashKeys(keys, 4);
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Next raw output, an integer in `[0, 2^32)`. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in `[0, 1)` with 32 random bits. */
  float(): number {
    return this.uint32() / TWO_32;
  }

  /** Uniform float in `[lo, hi)`. */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /**
   * Uniform integer in `[0, n)` for `1 <= n <= 2^32`, by multiply-shift (`floor(u32 * n / 2^32)`).
   * The bias is at most `n / 2^32`, negligible for dataset sizes, and it costs one draw,
   * which keeps stream positions predictable.
   */
  int(n: number): number {
    if (!(n >= 1 && n <= TWO_32) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    return Math.floor((this.uint32() * n) / TWO_32);
  }

  /** Standard normal sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    // 1 - float() is in (0, 1], so the log is finite.
    const u = 1 - this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `array` in place (Fisher–Yates, from the last element down) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of `0 .. n-1`. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
