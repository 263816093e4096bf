import { describe, expect, it } from 'vitest';
import { loadNameLists, loadNames, namesVocab } from './names.js';

describe('names', () => {
  it('combines, lowercases and deduplicates both lists, split 90/10 without overlap', async () => {
    const { train, test } = await loadNameLists();
    expect(train.length).toBe(7579);
    expect(test.length).toBe(843);
    const all = new Set([...train, ...test]);
    expect(all.size).toBe(8422);
    for (const n of all) expect(n).toMatch(/^[a-z-]+$/);
    // Names in both source lists appear once (e.g. "abbe" is female and male).
    expect([...train, ...test].filter((n) => n === 'abbe')).toHaveLength(1);
    // The split is a fixed permutation: not alphabetical, and the same every time.
    expect(train.slice(0, 3)).not.toEqual([...train].sort().slice(0, 3));
    expect((await loadNameLists()).train).toBe(train);
  });

  it('has a 28-token vocabulary with "." as start/end', () => {
    const v = namesVocab();
    expect(v.size).toBe(28);
    expect(v.tokens.slice(0, 4)).toEqual(['.', '-', 'a', 'b']);
    expect(v.boundary).toBe(0);
    expect(Array.from(v.encode('.ann-marie.'))).toEqual([0, 2, 15, 15, 1, 14, 2, 19, 10, 6, 0]);
    expect(v.decode(v.encode('.ann-marie.'))).toBe('ann-marie');
  });

  it('windows the split stream with next-character targets', async () => {
    const ds = await loadNames({ blockSize: 8 });
    const { train } = await loadNameLists();
    expect(ds.task).toBe('language');
    expect(ds.numClasses).toBe(28);
    expect(ds.inputShape).toEqual([8]);
    expect(ds.vocab!.size).toBe(28);
    const streamLength = 1 + train.reduce((a, n) => a + n.length + 1, 0);
    expect(ds.length).toBe(Math.floor((streamLength - 9) / 8) + 1);
    const s0 = ds.get(0);
    expect(s0.x).toBeInstanceOf(Int32Array);
    expect(ds.vocab!.decode(s0.x, { keepBoundary: true })).toBe(('.' + train.join('.')).slice(0, 8));
    expect(Array.from(s0.y)).toEqual(Array.from(ds.get(0).x.subarray(1)).concat(ds.get(1).x[0]!));
    const test = await loadNames({ split: 'test', blockSize: 8 });
    expect(test.split).toBe('test');
    expect(test.length).toBeLessThan(ds.length / 5);
  });
});
