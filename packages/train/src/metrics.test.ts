import { memory, tensor } from '@skipnet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { Accuracy, ConfusionMatrix, MeanIoU, MeanLoss, Perplexity, PixelAccuracy, TopKAccuracy, createMetric, defaultMetrics } from './metrics.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const f32 = (data: number[], shape: number[]) => tensor(data, shape);
const i32 = (data: number[], shape: number[]) => tensor(data, shape, { dtype: 'int32' });

/** Segmentation logits that predict `pred` (an [N, H, W] class map) with margin 5. */
function segLogits(pred: number[], n: number, h: number, w: number, classes: number) {
  const data = new Array<number>(n * classes * h * w).fill(0);
  pred.forEach((c, i) => {
    const b = Math.floor(i / (h * w));
    const pix = i % (h * w);
    data[(b * classes + c) * h * w + pix] = 5;
  });
  return f32(data, [n, classes, h, w]);
}

describe('metrics', () => {
  it('accuracy counts arg-max hits over batches and skips ignored targets', async () => {
    const before = memory().tensors;
    const m = new Accuracy();
    const logits = f32([2, 1, 0, 0, 3, 1, 1, 0, 0.5, 0, 0, 5], [4, 3]);
    const targets = i32([0, 1, 2, 2], [4]); // predictions 0, 1, 0, 2 → 3 of 4
    await m.update(logits, targets);
    expect(m.compute()).toBe(3 / 4);
    const t2 = i32([2, -100, -100, -100], [4]); // one more miss, three ignored
    await m.update(logits, t2);
    expect(m.compute()).toBe(3 / 5);
    const restored = new Accuracy();
    restored.loadStateDict(m.stateDict());
    expect(restored.compute()).toBe(3 / 5);
    m.reset();
    expect(m.compute()).toBeNaN();
    // The metric borrows its inputs: they are still alive.
    expect([logits.isDisposed, targets.isDisposed, t2.isDisposed]).toEqual([false, false, false]);
    for (const t of [logits, targets, t2]) t.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('top-k accuracy: a hit when fewer than k classes score higher', async () => {
    const m = new TopKAccuracy({ k: 2 });
    expect(m.name).toBe('top2Accuracy');
    // target logit 1 (two above: miss), 0 (three above: miss), 2 (one above: hit)
    await m.update(f32([3, 2, 1, 0, 0, 1, 2, 3, 1, 3, 2, 0], [3, 4]), i32([2, 0, 2], [3]));
    expect(m.compute()).toBeCloseTo(1 / 3, 12);
    const top5 = createMetric('top5Accuracy');
    // 6 classes: target 0 has the lowest logit (5 above: miss); target 5 has 4 above (hit)
    await top5.update(f32([0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 1.5], [2, 6]), i32([0, 5], [2]));
    expect(top5.name).toBe('top5Accuracy');
    expect(top5.compute()).toBe(1 / 2);
  });

  it('pixel accuracy and mean IoU from the confusion matrix, over classes present', async () => {
    // targets [[0,1],[1,2]], predictions [[0,1],[2,2]] with 4 classes (class 3 nowhere):
    // confusion (t,p): (0,0) (1,1) (1,2) (2,2). Pixel accuracy 3/4.
    // IoU: class 0 = 1/1, class 1 = 1/2 (one FN), class 2 = 1/2 (one FP); mean over 3 classes = 2/3.
    const logits = segLogits([0, 1, 2, 2], 1, 2, 2, 4);
    const targets = i32([0, 1, 1, 2], [1, 2, 2]);
    const pa = new PixelAccuracy();
    const miou = new MeanIoU();
    await pa.update(logits, targets);
    await miou.update(logits, targets);
    expect(pa.compute()).toBe(3 / 4);
    expect(miou.compute()).toBeCloseTo(2 / 3, 12);
    expect(miou.matrix.iou().slice(0, 3)).toEqual([1, 0.5, 0.5]);
    expect(miou.matrix.iou()[3]).toBeNaN();

    // A second batch: class 3 predicted once where the target is 0 (so class 3 now counts,
    // with IoU 0), and a void pixel (255) that is skipped.
    const cm = new ConfusionMatrix({ ignoreIndex: 255 });
    await cm.update(logits, targets);
    await cm.update(segLogits([3, 0, 0, 1], 1, 2, 2, 4), i32([0, 0, 255, 1], [1, 2, 2]));
    // counts (t,p): (0,0)×2 (1,1)×2 (1,2) (2,2) (0,3)
    // IoU: c0 = 2/(3+2-2) = 2/3, c1 = 2/3, c2 = 1/2, c3 = 0 → mean (2/3+2/3+1/2+0)/4
    expect(cm.accuracy()).toBeCloseTo(5 / 7, 12);
    expect(cm.meanIoU()).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 2 + 0) / 4, 12);
    const copy = new ConfusionMatrix();
    copy.loadStateDict(cm.stateDict());
    expect(copy.meanIoU()).toBe(cm.meanIoU());
  });

  it('perplexity is exp of the mean token cross-entropy; ignored tokens do not count', async () => {
    // tokens: p(target) = 0.75 ([0, ln 3] → class 1), then 0.5 ([0, 0] → class 0), then ignored
    const logits = f32([0, Math.log(3), 0, 0, 7, -7], [1, 3, 2]);
    const targets = i32([1, 0, -100], [1, 3]);
    const ppl = new Perplexity();
    await ppl.update(logits, targets);
    expect(ppl.compute()).toBeCloseTo(Math.sqrt(2 / 0.75), 5);
    const ce = new MeanLoss();
    await ce.update(logits, targets);
    expect(ce.name).toBe('crossEntropy');
    expect(ce.compute()).toBeCloseTo((-Math.log(0.75) + Math.log(2)) / 2, 6);
    // Label smoothing ε mixes in the mean of −log p over classes: (1−ε)·nll + ε·mean(−log p).
    const smooth = new MeanLoss({ labelSmoothing: 0.2 });
    await smooth.update(f32([0, Math.log(3)], [1, 2]), i32([1], [1]));
    const expected = 0.8 * -Math.log(0.75) + 0.2 * ((-Math.log(0.25) - Math.log(0.75)) / 2);
    expect(smooth.compute()).toBeCloseTo(expected, 6);
  });

  it('rejects out-of-range targets and names the defaults per task', async () => {
    await expect(new Accuracy().update(f32([1, 2], [1, 2]), i32([3], [1]))).rejects.toThrow(/target 3 is out of range for 2 classes/);
    expect(defaultMetrics('classification')).toEqual(['accuracy']);
    expect(defaultMetrics('segmentation')).toEqual(['pixelAccuracy', 'meanIoU']);
    expect(defaultMetrics('language')).toEqual(['perplexity']);
    expect(() => createMetric('bogus' as 'accuracy')).toThrow(/unknown metric "bogus"/);
  });
});
