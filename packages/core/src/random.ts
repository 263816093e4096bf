/**
 * The counter-based random generator every backend reproduces bit for bit: element `i` of
 * the stream `(seed, key)` depends only on those three integers, so a seeded tensor has the
 * same values on cpu, wasm and webgl, and streams can be generated in parallel.
 */

/** Mixes three 32-bit integers into one well-distributed 32-bit integer (murmur3-style finaliser). */
export function hash3(seed: number, key: number, counter: number): number {
  let h = (seed ^ Math.imul(key, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ counter, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ Math.imul(counter, 0x27d4eb2f), 0x165667b1);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Uniform in [0, 1) with 24 bits of resolution (exactly representable in float32). */
export function uniformAt(seed: number, key: number, i: number): number {
  return (hash3(seed, key, i) >>> 8) / 16777216;
}

/** Standard normal by Box–Muller over the uniform pair `(2i, 2i + 1)`. */
export function normalAt(seed: number, key: number, i: number): number {
  const u1 = ((hash3(seed, key, 2 * i) >>> 8) + 1) / 16777217;
  const u2 = (hash3(seed, key, 2 * i + 1) >>> 8) / 16777216;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
