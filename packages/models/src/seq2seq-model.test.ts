/**
 * The translation model and the searches: shapes, causality and padding of the teacher-forced
 * forward; greedy and beam search on hand-made scorers (beam 1 is greedy; a wider beam finds
 * the better sequence greedy misses); and on a random model, batched greedy decoding equals
 * per-source greedy and beam-1 search.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countSkips, manualSeed, memory, noGrad, slice, tensor, tidy, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import {
  Seq2SeqTransformer,
  beamSearch,
  beamSearchDecode,
  createModel,
  greedyDecode,
  greedySearch,
  greedySearchDecode,
  type NextTokenScorer,
} from './index.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const tiny = (skip = true): Seq2SeqTransformer =>
  createModel('transformer_seq2seq_small', { dModel: 16, nhead: 2, dimFeedforward: 32, dropout: 0, skip }) as Seq2SeqTransformer;

/** A scorer from a table: prefix (tokens after <bos>, joined by ',') → next-token probabilities. */
function tableScorer(table: Record<string, number[]>): NextTokenScorer {
  return async (prefixes) =>
    prefixes.map((p) => {
      const probs = table[p.slice(1).join(',')];
      if (!probs) throw new Error(`no row for prefix ${p.join(',')}`);
      return Float32Array.from(probs, (q) => Math.log(q));
    });
}

describe('Seq2SeqTransformer', () => {
  it('maps packed [N, 6 + T] ids to [N, T, V] logits; the plain twin has no residuals', () => {
    manualSeed(0);
    const model = tiny();
    const plain = tiny(false);
    // Two residuals per encoder layer, three per decoder layer.
    expect(countSkips(model)).toBe(10);
    expect([countSkips(plain, { all: true }), countSkips(plain)]).toEqual([10, 0]);
    expect(Object.keys(model.stateDict())).toContain('transformer.decoder.layers.1.multihead_attn.in_proj_weight');
    expect(Object.keys(model.stateDict())).toContain('generator.weight');
    const x = tensor(Int32Array.from([5, 1, 8, 2, 0, 0, 1, 7, 31, 10, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0]), [2, 16], {
      dtype: 'int32',
    });
    tidy(() => expect(model.call(x).shape).toEqual([2, 10, 33]));
    tidy(() => expect(model.call(slice(x, [0, 0], [2, 9])).shape).toEqual([2, 3, 33]));
    expect(() => model.call(slice(x, [0, 0], [2, 6]))).toThrow(/at least one decoder id/);
    expect(() => model.call(tensor(new Int32Array(17), [1, 17], { dtype: 'int32' }))).toThrow(/expected input \[N, T\] int32 token ids with 1 ≤ T ≤ 16/);
    for (const t of [x]) t.dispose();
    model.dispose();
    plain.dispose();
  });

  it('is causal in the decoder input, and padded source positions change nothing', async () => {
    manualSeed(1);
    const model = tiny();
    model.eval();
    const base = [3, 4, 0, 0, 0, 0, 1, 5, 6, 7, 8, 9];
    const run = async (ids: number[]): Promise<Float32Array> => {
      const out = noGrad(() => tidy(() => model.call(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'int32' }))));
      const d = (await out.data()) as Float32Array;
      out.dispose();
      return d;
    };
    const a = await run(base);
    const changed = [...base];
    changed[9] = 20; // decoder position 3
    const b = await run(changed);
    const v = 33;
    // Positions 0–2 do not see position 3; position 3 itself does.
    for (let i = 0; i < 3 * v; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    expect(Math.max(...Array.from(a.subarray(3 * v, 4 * v), (x, i) => Math.abs(x - b[3 * v + i]!)))).toBeGreaterThan(1e-4);
    // A source of different length changes the outputs (the memory is read).
    const other = await run([3, 4, 5, 0, 0, 0, 1, 5, 6, 7, 8, 9]);
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - other[i]!)))).toBeGreaterThan(1e-4);
    model.dispose();
  });
});

