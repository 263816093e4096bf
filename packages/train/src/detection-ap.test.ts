/**
 * `DetectionAP` inside the trainer: a one-box model learns the box every image shares, and
 * the validation AP, read from padded `[N, K, 5]` targets through the post-processing hook,
 * goes from 0 to the value the data allows.
 */
import { abs, mean, narrow, tensor, type Tensor } from '@skipnet/core';
import { useBackend } from '@skipnet/core/testing';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { DataLoader, boxTarget, type DescribedDataset, type Sample } from '@skipnet/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetectionAP, type ImageDetections } from './detection-metrics.js';
import { TinyBoxModel } from './test/helpers.js';
import { Trainer } from './trainer.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const SHARED: [number, number, number, number] = [2, 2, 10, 10];
const FAR: [number, number, number, number] = [20, 20, 30, 30];

/** Every image holds the shared box (class 0); odd images also a far box of class 1 that the model never predicts. */
function scenes(n: number): DescribedDataset {
  const samples: Sample[] = Array.from({ length: n }, (_, i) => {
    const boxes = i % 2 ? [...SHARED, ...FAR] : SHARED;
    return { x: Float32Array.of(1), xShape: [1], ...boxTarget(Float32Array.from(boxes), Int32Array.from(i % 2 ? [0, 1] : [0])) };
  });
  return {
    name: 'two-boxes',
    split: 'train',
    task: 'detection',
    inputShape: [1],
    inputDType: 'float32',
    targetShape: [-1, 5],
    numClasses: 2,
    classNames: ['shared', 'far'],
    length: n,
    get: (i) => samples[i]!,
  };
}

/** The model's box as one detection of class 0, score 1, per image. */
async function postprocess(outputs: Tensor): Promise<ImageDetections[]> {
  const v = await outputs.data();
  return Array.from({ length: outputs.shape[0]! }, (_, i) => ({
    boxes: Float32Array.from(v.slice(i * 4, i * 4 + 4)),
    scores: Float32Array.of(1),
    labels: Int32Array.of(0),
  }));
}

/** L1 between the predicted box and each image's first (shared) box. */
const loss = (out: Tensor, y: Tensor): Tensor => mean(abs(out.sub(narrow(y, 2, 0, 4).slice([0, 0, 0], [-1, 1, 4]).reshape([-1, 4]))));

describe('DetectionAP', () => {
  it('reports AP, AP50 and the size figures as validation logs, from 0 before training to 0.5 after (one class never predicted)', async () => {
    const model = new TinyBoxModel([0, 0, 4, 4]);
    const train = new DataLoader(scenes(8), { batchSize: 4, shuffle: false });
    const val = new DataLoader(scenes(6), { batchSize: 4, shuffle: false });
    const metric = () => new DetectionAP({ postprocess, numClasses: 2, areaRanges: { small: [0, 50], medium: [50, 80], large: [80, Infinity] } });
    const trainer = new Trainer({ model, task: 'detection', loss, optimizer: { kind: 'adam', lr: 0.2 }, metrics: [metric], trainMetrics: false });
    const before = await trainer.evaluate(val);
    expect(before.metrics.AP).toBe(0);
    const result = await trainer.fit({ train, val, epochs: 60 });
    const last = result.history.at(-1)!;
    // Class 0 is found exactly in every image, class 1 never: the mean over classes is 0.5.
    expect(last.logs.val_AP).toBeCloseTo(0.5, 6);
    expect(last.logs.val_AP50).toBeCloseTo(0.5, 6);
    expect(last.logs.val_AP75).toBeCloseTo(0.5, 6);
    // The shared box is 64 px² (medium), the far one 100 px² (large, never found).
    expect(last.logs.val_APmedium).toBeCloseTo(1, 6);
    expect(last.logs.val_APlarge).toBe(0);
    expect(Number.isNaN(last.logs.val_APsmall)).toBe(true);
    model.dispose();
  });

  it('round-trips its state, and names a target that is not padded boxes', async () => {
    const a = new DetectionAP({ postprocess, numClasses: 2 });
    const out = tensor(Float32Array.from([...SHARED, ...SHARED]), [2, 4]);
    const y = tensor(Float32Array.from([...SHARED, 0, ...FAR, 1, ...SHARED, 0, -1, -1, -1, -1, -1]), [2, 2, 5]);
    await a.update(out, y);
    const b = new DetectionAP({ postprocess, numClasses: 2 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.compute()).toBe(a.compute());
    expect(b.figures()).toEqual(a.figures());
    expect(a.evaluator.size).toBe(2);
    await expect(a.update(out, tensor(Float32Array.from([0, 1]), [2]))).rejects.toThrow(/padded boxes \[N, K, 5\], got \[2\]/);
    a.reset();
    expect(Number.isNaN(a.compute())).toBe(true);
    for (const t of [out, y]) t.dispose();
  });

  it("the trainer refuses detection without the detector's loss", () => {
    const model = new TinyBoxModel();
    expect(() => new Trainer({ model, task: 'detection', optimizer: { kind: 'sgd', lr: 0.1 } })).toThrow(/detection needs the detector's loss/);
    model.dispose();
  });
});
