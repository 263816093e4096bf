/**
 * The detectors' training losses and post-processing against torchvision 0.14
 * (fixtures/detection/detector_loss.safetensors, written by fixtures/generate_detector_loss.py
 * from the small FCOS and RetinaNet fixtures): matching, loss components and their gradient
 * w.r.t. the packed outputs, the losses and parameter gradients of the real models, and
 * `postprocess_detections`. Plus finite differences on a tiny case, empty targets, and the
 * batch against the images one at a time.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clone, full, loadTensors, memory, parseSafetensors, slice, tensor, tidy, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { assertClose, gradCheck, randomArray, useBackend } from '@skipnet/core/testing';
import { FCOS, RetinaNet, createModel, levelBounds, matchFcos, matchRetinaNet, sumComponents, type FPNDetector } from './index.js';

beforeAll(() => useBackend('cpu', createCpuBackend));
const bytes = new Uint8Array(readFileSync(new URL('../../../fixtures/detection/detector_loss.safetensors', import.meta.url)));
// The metadata is read when the tests are collected; the tensors once a backend is active.
const parsed = parseSafetensors(bytes, 'fixtures/detection/detector_loss.safetensors');
let fx: Record<string, Tensor> = {};
beforeAll(() => {
  fx = loadTensors(bytes, 'fixtures/detection/detector_loss.safetensors').tensors;
});
interface CaseMeta {
  imageSize: [number, number];
  rows: number;
  params: string[];
  post: Record<string, { scoreThreshold: number; nmsThreshold: number; topkCandidates: number; detectionsPerImage: number }>;
}
const meta = JSON.parse(parsed.metadata.cases!) as Record<'fcos' | 'retinanet', CaseMeta>;

/** The fixture's tensor `key` (throws when absent, naming it). */
function get(key: string): Tensor {
  const t = fx[key];
  if (!t) throw new Error(`detector_loss.safetensors has no tensor '${key}'`);
  return t;
}

/** The skipnet twins of generate_models.py's small detectors. */
const BUILD = {
  retinanet: () =>
    createModel('retinanet', { backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 16, 32] }, fpnChannels: 16, numClasses: 5 }) as RetinaNet,
  fcos: () =>
    createModel('fcos', { backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 16, 32] }, fpnChannels: 32, headConvs: 2, numClasses: 5 }) as FCOS,
};

/** The fixture's formula input: `sin(0.1·h + 0.17·w + 1.3·c + 2.1·n)` in float64, rounded to float32. */
function formulaInput(n: number, [h, w]: readonly [number, number]): Tensor {
  const x = new Float32Array(n * 3 * h * w);
  let o = 0;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) x[o++] = Math.sin(0.1 * y + 0.17 * z + 1.3 * c + 2.1 * i);
  return tensor(x, [n, 3, h, w]);
}

/** The anchors tensor and (FCOS) level bounds a detector's loss uses for `size`. */
function matchedBy(det: FPNDetector, targets: Tensor, size: readonly [number, number]): Tensor {
  const { anchors, rowsPerLevel } = det.anchorLayout(size);
  const rows = anchors.length / 4;
  const a = tensor(anchors, [rows, 4]);
  if (det instanceof FCOS) {
    const b = levelBounds(det.scaleRanges, rowsPerLevel);
    return matchFcos(a, targets, {
      centerSamplingRadius: det.centerSamplingRadius,
      lowerBounds: tensor(b.lower, [rows]),
      upperBounds: tensor(b.upper, [rows]),
    });
  }
  return matchRetinaNet(a, targets, { ...(det as RetinaNet).iouThresholds, allowLowQualityMatches: true });
}

const relative = { atol: 1e-6, rtol: 1e-4 };

/** Largest magnitude of an array (the scale of a gradient). */
function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

