/**
 * DETR against PyTorch (fixtures/generate_detr.py, facebookresearch/detr's modules re-written in
 * plain torch): `detr_resnet50` has every key and shape of detr's hubconf model and its
 * parameter counts; a tiny DETR's state dict loads strictly and reproduces every decoder layer's
 * logits and boxes; the set criterion reproduces detr's matching, losses and gradients on a
 * fixture; gradients by finite differences; the Detector interface (pixel targets, postprocess).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, contiguous, countSkips, grad, loadTensors, manualSeed, memory, permute, randn, reshape, slice, tensor, tidy, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { gradCheck, useBackend } from '@skipnet/core/testing';
import {
  DETR,
  FrozenBatchNorm2d,
  Detector,
  createModel,
  hungarianMatch,
  onMeta,
  pixelTargetsToDETR,
  setCriterion,
  weightedSetLoss,
  type DETROptions,
} from './index.js';
import { maxAbsDiff } from './test/helpers.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const dir = new URL('../../../fixtures/models/', import.meta.url);
const load = (file: string): Record<string, Tensor> => loadTensors(new Uint8Array(readFileSync(new URL(file, dir))), `fixtures/models/${file}`).tensors;
const FULL = JSON.parse(readFileSync(new URL('detr_state_shapes.json', dir), 'utf8')) as {
  parameters: number;
  trainable: number;
  keys: Record<string, number[]>;
};

/** The tiny configuration of fixtures/generate_detr.py. */
const TINY: DETROptions = {
  backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8] },
  dModel: 16,
  nhead: 2,
  numEncoderLayers: 2,
  numDecoderLayers: 2,
  dimFeedforward: 32,
  numQueries: 5,
  numClasses: 3,
};

/** `[L, N, …]` → `[N, L, …]` (the fixture's layer-first layout to the model's batch-first). */
const batchFirst = (t: Tensor): Tensor => contiguous(permute(t, [1, 0, ...Array.from({ length: t.rank - 2 }, (_, i) => i + 2)]));

describe('detr_resnet50', () => {
  it(`has detr's ${Object.keys(FULL.keys).length} keys and shapes, ${FULL.parameters.toLocaleString('en-US')} parameters, ${FULL.trainable.toLocaleString('en-US')} trainable`, async () => {
    const model = await onMeta(() => createModel('detr_resnet50'));
    const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));
    expect(shapes).toEqual(FULL.keys);
    expect(model.numParameters()).toBe(41_524_768);
    expect(model.numParameters({ trainableOnly: true })).toBe(41_302_368);
    expect([FULL.parameters, FULL.trainable]).toEqual([41_524_768, 41_302_368]);
    // 2 residuals per encoder layer, 3 per decoder layer, and ResNet-50's 16 blocks.
    expect(countSkips(model)).toBe(6 * 2 + 6 * 3 + 16);
    expect(model).toBeInstanceOf(Detector);
    model.dispose();
  });

  it('the plain twin removes the 30 Transformer residuals and keeps every key', async () => {
    const model = await onMeta(() => createModel('detr_resnet50', { skip: false }));
    expect(countSkips(model)).toBe(16);
    expect(countSkips(model, { all: true })).toBe(46);
    expect(model.numParameters()).toBe(41_524_768);
    model.dispose();
  });
});

