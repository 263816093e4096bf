/**
 * The FPN detectors: torchvision's full layouts (every key and shape of
 * `retinanet_resnet50_fpn` / `fcos_resnet50_fpn`, from fixtures/models/detection_state_shapes.json
 * written by fixtures/generate_models.py), the head-output layout, the metadata loss and
 * post-processing read, and the twins of `fcos_small`: the `:plain` one whose pyramid has no
 * lateral path, and the single-scale one, each on the same parameter budget. (Loading real
 * torchvision weights is in torchvision.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countSkips, graph, manualSeed, memory, mul, randn, sigmoid, sum, tensor, tidy, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { FCOS, RetinaNet, createModel, flattenLevel, onMeta, priorBias, type FPNDetector } from './index.js';
import { maxAbsDiff } from './test/helpers.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

interface StateShapes {
  readonly parameters: number;
  readonly keys: Record<string, number[]>;
}
const TORCHVISION = JSON.parse(readFileSync(new URL('../../../fixtures/models/detection_state_shapes.json', import.meta.url), 'utf8')) as Record<
  'retinanet_resnet50_fpn' | 'fcos_resnet50_fpn',
  StateShapes
>;

/** fcos_small with a narrower backbone: the same wiring, fast on the cpu backend. */
const TINY = { backbone: { widths: [4, 8, 8, 8] }, fpnChannels: 16, headNormGroups: 4, numClasses: 3 };

describe("torchvision's full detectors: every key and shape", () => {
  for (const name of ['retinanet_resnet50_fpn', 'fcos_resnet50_fpn'] as const) {
    it(`${name}: ${TORCHVISION[name].parameters.toLocaleString('en-US')} parameters, ${Object.keys(TORCHVISION[name].keys).length} keys`, async () => {
      const model = await onMeta(() => createModel(name));
      const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));
      expect(shapes).toEqual(TORCHVISION[name].keys);
      // In torchvision's order too (state_dict order is registration order).
      expect(Object.keys(shapes)).toEqual(Object.keys(TORCHVISION[name].keys));
      expect(model.numParameters()).toBe(TORCHVISION[name].parameters);
      model.dispose();
    });
  }

  it("carry torchvision's anchors, strides and box coding", async () => {
    const [retina, fcos] = (await onMeta(() => [createModel('retinanet_resnet50_fpn'), createModel('fcos_resnet50_fpn')])) as [RetinaNet, FCOS];
    expect(retina.levelNames).toEqual(['p3', 'p4', 'p5', 'p6', 'p7']);
    expect(retina.strides).toEqual([8, 16, 32, 64, 128]);
    // tuple((x, int(x * 2 ** (1/3)), int(x * 2 ** (2/3))) for x in [32, 64, 128, 256, 512])
    expect(retina.anchorSizes).toEqual([
      [32, 40, 50],
      [64, 80, 101],
      [128, 161, 203],
      [256, 322, 406],
      [512, 645, 812],
    ]);
    expect(retina.aspectRatios).toEqual(Array.from({ length: 5 }, () => [0.5, 1, 2]));
    expect(retina.anchorsPerLocation).toBe(9);
    expect(retina.boxCoding).toEqual({ kind: 'deltas', weights: [1, 1, 1, 1], clip: Math.log(1000 / 16) });
    expect(retina.numClasses).toBe(91);
    expect(fcos.anchorSizes).toEqual([[8], [16], [32], [64], [128]]);
    expect(fcos.anchorsPerLocation).toBe(1);
    expect(fcos.boxCoding).toEqual({ kind: 'ltrb', normalizeBySize: true });
    // FCOS §3.2's m2…m7 = 0, 64, 128, 256, 512, ∞ (torchvision: anchor size × 4 and × 8).
    expect(fcos.scaleRanges).toEqual([
      [0, 64],
      [64, 128],
      [128, 256],
      [256, 512],
      [512, Infinity],
    ]);
    expect(fcos.centerSamplingRadius).toBe(1.5);
    // An 800×1216 COCO batch: P3 is 100×152, P7 7×10.
    expect(fcos.featureSizes(800, 1216)).toEqual([
      [100, 152],
      [50, 76],
      [25, 38],
      [13, 19],
      [7, 10],
    ]);
    retina.dispose();
    fcos.dispose();
  });
});

