/**
 * Demo data in the browser: the MNIST subset and names list written by the build script
 * (scripts/lib/demo-data.ts), and `shapes` scenes rendered on demand by @skipnet/data.
 */
import { renderShapesScene } from '@skipnet/data';
import mnistTrainUrl from '../../.generated/data/mnist-train.bin?url';
import mnistTestUrl from '../../.generated/data/mnist-test.bin?url';
import namesUrl from '../../.generated/data/names-train.txt?url';
import { DIGIT_SIDE, SHAPES_SIDE } from './specs.js';

export interface Digits {
  /** `[n, 1, 14, 14]`, normalised with MNIST's mean and deviation. */
  x: Float32Array;
  /** `[n]` digits. */
  y: Int32Array;
  n: number;
}

const MEAN = 0.1307;
const STD = 0.3081;

/** Decodes the build script's bytes (`[n·784]` pixels, then `[n]` labels), pooling 28 → 14. */
export function decodeDigits(bytes: Uint8Array): Digits {
  const n = bytes.length / 785;
  const s = DIGIT_SIDE;
  const x = new Float32Array(n * s * s);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        const p = k * 784 + 2 * i * 28 + 2 * j;
        const v = (bytes[p]! + bytes[p + 1]! + bytes[p + 28]! + bytes[p + 29]!) / (4 * 255);
        x[k * s * s + i * s + j] = (v - MEAN) / STD;
      }
    }
  }
  return { x, y: Int32Array.from(bytes.subarray(n * 784)), n };
}

const cache = new Map<string, Promise<unknown>>();
function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (!cache.has(key)) cache.set(key, load());
  return cache.get(key) as Promise<T>;
}

export function loadDigits(split: 'train' | 'test'): Promise<Digits> {
  return once(`mnist-${split}`, async () => {
    const res = await fetch(split === 'train' ? mnistTrainUrl : mnistTestUrl);
    if (!res.ok) throw new Error(`MNIST subset: HTTP ${res.status}`);
    return decodeDigits(new Uint8Array(await res.arrayBuffer()));
  });
}

export function loadNames(): Promise<string[]> {
  return once('names', async () => {
    const res = await fetch(namesUrl);
    if (!res.ok) throw new Error(`names: HTTP ${res.status}`);
    return (await res.text()).split('\n').filter(Boolean);
  });
}

/** A batch of digits `start…start+size` (wrapping): x `[size, 1, 14, 14]`, y `[size]`. */
export function digitBatch(d: Digits, start: number, size: number): { x: Float32Array; y: Int32Array } {
  const px = DIGIT_SIDE * DIGIT_SIDE;
  const x = new Float32Array(size * px);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const k = (start + i) % d.n;
    x.set(d.x.subarray(k * px, (k + 1) * px), i * px);
    y[i] = d.y[k]!;
  }
  return { x, y };
}

export interface ShapesBatch {
  /** `[n, 3, 32, 32]` in [0, 1]. */
  x: Float32Array;
  /** `[n, 32, 32]` classes: 0 background, 1 circle, 2 square, 3 triangle. */
  y: Int32Array;
}

/** `n` shapes scenes from index `start` of the given split, rendered on demand. */
export function shapesBatch(start: number, n: number, split: 'train' | 'test' = 'train'): ShapesBatch {
  const s = SHAPES_SIDE;
  const x = new Float32Array(n * 3 * s * s);
  const y = new Int32Array(n * s * s);
  for (let i = 0; i < n; i++) {
    const scene = renderShapesScene(start + i, { split, size: s });
    x.set(scene.x, i * 3 * s * s);
    y.set(scene.y, i * s * s);
  }
  return { x, y };
}