describe.each(['fcos', 'retinanet'] as const)('%s against torchvision compute_loss / postprocess_detections', (name) => {
  const m = meta[name];
  const size = m.imageSize;
  const components = name === 'fcos' ? ['classification', 'bbox_regression', 'bbox_ctrness'] : ['classification', 'bbox_regression'];

  it('matches the same anchors to the same boxes (foreground, background, ignored)', () => {
    const det = BUILD[name]();
    const matched = tidy(() => matchedBy(det, get(`${name}.targets`), size).dataSync());
    const expected = get(`${name}.matched`).dataSync();
    expect(Array.from(matched)).toEqual(Array.from(expected));
    // The fixture exercises what it claims: foreground on several images, ignored anchors for RetinaNet.
    expect(expected.filter((v) => v >= 0).length).toBeGreaterThan(10);
    const rows = m.rows;
    if (name === 'retinanet') {
      expect(expected.filter((v) => v === -2).length).toBeGreaterThan(0);
      // Low-quality matching gives every box an anchor, the 12-px one included.
      expect(new Set(expected.slice(0, rows).filter((v) => v >= 0))).toEqual(new Set([0, 1, 2]));
    } else {
      // The large box is regressed from P4 (rows after P3's), per the scale ranges.
      const p3 = det.anchorLayout(size).rowsPerLevel[0]!;
      expect(expected.slice(p3, rows).some((v) => v === 2)).toBe(true);
    }
    det.dispose();
  });

  it('gives torchvision’s loss components and their gradient w.r.t. the packed outputs', () => {
    const det = BUILD[name]();
    tidy(() => {
      const packed = clone(get(`${name}.packed`));
      packed.requiresGrad = true;
      const parts = det.lossComponents(packed, get(`${name}.targets`), size);
      expect(Object.keys(parts)).toEqual(components);
      for (const k of components) assertClose(parts[k]!.dataSync(), get(`${name}.loss.${k}`).dataSync(), relative, `${name} ${k}`);
      const total = det.loss(packed, get(`${name}.targets`), size);
      const expectedTotal = components.reduce((s, k) => s + get(`${name}.loss.${k}`).dataSync()[0]!, 0);
      assertClose(total.dataSync(), [expectedTotal], relative, `${name} loss`);
      total.backward();
      const g = get(`${name}.grad_packed`).dataSync();
      const scale = maxAbs(g);
      assertClose(packed.grad!.dataSync(), g, { atol: 1e-5 * scale, rtol: 1e-4 }, `${name} d loss / d packed`);
    });
    det.dispose();
  });

  it('gives torchvision’s losses and parameter gradients on the real model', () => {
    const det = BUILD[name]();
    const state = loadTensors(new Uint8Array(readFileSync(new URL(`../../../fixtures/models/${name}.safetensors`, import.meta.url))), name).tensors;
    det.loadStateDict(state, { strict: true });
    det.eval();
    const targets = get(`${name}.targets`);
    tidy(() => {
      const x = formulaInput(targets.shape[0]!, size);
      const parts = det.lossComponents(det.call(x), targets, size);
      for (const k of components)
        assertClose(parts[k]!.dataSync(), get(`${name}.model.loss.${k}`).dataSync(), { atol: 1e-5, rtol: 1e-4 }, `${name} model ${k}`);
      sumComponents(parts).backward();
      const params = new Map(det.namedParameters());
      for (const p of m.params) {
        const expected = get(`${name}.model.grad.${p}`).dataSync();
        const scale = maxAbs(expected);
        assertClose(params.get(p)!.grad!.dataSync(), expected, { atol: 1e-4 * scale, rtol: 1e-3 }, `${name} d loss / d ${p}`);
      }
    });
    for (const t of Object.values(state)) t.dispose();
    det.dispose();
  });

  it.each(Object.keys(m.post))('post-processes as torchvision (%s options)', async (optionCase) => {
    const det = BUILD[name]();
    const options = m.post[optionCase]!;
    const detections = await det.postprocess(get(`${name}.packed`), size, options);
    const counts = Array.from(get(`${name}.post.${optionCase}.count`).dataSync());
    expect(detections.map((d) => d.scores.length)).toEqual(counts);
    const cat = (key: 'boxes' | 'scores' | 'labels'): number[] => detections.flatMap((d) => Array.from(d[key]));
    expect(cat('labels')).toEqual(Array.from(get(`${name}.post.${optionCase}.labels`).dataSync()));
    assertClose(cat('scores'), get(`${name}.post.${optionCase}.scores`).dataSync(), { atol: 1e-6, rtol: 1e-5 }, `${name} scores`);
    assertClose(cat('boxes'), get(`${name}.post.${optionCase}.boxes`).dataSync(), { atol: 1e-4, rtol: 1e-5 }, `${name} boxes`);
    for (const d of detections) {
      for (let i = 1; i < d.scores.length; i++) expect(d.scores[i]!).toBeLessThanOrEqual(d.scores[i - 1]!);
      for (let i = 0; i < d.boxes.length; i += 4) {
        expect(d.boxes[i]!).toBeGreaterThanOrEqual(0);
        expect(d.boxes[i + 2]!).toBeLessThanOrEqual(size[1]);
        expect(d.boxes[i + 3]!).toBeLessThanOrEqual(size[0]);
      }
    }
    det.dispose();
  });

  it('a padded batch gives what the images give one at a time, normalised as torchvision', () => {
    const det = BUILD[name]();
    const packed = get(`${name}.packed`);
    const targets = get(`${name}.targets`);
    const [n, rows, ch] = packed.shape as [number, number, number];
    tidy(() => {
      const batch = det.lossComponents(packed, targets, size);
      const alone = Array.from({ length: n }, (_, i) => {
        const t = targets.dataSync();
        const k = targets.shape[1]!;
        let kept = 0;
        while (kept < k && t[(i * k + kept) * 5 + 4]! >= 0) kept++;
        const ti = slice(targets, [i, 0, 0], [1, kept, 5]);
        const parts = det.lossComponents(slice(packed, [i, 0, 0], [1, rows, ch]), ti, size);
        const foreground = matchedBy(det, ti, size)
          .dataSync()
          .filter((v) => v >= 0).length;
        return { parts, foreground };
      });
      const totalForeground = alone.reduce((s, a) => s + a.foreground, 0);
      for (const k of components) {
        // RetinaNet normalises per image and averages; FCOS divides the batch sum by the batch's foreground.
        const expected =
          name === 'retinanet'
            ? alone.reduce((s, a) => s + a.parts[k]!.dataSync()[0]!, 0) / n
            : alone.reduce((s, a) => s + a.parts[k]!.dataSync()[0]! * Math.max(1, a.foreground), 0) / Math.max(1, totalForeground);
        assertClose(batch[k]!.dataSync(), [expected], { atol: 1e-6, rtol: 1e-5 }, `${name} ${k}`);
      }
    });
    det.dispose();
  });
});

