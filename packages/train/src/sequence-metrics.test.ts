import { memory, tensor, type Tensor } from '@skipnet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { ExactMatch } from './sequence-metrics.js';
import { Accuracy, defaultMetrics } from './metrics.js';
import { taskLoss } from './loss.js';
import { evaluateBatches } from './evaluate.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const i32 = (data: number[], shape: number[]) => tensor(data, shape, { dtype: 'int32' });

describe('translation', () => {
  it('ExactMatch compares decoded sequences with the targets up to <eos>', async () => {
    // Targets: [5 6 <eos> pad], [7 <eos> pad pad], [8 9 9 <eos>]; eos = 2, padding -100.
    const y = i32([5, 6, 2, -100, 7, 2, -100, -100, 8, 9, 9, 2], [3, 4]);
    const x = i32([0, 1, 2], [3, 1]);
    const seen: number[][] = [];
    const m = new ExactMatch({
      eos: 2,
      decode: async (inputs: Tensor) => {
        seen.push(Array.from(await inputs.data()));
        return [
          [5, 6],
          [7, 3],
          [8, 9],
        ];
      },
    });
    await m.update(tensor(new Float32Array(3 * 4 * 10), [3, 4, 10]), y, x);
    expect(seen).toEqual([[0, 1, 2]]);
    expect(m.compute()).toBeCloseTo(1 / 3, 12);
    const copy = new ExactMatch({ eos: 2, decode: async () => [] });
    copy.loadStateDict(m.stateDict());
    expect(copy.compute()).toBeCloseTo(1 / 3, 12);
    await expect(m.update(y, y)).rejects.toThrow(/needs the batch's inputs/);
    await expect(copy.update(y, y, x)).rejects.toThrow(/decode returned 0 sequences for a batch of 3/);
    m.reset();
    expect(m.compute()).toBeNaN();
    for (const t of [x, y]) t.dispose();
  });

  it('the loss and token accuracy read [N, T, V] logits and skip padded targets', async () => {
    expect(defaultMetrics('translation')).toEqual(['accuracy']);
    // Two positions count; the padded third would be wrong but is ignored.
    const logits = tensor([5, 0, 0, 0, 5, 0, 5, 0, 0], [1, 3, 3]);
    const y = i32([0, 1, -100], [1, 3]);
    const acc = new Accuracy({ task: 'translation' });
    await acc.update(logits, y);
    expect(acc.compute()).toBe(1);
    const loss = taskLoss(logits, y, 'translation');
    const expected = -Math.log(Math.exp(5) / (Math.exp(5) + 2));
    expect((await loss.data())[0]).toBeCloseTo(expected, 5);
    for (const t of [logits, y, loss]) t.dispose();
  });

  it('evaluateBatches hands each batch input to the metrics and frees it', async () => {
    const before = memory().tensors;
    const inputs: number[][] = [];
    const m = new ExactMatch({
      eos: 2,
      decode: async (x) => {
        inputs.push(Array.from(await x.data()));
        return [[4]];
      },
    });
    const batch = { x: Int32Array.from([9, 9]), xShape: [1, 2], y: Int32Array.from([4, 2]), yShape: [1, 2] };
    const forward = (x: Tensor) =>
      x
        .cast('float32')
        .reshape([1, 2, 1])
        .add(tensor(new Float32Array(5), [1, 1, 5]));
    const r = await evaluateBatches(forward, (l, t) => taskLoss(l, t, 'translation'), [m], [batch, batch]);
    expect(inputs).toEqual([
      [9, 9],
      [9, 9],
    ]);
    expect(r.metrics.exactMatch).toBe(1);
    expect(memory().tensors).toBe(before);
  });
});