describe('a tiny DETR loads detr state dicts strictly and reproduces them', () => {
  it('every decoder layer: logits and sigmoid boxes within 1e-4', () => {
    const state = load('detr_tiny.safetensors');
    const io = load('detr_tiny.io.safetensors');
    const model = new DETR({ ...TINY, dropout: 0.5 });
    expect(model.loadStateDict(state, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Object.keys(state).some((k) => k.endsWith('num_batches_tracked'))).toBe(false);
    expect(model.backbone.backbone.body.bn1).toBeInstanceOf(FrozenBatchNorm2d);
    model.eval();
    tidy(() => {
      const packed = model.call(io.input!);
      expect(packed.shape).toEqual([2, 2, 5, 3 + 1 + 4]);
      const out = model.outputs(packed);
      expect(maxAbsDiff(out.pred_logits, io.pred_logits!), 'pred_logits').toBeLessThan(1e-4);
      expect(maxAbsDiff(out.pred_boxes, io.pred_boxes!), 'pred_boxes').toBeLessThan(1e-4);
      expect(maxAbsDiff(out.logits, batchFirst(io.all_logits!)), 'aux logits').toBeLessThan(1e-4);
      expect(maxAbsDiff(out.boxes, batchFirst(io.all_boxes!)), 'aux boxes').toBeLessThan(1e-4);
      expect(out.aux_outputs).toHaveLength(1);
      const first = (t: Tensor, c: number): Tensor => reshape(slice(t, [0, 0, 0, 0], [1, 2, 5, c]), [2, 5, c]);
      expect(maxAbsDiff(out.aux_outputs[0]!.pred_logits, first(io.all_logits!, 4)), 'aux_outputs[0] logits').toBeLessThan(1e-4);
      expect(maxAbsDiff(out.aux_outputs[0]!.pred_boxes, first(io.all_boxes!, 4)), 'aux_outputs[0] boxes').toBeLessThan(1e-4);
    });
    model.dispose();
    for (const t of [...Object.values(state), ...Object.values(io)]) t.dispose();
  });
});

describe("DETR's set criterion (HungarianMatcher + SetCriterion)", () => {
  const CLASSES = 4;

  it('reproduces detr: the matching of every layer, the 9 losses, the weighted total and its gradients', () => {
    const f = load('detr_criterion.safetensors');
    const logits = batchFirst(f.pred_logits!);
    const boxes = batchFirst(f.pred_boxes!);
    const [n, l, q] = logits.shape as [number, number, number, number];
    const k = f.targets!.shape[1]!;
    const expectedMatch = f.matched!.dataSync();
    const run = (lg: Tensor, bx: Tensor) => setCriterion(lg, bx, f.targets!, { numClasses: CLASSES, eosCoef: 0.1 });
    const { losses, matched } = run(logits, boxes);
    expect(matched).toHaveLength(l);
    matched.forEach((m, layer) => expect(Array.from(m), `layer ${layer}`).toEqual(Array.from(expectedMatch.subarray(layer * n * k, (layer + 1) * n * k))));
    expect(Object.keys(losses).sort()).toEqual([
      'loss_bbox',
      'loss_bbox_0',
      'loss_bbox_1',
      'loss_ce',
      'loss_ce_0',
      'loss_ce_1',
      'loss_giou',
      'loss_giou_0',
      'loss_giou_1',
    ]);
    for (const [name, v] of Object.entries(losses)) expect(v.dataSync()[0]!, name).toBeCloseTo(f[name]!.dataSync()[0]!, 5);
    const [gLogits, gBoxes] = grad((lg: Tensor, bx: Tensor) => weightedSetLoss(run(lg, bx).losses))(logits, boxes) as [Tensor, Tensor];
    expect(weightedSetLoss(losses).dataSync()[0]!).toBeCloseTo(f.loss!.dataSync()[0]!, 4);
    expect(maxAbsDiff(gLogits, batchFirst(f.grad_logits!))).toBeLessThan(1e-5);
    expect(maxAbsDiff(gBoxes, batchFirst(f.grad_boxes!))).toBeLessThan(1e-5);
    expect(q).toBe(6);
  });

  it('gradients match finite differences (matching held fixed by small steps)', async () => {
    const f = load('detr_criterion.safetensors');
    const logits = batchFirst(f.pred_logits!);
    const boxes = batchFirst(f.pred_boxes!);
    await gradCheck(
      'set criterion',
      (lg, bx) => weightedSetLoss(setCriterion(lg!, bx!, f.targets!, { numClasses: CLASSES }).losses),
      [
        { shape: logits.shape, data: Float32Array.from(logits.dataSync()) },
        { shape: boxes.shape, data: Float32Array.from(boxes.dataSync()) },
      ],
      { atol: 2e-3, rtol: 2e-2 },
      { eps: 1e-3, samples: 24 },
    );
  });

  it('matches each target to one query, more queries than targets, and ignores padding', () => {
    // Query 3 predicts target 0 exactly (class and box), query 1 target 1; others are far off.
    const q = 5;
    const logit = new Float32Array(q * 3).fill(0);
    const box = new Float32Array(q * 4);
    for (let i = 0; i < q; i++) box.set([0.9, 0.9, 0.05, 0.05], i * 4);
    box.set([0.3, 0.3, 0.2, 0.2], 3 * 4);
    logit[3 * 3 + 0] = 5;
    box.set([0.6, 0.5, 0.3, 0.1], 1 * 4);
    logit[1 * 3 + 1] = 5;
    const targets = tensor(new Float32Array([0.6, 0.5, 0.3, 0.1, 1, 0.3, 0.3, 0.2, 0.2, 0, -1, -1, -1, -1, -1]), [1, 3, 5]);
    const m = hungarianMatch(tensor(logit, [1, q, 3]), tensor(box, [1, q, 4]), targets, { numClasses: 2 });
    expect(Array.from(m)).toEqual([1, 3, -1]);
  });
});

describe('DETR as a Detector: pixel targets in, detections out', () => {
  const SMALL: DETROptions = { ...TINY, frozenBatchNorm: false, freezeStem: false, numClasses: 2 };

  it('pixel boxes become normalised cx cy w h; padding stays -1', () => {
    const t = tensor(new Float32Array([10, 20, 30, 60, 1, -1, -1, -1, -1, -1]), [1, 2, 5]);
    expect(Array.from(pixelTargetsToDETR(t, [80, 40], 1).dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 1, -1, -1, -1, -1, -1]);
  });

  it('a training step reaches every trainable parameter; frozen ones get no gradient', () => {
    manualSeed(3);
    const model = new DETR({ ...TINY, numClasses: 2 });
    model.train();
    const x = randn([2, 3, 64, 64]);
    const targets = tensor(new Float32Array([4, 4, 30, 40, 0, 32, 10, 60, 30, 1, 8, 8, 20, 20, 1, -1, -1, -1, -1, -1]), [2, 2, 5]);
    tidy(() => model.loss(model.call(x), targets, [64, 64]).backward());
    // A second step leaves no tensor behind (host-built targets and costs are freed too).
    const before = memory().tensors;
    tidy(() => model.loss(model.call(x), targets, [64, 64]).backward());
    expect(memory().tensors).toBe(before);
    for (const [name, p] of model.namedParameters()) {
      if (/^backbone\.0\.body\.(conv1|layer1)\./.test(name)) expect(p.requiresGrad, name).toBe(false);
      else expect(p.grad, name).toBeTruthy();
    }
    model.dispose();
  });

  it('learns a fixed batch: the set loss falls and the matched queries find the boxes', async () => {
    manualSeed(11);
    // Frozen BN and no dropout: training and evaluation compute the same function.
    const model = new DETR({ ...TINY, numClasses: 2, freezeStem: false, dropout: 0 });
    model.train();
    const x = randn([2, 3, 64, 64]);
    const targets = tensor(new Float32Array([4, 4, 30, 40, 0, 32, 10, 60, 30, 1, 8, 8, 20, 20, 1, -1, -1, -1, -1, -1]), [2, 2, 5]);
    const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
    const loss = (): Tensor => model.loss(model.call(x), targets, [64, 64]);
    const first = tidy(() => loss().dataSync()[0]!);
    for (let step = 0; step < 80; step++) {
      opt.zeroGrad();
      tidy(() => loss().backward());
      opt.step();
    }
    const last = tidy(() => loss().dataSync()[0]!);
    expect(last).toBeLessThan(0.5 * first);
    model.eval();
    const [d] = await model.postprocess(
      tidy(() => model.call(x)),
      [64, 64],
      { detectionsPerImage: 2 },
    );
    // The two best detections of image 0 are its two objects: each label's box overlaps its target.
    expect(Array.from(d!.labels).sort()).toEqual([0, 1]);
    const truth: Record<number, number[]> = { 0: [4, 4, 30, 40], 1: [32, 10, 60, 30] };
    const iou = (a: number[], b: number[]): number => {
      const inter = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!)) * Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
      const area = (r: number[]): number => (r[2]! - r[0]!) * (r[3]! - r[1]!);
      return inter / (area(a) + area(b) - inter);
    };
    d!.labels.forEach((label, i) => expect(iou(Array.from(d!.boxes.subarray(i * 4, i * 4 + 4)), truth[label]!), `label ${label}`).toBeGreaterThan(0.5));
    model.dispose();
  });

  it('postprocess: softmax scores without no-object, boxes in pixels, best first', async () => {
    manualSeed(5);
    const model = new DETR(SMALL);
    model.eval();
    const packed = model.call(randn([1, 3, 64, 96]));
    const [d] = await model.postprocess(packed, [64, 96]);
    expect(d!.scores.length).toBe(5);
    for (let i = 1; i < 5; i++) expect(d!.scores[i]!).toBeLessThanOrEqual(d!.scores[i - 1]!);
    const values = packed.dataSync();
    const { pred_boxes } = model.outputs(packed);
    expect(Math.max(...d!.labels)).toBeLessThan(2);
    // every box is a query's cx cy w h scaled to pixels
    const b = pred_boxes.dataSync();
    const pixel = Array.from({ length: 5 }, (_, i) => [(b[i * 4]! - b[i * 4 + 2]! / 2) * 96, (b[i * 4 + 1]! - b[i * 4 + 3]! / 2) * 64]);
    expect(pixel.some(([x1, y1]) => Math.abs(x1! - d!.boxes[0]!) < 1e-3 && Math.abs(y1! - d!.boxes[1]!) < 1e-3)).toBe(true);
    expect(values.length).toBe(1 * 2 * 5 * 7);
    const [few] = await model.postprocess(packed, [64, 96], { scoreThreshold: 0.99, detectionsPerImage: 2 });
    expect(few!.scores.length).toBeLessThanOrEqual(2);
    model.dispose();
  });

  it('detr_small: ResNet-18 quarter width, d 64, 2 + 2 layers, 20 queries, from the registry', () => {
    const model = createModel('detr_small', { numClasses: 3 }) as DETR;
    expect(model).toBeInstanceOf(Detector);
    expect([model.numQueries, model.dModel, model.numDecoderLayers, model.numClasses]).toEqual([20, 64, 2, 3]);
    expect(model.numParameters({ trainableOnly: true })).toBe(model.numParameters());
    const y = tidy(() => model.call(randn([1, 3, 128, 128])));
    expect(y.shape).toEqual([1, 2, 20, 3 + 5]);
    model.dispose();
  });
});