/** Tiny detectors for finite differences and edge cases (32×32: a few dozen rows). */
const TINY = {
  fcos: () =>
    new FCOS({ backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 4, 4, 4] }, fpnChannels: 8, headNormGroups: 2, headConvs: 1, numClasses: 3 }),
  retinanet: () =>
    new RetinaNet({
      backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 4, 4, 4] },
      fpnChannels: 8,
      headConvs: 1,
      numClasses: 3,
      anchorSizes: [[8], [16], [32], [64], [128]],
    }),
};
const TINY_SIZE = [32, 32] as const;

/** Packed outputs in a range that keeps clear of the losses' kinks; FCOS distances positive. */
function tinyPacked(det: FPNDetector, n: number): Float32Array {
  const rows = det.numLocations(...TINY_SIZE);
  const data = randomArray(n * rows * det.packedChannels, -2, 2);
  if (det instanceof FCOS) {
    for (let i = 0; i < n * rows; i++)
      for (let c = 0; c < 4; c++) data[i * det.packedChannels + det.numClasses + c] = 0.3 + Math.abs(data[i * det.packedChannels + det.numClasses + c]!);
  }
  return data;
}

describe.each(['fcos', 'retinanet'] as const)('%s loss on a tiny case', (name) => {
  it('backprop agrees with finite differences w.r.t. the packed outputs', async () => {
    const det = TINY[name]();
    const targets = tensor([4, 6, 20, 26, 1, 10, 2, 30, 14, 2, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, 3.5, 8, 28.5, 30, 0, -1, -1, -1, -1, -1], [2, 3, 5]);
    const rows = det.numLocations(...TINY_SIZE);
    const shape = [2, rows, det.packedChannels];
    // Some foreground on both images, or the test would check only the classification loss.
    const fg = tidy(() => matchedBy(det, targets, TINY_SIZE).dataSync());
    expect(fg.slice(0, rows).some((v) => v >= 0) && fg.slice(rows).some((v) => v >= 0)).toBe(true);
    await gradCheck(name, (p) => det.loss(p, targets, TINY_SIZE), [{ shape, data: tinyPacked(det, 2) }], { atol: 2e-3, rtol: 2e-2 }, { samples: 120 });
    targets.dispose();
    det.dispose();
  });

  it('stays finite, forward and backward, with no boxes at all and extreme outputs on the background', () => {
    const det = TINY[name]();
    const rows = det.numLocations(...TINY_SIZE);
    const data = tinyPacked(det, 2);
    // Zero and huge regression outputs: degenerate or enormous predicted boxes on the background.
    for (let r = 0; r < rows; r++) for (let c = 0; c < 4; c++) data[r * det.packedChannels + det.numClasses + c] = r % 2 ? 0 : 1e4;
    for (const targets of [full([2, 0, 5], -1), full([2, 3, 5], -1)]) {
      tidy(() => {
        const packed = tensor(data, [2, rows, det.packedChannels]);
        packed.requiresGrad = true;
        const parts = det.lossComponents(packed, targets, TINY_SIZE);
        for (const [k, v] of Object.entries(parts)) {
          expect(Number.isFinite(v.dataSync()[0]), k).toBe(true);
          if (k !== 'classification') expect(v.dataSync()[0], k).toBe(0);
        }
        det.loss(packed, targets, TINY_SIZE).backward();
        expect(packed.grad!.dataSync().every(Number.isFinite)).toBe(true);
        // Without foreground only the classification logits get a gradient.
        const g = packed.grad!.dataSync();
        for (let i = 0; i < g.length; i++) if (i % det.packedChannels >= det.numClasses) expect(g[i]).toBe(0);
      });
      targets.dispose();
    }
    det.dispose();
  });

  it('a training step through the loss leaves no tensors behind', () => {
    const det = TINY[name]();
    const targets = tensor([4, 6, 20, 26, 1, -1, -1, -1, -1, -1], [2, 1, 5]);
    const x = tensor(randomArray(2 * 3 * 32 * 32), [2, 3, 32, 32]);
    const step = (): void =>
      tidy(() => {
        det.loss(det.call(x), targets, TINY_SIZE).backward();
        det.zeroGrad();
      });
    step();
    const before = memory().tensors;
    step();
    expect(memory().tensors).toBe(before);
    for (const t of [targets, x]) t.dispose();
    det.dispose();
  });
});

describe('loss argument checks', () => {
  it('names the expected shapes', () => {
    const det = TINY.fcos();
    const rows = det.numLocations(...TINY_SIZE);
    tidy(() => {
      const packed = full([2, rows, det.packedChannels], 0);
      expect(() => det.loss(packed, full([2, 3, 5], -1), [64, 64])).toThrow(/for a 64×64 batch, \[N, 86, 8\]; got \[2, 23, 8\] \(pass the \[height, width\]/);
      expect(() => det.loss(packed, full([2, 3, 4], -1), TINY_SIZE)).toThrow(/targets must be a float32 \[N, Kmax, 5\]/);
      expect(() => det.loss(packed, full([3, 3, 5], -1), TINY_SIZE)).toThrow(/N = 2/);
    });
    det.dispose();
  });
});