describe('head outputs', () => {
  it("flattenLevel puts [N, A·K, H, W] into torchvision's [N, H·W·A, K] order", () => {
    const [n, a, k, h, w] = [2, 3, 2, 2, 3];
    const values = Array.from({ length: n * a * k * h * w }, (_, i) => i);
    tidy(() => {
      const out = flattenLevel(tensor(values, [n, a * k, h, w]), k).dataSync();
      // out[b, (y·W + x)·A + j, c] = in[b, j·K + c, y, x]
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let j = 0; j < a; j++)
              for (let c = 0; c < k; c++) {
                const row = (y * w + x) * a + j;
                expect(out[(b * h * w * a + row) * k + c]).toBe(values[((b * a * k + j * k + c) * h + y) * w + x]);
              }
    });
    expect(() => flattenLevel(tensor(values.slice(0, 10), [1, 5, 1, 2]), 2)).toThrow(/5 channels are not a multiple of 2/);
  });

  it('fcos_small: shapes at every level, featureSizes as the pyramid, forward = packed headOutputs', () => {
    manualSeed(0);
    const model = createModel('fcos_small', TINY) as FCOS;
    model.eval();
    const before = memory().tensors;
    const x = randn([2, 3, 100, 70]);
    tidy(() => {
      const levels = model.pyramid(x);
      expect(levels.map((p) => p.shape)).toEqual(model.featureSizes(100, 70).map(([h, w]) => [2, 16, h, w]));
      expect(model.featureSizes(100, 70)).toEqual([
        [25, 18],
        [13, 9],
        [7, 5],
        [4, 3],
      ]);
      const rows = model.numLocations(100, 70);
      expect(rows).toBe(25 * 18 + 13 * 9 + 7 * 5 + 4 * 3);
      const o = model.headOutputs(x);
      expect(o.cls_logits.shape).toEqual([2, rows, 3]);
      expect(o.bbox_regression.shape).toEqual([2, rows, 4]);
      expect(o.bbox_ctrness!.shape).toEqual([2, rows, 1]);
      // FCOS regresses distances through a ReLU.
      expect(Math.min(...o.bbox_regression.dataSync())).toBeGreaterThanOrEqual(0);
      const packed = model.call(x);
      expect(packed.shape).toEqual([2, rows, model.packedChannels]);
      const u = model.unpack(packed);
      expect(maxAbsDiff(u.cls_logits, o.cls_logits)).toBe(0);
      expect(maxAbsDiff(u.bbox_regression, o.bbox_regression)).toBe(0);
      expect(maxAbsDiff(u.bbox_ctrness!, o.bbox_ctrness!)).toBe(0);
      expect(() => model.unpack(o.cls_logits)).toThrow(/fcos_small\.unpack: expected \[N, ΣHWA, 8\] \(the output of forward\), got \[2, 614, 3\]/);
    });
    x.dispose();
    expect(memory().tensors).toBe(before);
    model.dispose();
  });

  it('a new detector scores every location at the prior probability 0.01 (focal-loss init)', () => {
    manualSeed(1);
    const model = createModel('retinanet_small', { ...TINY, numClasses: 4 }) as RetinaNet;
    model.eval();
    expect(priorBias(0.01)).toBeCloseTo(-Math.log(99), 12);
    expect([...model.head.classification_head.cls_logits.bias!.dataSync()].every((b) => Math.abs(b - priorBias(0.01)) < 1e-6)).toBe(true);
    const x = randn([1, 3, 64, 64]);
    tidy(() => {
      const o = model.headOutputs(x);
      // 9 anchors per location on P2–P5 of a 64×64 input.
      expect(o.cls_logits.shape).toEqual([1, 9 * (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2), 4]);
      expect(o.bbox_ctrness).toBeUndefined();
      // The towers' N(0, 0.01) weights keep the logits within ~1e-3 of the bias.
      for (const p of sigmoid(o.cls_logits).dataSync()) expect(Math.abs(p - 0.01)).toBeLessThan(1e-3);
    });
    x.dispose();
    model.dispose();
  });
});

