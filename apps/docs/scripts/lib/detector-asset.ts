/**
 * What scripts/export-detector.ts needs beyond file handling: float16 safetensors (core writes
 * F32 and I32 only; its reader loads F16 as float32, so the site reads these with
 * `loadTensors`), and the COCO-style evaluation of a detector on `shapes-det` test scenes with
 * its FPN's lateral skips on or off.
 */
import { noGrad, setSkips, tensor, tidy } from '@skipnet/core';
import { renderShapesDetScene, shapesDetAreaRanges } from '@skipnet/data';
import type { Detections, Detector } from '@skipnet/models';
import { DetectionEvaluator } from '@skipnet/train';
import { LATERAL_SKIPS, type AssetEvaluation } from '../../src/demos/detector.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The IEEE 754 binary16 bits of `value` (as a float32 first), rounded to nearest, ties to
 * even; beyond ±65504 (after rounding) ±∞, below 2⁻²⁵ ±0, in between subnormals.
 */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  // Drop `shift` low bits of the 24-bit significand (implicit 1 included for subnormal results).
  const significand = e <= 0 ? mant | 0x800000 : mant;
  const shift = e <= 0 ? 14 - e : 13;
  if (shift > 24) return sign;
  let half = e <= 0 ? significand >>> shift : (e << 10) | (significand >>> shift);
  const rest = significand & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  // A carry out of the mantissa moves into the exponent, which is the correctly rounded value (up to ∞).
  if (rest > halfway || (rest === halfway && half & 1)) half++;
  return sign | half;
}

/** One state-dict entry to write: float32 values are stored as F16, int32 as I32. */
export interface StateEntry {
  dtype: 'float32' | 'int32';
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/**
 * Safetensors bytes with every float32 tensor stored as F16 and int32 ones as I32, tensors in
 * sorted name order, the header padded with spaces to 8 bytes (as core's writer lays it out).
 */
export function float16Safetensors(entries: Readonly<Record<string, StateEntry>>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(entries).sort();
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const t = entries[name]!;
    const bytes = t.data.length * (t.dtype === 'float32' ? 2 : 4);
    header[name] = { dtype: t.dtype === 'float32' ? 'F16' : 'I32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(json, 8);
  let at = 8 + padded;
  for (const name of names) {
    const t = entries[name]!;
    if (t.dtype === 'float32') {
      for (const v of t.data) {
        view.setUint16(at, float16Bits(v), true);
        at += 2;
      }
    } else {
      for (const v of t.data) {
        view.setInt32(at, v, true);
        at += 4;
      }
    }
  }
  return out;
}

/** Scenes of the `shapes-det` test split, `[n, 3, S, S]`, with their ground truth. */
export function testScenes(
  count: number,
  size: number,
): { x: Float32Array; truth: { boxes: Float32Array; labels: Int32Array }[]; size: number; count: number } {
  const plane = 3 * size * size;
  const x = new Float32Array(count * plane);
  const truth = [];
  for (let i = 0; i < count; i++) {
    const { sample } = renderShapesDetScene(i, { split: 'test', size });
    x.set(sample.x, i * plane);
    const rows = sample.y;
    const k = rows.length / 5;
    truth.push({
      boxes: Float32Array.from({ length: 4 * k }, (_, j) => rows[Math.floor(j / 4) * 5 + (j % 4)]!),
      labels: Int32Array.from({ length: k }, (_, j) => rows[j * 5 + 4]!),
    });
  }
  return { x, truth, size, count };
}

/** The packed head outputs of `detector` on the scenes, in batches (values on the host). */
export async function packedOutputs(detector: Detector, scenes: ReturnType<typeof testScenes>, batch = 10): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const plane = 3 * scenes.size * scenes.size;
  for (let i = 0; i < scenes.count; i += batch) {
    const n = Math.min(batch, scenes.count - i);
    const y = noGrad(() => tidy(() => detector.call(tensor(scenes.x.subarray(i * plane, (i + n) * plane), [n, 3, scenes.size, scenes.size]))));
    out.push(Float32Array.from(await y.data()));
    y.dispose();
  }
  return out;
}

/**
 * COCO AP of `detector` on the scenes (score threshold 0.05 as the CLI evaluates, the
 * dataset's size buckets), with the FPN's lateral skips on or off; leaves them on.
 */
export async function evaluateDetector(detector: Detector, scenes: ReturnType<typeof testScenes>, lateral: boolean, batch = 10): Promise<AssetEvaluation> {
  const evaluator = new DetectionEvaluator({ numClasses: detector.numClasses, areaRanges: shapesDetAreaRanges(scenes.size) });
  const plane = 3 * scenes.size * scenes.size;
  const imageSize = [scenes.size, scenes.size] as const;
  setSkips(detector, lateral, LATERAL_SKIPS);
  try {
    for (let i = 0; i < scenes.count; i += batch) {
      const n = Math.min(batch, scenes.count - i);
      const y = noGrad(() => tidy(() => detector.call(tensor(scenes.x.subarray(i * plane, (i + n) * plane), [n, 3, scenes.size, scenes.size]))));
      let found: Detections[];
      try {
        found = await detector.postprocess(y, imageSize, { scoreThreshold: 0.05 });
      } finally {
        y.dispose();
      }
      found.forEach((d, k) => evaluator.add(d, scenes.truth[i + k]!));
    }
  } finally {
    setSkips(detector, true, LATERAL_SKIPS);
  }
  const m = evaluator.compute();
  return { AP: m.AP, AP50: m.AP50, AP75: m.AP75, APsmall: m.APsmall, APmedium: m.APmedium, APlarge: m.APlarge };
}