describe('greedy and beam search', () => {
  // Greedy takes 'a' (0.6) and then faces a flat choice; 'b' (0.4) is followed by <eos> at 0.95.
  // Tokens: 0 <bos>, 1 <eos>, 2 a, 3 b, 4 c, 5 d.
  const table: Record<string, number[]> = {
    '': [0, 0, 0.6, 0.4, 0, 0],
    '2': [0, 0.3, 0, 0, 0.35, 0.35],
    '2,4': [0, 1, 0, 0, 0, 0],
    '2,5': [0, 1, 0, 0, 0, 0],
    '3': [0, 0.95, 0, 0, 0.05, 0],
    '3,4': [0, 1, 0, 0, 0, 0],
  };
  const options = { bos: 0, eos: 1, maxLength: 5 };

  it('beam search finds the more probable sequence that greedy misses', async () => {
    const greedy = await greedySearch(tableScorer(table), options);
    expect(greedy.tokens).toEqual([2, 4]);
    expect(greedy.logProb).toBeCloseTo(Math.log(0.6 * 0.35), 5);
    const [best, second] = await beamSearch(tableScorer(table), { ...options, beamWidth: 2, lengthPenalty: 1 });
    expect(best!.tokens).toEqual([3]);
    expect(best!.logProb).toBeCloseTo(Math.log(0.4 * 0.95), 5);
    expect(best!.score).toBeCloseTo(Math.log(0.4 * 0.95) / 2, 5);
    expect(best!.logProb).toBeGreaterThan(greedy.logProb);
    expect(second!.tokens).toEqual([2, 4]);
    // Beam width 1 is greedy search.
    const [one] = await beamSearch(tableScorer(table), { ...options, beamWidth: 1 });
    expect(one!.tokens).toEqual(greedy.tokens);
    expect(one!.logProb).toBeCloseTo(greedy.logProb, 6);
  });

  it('length normalisation decides between a short and a long hypothesis', async () => {
    // <eos> now (0.55) or 'a a <eos>' (0.45 · 1 · 1): the raw log-probability prefers stopping,
    // the per-token one (α = 1: log 0.45 / 3 against log 0.55 / 1) the longer sequence.
    const t: Record<string, number[]> = { '': [0, 0.55, 0.45, 0], '2': [0, 0, 1, 0], '2,2': [0, 1, 0, 0] };
    const raw = await beamSearch(tableScorer(t), { bos: 0, eos: 1, maxLength: 4, beamWidth: 2, lengthPenalty: 0 });
    expect(raw[0]!.tokens).toEqual([]);
    const perToken = await beamSearch(tableScorer(t), { bos: 0, eos: 1, maxLength: 4, beamWidth: 2, lengthPenalty: 1 });
    expect(perToken[0]!.tokens).toEqual([2, 2]);
  });

  it('stops at maxLength with unfinished hypotheses, and checks its options', async () => {
    const loop: NextTokenScorer = async (prefixes) => prefixes.map(() => Float32Array.from([0.1, 0.1, 0.8], Math.log));
    const g = await greedySearch(loop, { bos: 0, eos: 1, maxLength: 3 });
    expect([g.tokens, g.finished]).toEqual([[2, 2, 2], false]);
    const [b] = await beamSearch(loop, { bos: 0, eos: 1, maxLength: 3, beamWidth: 1 });
    expect(b!.tokens).toEqual([2, 2, 2]);
    await expect(beamSearch(loop, { bos: 0, eos: 1, maxLength: 3, beamWidth: 0 })).rejects.toThrow(/beamWidth must be a positive integer/);
    await expect(greedySearch(loop, { bos: 0, eos: 1, maxLength: 0 })).rejects.toThrow(/maxLength/);
  });

  it('on a random model: batched greedy = per-source greedy = beam 1, and beams never score below greedy', async () => {
    manualSeed(2);
    const model = tiny();
    model.eval();
    const before = memory().tensors;
    const sources = [
      [5, 1, 8, 2, 0, 0],
      [2, 0, 0, 0, 0, 0],
      [10, 10, 10, 10, 10, 10],
      [1, 0, 0, 0, 0, 0],
    ];
    const src = tensor(Int32Array.from(sources.flat()), [4, 6], { dtype: 'int32' });
    const batched = await greedyDecode(model, src, { bos: 1, eos: 2, maxLength: 6 });
    src.dispose();
    for (let i = 0; i < sources.length; i++) {
      const one: Tensor = tensor(Int32Array.from(sources[i]!), [1, 6], { dtype: 'int32' });
      const greedy = await greedySearchDecode(model, one, { bos: 1, eos: 2, maxLength: 6 });
      expect(greedy.tokens).toEqual(batched[i]);
      const [beam1] = await beamSearchDecode(model, one, { bos: 1, eos: 2, maxLength: 6, beamWidth: 1 });
      expect(beam1!.tokens).toEqual(greedy.tokens);
      const [beam4] = await beamSearchDecode(model, one, { bos: 1, eos: 2, maxLength: 6, beamWidth: 4, lengthPenalty: 0 });
      if (greedy.finished) expect(beam4!.logProb).toBeGreaterThanOrEqual(greedy.logProb - 1e-5);
      one.dispose();
    }
    expect(memory().tensors).toBe(before);
    model.dispose();
  });
});