describe("fcos_small and its twins (':plain' and single-scale) on one parameter budget", () => {
  it('parameter counts: plain equal, single-scale within 2%', async () => {
    const [full, plain, single] = await onMeta(() => [
      createModel('fcos_small', { numClasses: 3 }),
      createModel('fcos_small', { numClasses: 3, skip: false }),
      createModel('fcos_small_single_scale', { numClasses: 3 }),
    ]);
    // Backbone 702,096 + FPN 163,328 + head 152,840; single-scale: the same backbone + FPN/head at 80 channels on one level (305,128).
    expect(full.numParameters()).toBe(1_018_264);
    expect(plain.numParameters()).toBe(full.numParameters());
    expect(single.numParameters()).toBe(1_007_224);
    expect(Math.abs(single.numParameters() / full.numParameters() - 1)).toBeLessThan(0.02);
    for (const m of [full, plain, single]) m.dispose();
  });

  it('the single-scale twin predicts from P5 only', () => {
    const model = createModel('fcos_small_single_scale', { ...TINY, fpnChannels: 16 }) as FCOS;
    expect(model.levelNames).toEqual(['p5']);
    expect(model.scaleRanges).toEqual([[0, Infinity]]);
    expect(model.featureSizes(128, 128)).toEqual([[4, 4]]);
    expect(countSkips(model.backbone.fpn)).toBe(0);
    const x = randn([1, 3, 128, 128]);
    tidy(() => expect(model.call(x).shape).toEqual([1, 16, 3 + 5]));
    x.dispose();
    model.dispose();
  });

  it('the plain twin has no lateral path: P2–P4 do not depend on C2–C4, only on C5 through the top-down path', () => {
    for (const skip of [true, false]) {
      manualSeed(2);
      const model = createModel('fcos_small', { ...TINY, skip }) as FCOS;
      const fpn = model.backbone.fpn;
      // Independent leaves for C2…C5, so only the FPN's own paths connect them to the outputs.
      const cs = [4, 8, 8, 8].map((c, i) => {
        const t = randn([1, c, 16 >> i, 16 >> i]);
        t.requiresGrad = true;
        return t;
      });
      const laterals = [...fpn.inner_blocks].map(() => 0);
      const handles = [...fpn.inner_blocks].map((m, i) => m.registerForwardHook(() => void laterals[i]!++));
      tidy(() => {
        const ps = fpn.pyramid(cs);
        // ∂Σ(P3·r)/∂C: a random readout of P3 (level 1).
        sum(mul(ps[1]!, randn(ps[1]!.shape))).backward();
      });
      const gradNorm = (t: Tensor): number => (t.grad ? Math.max(...t.grad.dataSync().map(Math.abs)) : 0);
      if (skip) {
        expect(laterals).toEqual([1, 1, 1, 1]);
        expect(gradNorm(cs[1]!)).toBeGreaterThan(0);
      } else {
        // The lateral convs below the top never run; P3 sees C5 alone.
        expect(laterals).toEqual([0, 0, 0, 1]);
        expect(gradNorm(cs[0]!)).toBe(0);
        expect(gradNorm(cs[1]!)).toBe(0);
        expect(gradNorm(cs[2]!)).toBe(0);
      }
      expect(gradNorm(cs[3]!)).toBeGreaterThan(0);
      handles.forEach((h) => h.remove());
      for (const t of cs) t.dispose();
      model.dispose();
    }
  });

  it('plain: each level is the smoothing conv of the upsampled top map', () => {
    manualSeed(3);
    const model = createModel('fcos_small', { ...TINY, skip: false }) as FCOS;
    const fpn = model.backbone.fpn;
    const c5 = randn([1, 8, 2, 2]);
    const cs = [randn([1, 4, 16, 16]), randn([1, 8, 8, 8]), randn([1, 8, 4, 4]), c5];
    tidy(() => {
      const ps = fpn.pyramid(cs);
      const top = [...fpn.inner_blocks][3]!.call(c5);
      // Nearest ×2 per level (sizes double exactly here): P3 = layer_blocks.1(up×4(inner(C5))).
      const up4 = tensor(
        Array.from({ length: 16 * 8 * 8 }, (_, i) => {
          const [c, y, x] = [Math.floor(i / 64), Math.floor(i / 8) % 8, i % 8];
          return top.dataSync()[c * 4 + Math.floor(y / 4) * 2 + Math.floor(x / 4)]!;
        }),
        [1, 16, 8, 8],
      );
      expect(maxAbsDiff(ps[1]!, [...fpn.layer_blocks][1]!.call(up4))).toBeLessThan(1e-5);
    });
    for (const t of cs) t.dispose();
    model.dispose();
  });

  it('graph: the lateral skips are arcs from C2–C4 to the top-down merges; the plain twin keeps only the backbone residuals', () => {
    const model = createModel('fcos_small', { ...TINY, backbone: { widths: [2, 2, 2, 2] }, fpnChannels: 4, headNormGroups: 2 });
    expect(countSkips(model)).toBe(8 + 3);
    const g = graph(model, [1, 3, 32, 32]);
    const names = g.nodes.map((n) => n.name);
    for (const n of ['backbone.body.layer1.0.conv1', 'backbone.fpn.inner_blocks.0.0', 'backbone.fpn.layer_blocks.3.0', 'head.classification_head.cls_logits']) {
      expect(names).toContain(n);
    }
    const merges = g.nodes.filter((n) => n.type === 'TopDownSkip(add)');
    expect(merges.map((n) => n.name)).toEqual(['backbone.fpn.top_down.2', 'backbone.fpn.top_down.1', 'backbone.fpn.top_down.0']);
    // Each lateral arc starts at the output (the closing ReLU) of the backbone stage it reads: C4, C3, C2.
    const from = merges.map((m) => g.skipEdges.filter((e) => e.to === m.id).map((e) => g.nodes[e.from]!.name));
    expect(from).toEqual([['backbone.body.layer3.1.relu'], ['backbone.body.layer2.1.relu'], ['backbone.body.layer1.1.relu']]);
    model.dispose();

    const plain = createModel('fcos_small', { ...TINY, backbone: { widths: [2, 2, 2, 2] }, fpnChannels: 4, headNormGroups: 2, skip: false });
    expect(countSkips(plain)).toBe(8);
    const gp = graph(plain, [1, 3, 32, 32]);
    expect(gp.nodes.filter((n) => n.type === 'TopDownSkip(add)')).toEqual([]);
    expect(gp.nodes.map((n) => n.name).filter((n) => n.startsWith('backbone.fpn.inner_blocks'))).toEqual(['backbone.fpn.inner_blocks.3.0']);
    expect(gp.skipEdges.every((e) => gp.nodes[e.to]!.name.startsWith('backbone.body.'))).toBe(true);
    plain.dispose();
  });

  it('a training step reaches every parameter (the plain twin: all but the unused laterals)', () => {
    for (const skip of [true, false]) {
      manualSeed(4);
      const model = createModel('fcos_small', { ...TINY, skip }) as FPNDetector;
      model.train();
      const x = randn([2, 3, 32, 32]);
      tidy(() => sum(mul(model.call(x), randn([2, model.numLocations(32, 32), model.packedChannels]))).backward());
      const missing = model
        .namedParameters()
        .filter(([, p]) => !p.grad)
        .map(([n]) => n);
      expect(missing).toEqual(
        skip
          ? []
          : [
              'backbone.fpn.inner_blocks.0.0.weight',
              'backbone.fpn.inner_blocks.0.0.bias',
              'backbone.fpn.inner_blocks.1.0.weight',
              'backbone.fpn.inner_blocks.1.0.bias',
              'backbone.fpn.inner_blocks.2.0.weight',
              'backbone.fpn.inner_blocks.2.0.bias',
            ],
      );
      x.dispose();
      model.zeroGrad();
      model.dispose();
    }
  });
});

