import { memory, tensor, zeros } from '@skipnet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { clipGradNorm, gradNorms } from './grad.js';
import { flattenLogits, taskLoss } from './loss.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

describe('gradient norms and clipping', () => {
  it('clips by the global L2 norm and returns the norm before clipping', async () => {
    const a = zeros([1]).requiresGrad_();
    const b = zeros([2]).requiresGrad_();
    const c = zeros([1]).requiresGrad_(); // no gradient: norm 0, left alone
    a.grad = tensor([3]);
    b.grad = tensor([0, 4]);
    const before = memory().tensors;
    const norms = gradNorms([a, ['b', b] as const, c]);
    expect(Array.from(await norms.data())).toEqual([3, 4, 0]);
    norms.dispose();
    const total = clipGradNorm([a, b, c], 1);
    expect(await total.item()).toBe(5);
    total.dispose();
    expect(Array.from(await a.grad.data())[0]).toBeCloseTo(0.6, 6);
    expect(Array.from(await b.grad!.data())[1]).toBeCloseTo(0.8, 6);
    expect(c.grad).toBeNull();
    // Below the threshold: unchanged (scale min(1, 10/1) = 1).
    const again = clipGradNorm([a, b], 10);
    expect(await again.item()).toBeCloseTo(1, 5);
    again.dispose();
    expect(Array.from(await a.grad!.data())[0]).toBeCloseTo(0.6, 6);
    expect(memory().tensors).toBe(before);
    for (const p of [a, b, c]) p.dispose();
  });

  it('rejects a non-positive maxNorm', () => {
    const a = zeros([1]).requiresGrad_();
    expect(() => clipGradNorm([a], 0)).toThrow(/maxNorm must be > 0/);
    a.dispose();
  });
});

describe('task loss', () => {
  it('language logits [N, T, V] use the last axis as classes', async () => {
    const logits = tensor([0, Math.log(3), 0, 0], [1, 2, 2]);
    const targets = tensor([1, 0], [1, 2], { dtype: 'int32' });
    const loss = taskLoss(logits, targets, 'language');
    expect(await loss.item()).toBeCloseTo((-Math.log(0.75) + Math.log(2)) / 2, 6);
    expect(() => flattenLogits(logits, targets, 'classification')).toThrow(
      /classification: expected logits and targets of shapes \[N, C\] and \[N\], got \[1, 2, 2\]/,
    );
    for (const t of [logits, targets, loss]) t.dispose();
  });
});
