import { tensor } from '@skipnet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { MaskedTokenAccuracy, MeanLoss, createMetric, defaultMetrics } from './metrics.js';
import { taskLoss } from './loss.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

// Logits [N=1, T=3, V=3] and targets with only position 1 and 2 masked (-100 at 0).
const LOGITS = [
  [5, 0, 0],
  [0.5, 2, -1],
  [1, 0, 3],
];
const TARGETS = [-100, 1, 0];

/** Cross-entropy of one row in float64. */
function ce(row: number[], target: number): number {
  const m = Math.max(...row);
  return Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m - row[target]!;
}

describe('masked-lm', () => {
  it('the loss is the mean cross-entropy over the masked positions only (labels -100 elsewhere, as HF)', async () => {
    const logits = tensor(LOGITS.flat(), [1, 3, 3]);
    const y = tensor(TARGETS, [1, 3], { dtype: 'int32' });
    const loss = taskLoss(logits, y, 'masked-lm');
    const expected = (ce(LOGITS[1]!, 1) + ce(LOGITS[2]!, 0)) / 2;
    expect((await loss.data())[0]).toBeCloseTo(expected, 5);
    const mean = new MeanLoss({ task: 'masked-lm' });
    await mean.update(logits, y);
    expect(mean.compute()).toBeCloseTo(expected, 5);
    for (const t of [logits, y, loss]) t.dispose();
  });

  it('maskedTokenAccuracy counts the masked positions only, and is the default metric', async () => {
    const logits = tensor(LOGITS.flat(), [1, 3, 3]);
    const y = tensor(TARGETS, [1, 3], { dtype: 'int32' });
    // Position 1: argmax 1 = target (hit); position 2: argmax 2 ≠ 0 (miss); position 0 ignored.
    const m = new MaskedTokenAccuracy({ task: 'masked-lm' });
    await m.update(logits, y);
    expect(m.compute()).toBe(0.5);
    expect(m.name).toBe('maskedTokenAccuracy');
    expect(m.stateDict()).toEqual({ correct: 1, total: 2 });
    expect(defaultMetrics('masked-lm')).toEqual(['maskedTokenAccuracy']);
    expect(createMetric('maskedTokenAccuracy')).toBeInstanceOf(MaskedTokenAccuracy);
    for (const t of [logits, y]) t.dispose();
  });
});