describe('builder checks name the problem', () => {
  it('rejects pyramids, anchors and norms that do not fit', () => {
    expect(() => new FCOS({ ...TINY, returnedLayers: [2, 3] })).toThrow(/returnedLayers \[2, 3\] must be increasing stage numbers 1…4 ending at 4/);
    expect(() => new FCOS({ ...TINY, headNormGroups: 5 })).toThrow(/headNormGroups 5 must divide fpnChannels 16/);
    expect(() => new RetinaNet({ ...TINY, anchorSizes: [[32]] })).toThrow(/anchorSizes has 1 level lists, the pyramid has 5 levels/);
    expect(() => new RetinaNet({ ...TINY, extraLevels: false, returnedLayers: [3, 4], anchorSizes: [[8], [16, 32]] })).toThrow(
      /same number of anchors per location/,
    );
    expect(() => new FCOS({ ...TINY, aspectRatios: Array.from({ length: 5 }, () => [1, 2]) })).toThrow(/FCOS has one anchor per location/);
    expect(() => new FCOS({ ...TINY, extraLevels: false, scaleRanges: [[0, 8]] })).toThrow(/scaleRanges needs one \[min, max\) pair/);
    const model = createModel('fcos_small', { ...TINY, inChannels: 1 });
    const x = randn([1, 3, 32, 32]);
    expect(() => model.call(x)).toThrow(/fcos_small: expected input \[N, 1, H, W\], got \[1, 3, 32, 32\]/);
    x.dispose();
    model.dispose();
  });
});
