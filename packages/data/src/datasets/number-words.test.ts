import { describe, expect, it } from 'vitest';
import { collate } from '../dataset.js';
import { createDataset, listDatasets } from './registry.js';
import {
  decodeNumberTarget,
  encodeNumberSource,
  IGNORE_INDEX,
  NUMBER_WORDS_TARGET_TOKENS,
  numberToWords,
  numberWordsDataset,
  numberWordsNumber,
  numberWordsSplitOf,
} from './number-words.js';

describe('numberToWords', () => {
  it('writes hand-picked numbers in English', () => {
    const cases: [number, string][] = [
      [0, 'zero'],
      [7, 'seven'],
      [10, 'ten'],
      [13, 'thirteen'],
      [19, 'nineteen'],
      [20, 'twenty'],
      [40, 'forty'],
      [42, 'forty two'],
      [99, 'ninety nine'],
      [100, 'one hundred'],
      [101, 'one hundred one'],
      [110, 'one hundred ten'],
      [115, 'one hundred fifteen'],
      [999, 'nine hundred ninety nine'],
      [1000, 'one thousand'],
      [1001, 'one thousand one'],
      [4071, 'four thousand seventy one'],
      [12000, 'twelve thousand'],
      [90019, 'ninety thousand nineteen'],
      [100000, 'one hundred thousand'],
      [305010, 'three hundred five thousand ten'],
      [777777, 'seven hundred seventy seven thousand seven hundred seventy seven'],
      [999999, 'nine hundred ninety nine thousand nine hundred ninety nine'],
    ];
    for (const [n, words] of cases) expect(numberToWords(n), String(n)).toBe(words);
    for (const bad of [-1, 1.5, 1_000_000, Number.NaN]) expect(() => numberToWords(bad)).toThrow(RangeError);
  });

  it('uses only the target vocabulary, at most 9 words', () => {
    const words = new Set(NUMBER_WORDS_TARGET_TOKENS.slice(3));
    let longest = 0;
    for (let n = 0; n <= 999_999; n += 997) {
      const w = numberToWords(n).split(' ');
      longest = Math.max(longest, w.length);
      for (const x of w) expect(words.has(x)).toBe(true);
    }
    expect(longest).toBeLessThanOrEqual(9);
    expect(numberToWords(777_777).split(' ')).toHaveLength(9);
  });
});

describe('number-words', () => {
  it('is registered as a generated translation dataset and describes its layout', async () => {
    expect(listDatasets().find((d) => d.name === 'number-words')).toMatchObject({ task: 'translation', generated: true });
    const ds = await createDataset('number-words', { count: 5 });
    expect([ds.name, ds.split, ds.task, ds.length, ds.numClasses]).toEqual(['number-words', 'train', 'translation', 5, 33]);
    expect(numberWordsDataset({ split: 'test' }).length).toBe(1000);
    expect(numberWordsDataset().length).toBe(20_000);
    expect(ds.inputShape).toEqual([16]);
    expect(ds.targetShape).toEqual([10]);
    expect(ds.translation).toMatchObject({ sourceLength: 6, targetLength: 10, pad: 0, bos: 1, eos: 2 });
  });

  it('packs source, decoder input and target as documented', () => {
    const ds = numberWordsDataset({ count: 50 });
    for (let i = 0; i < 50; i++) {
      const n = numberWordsNumber(i);
      const s = ds.get(i);
      expect(s.x).toBeInstanceOf(Int32Array);
      const src = s.x.subarray(0, 6);
      const tgtIn = Array.from(s.x.subarray(6));
      const digits = String(n);
      expect(Array.from(src)).toEqual([...Array.from(digits, (d) => Number(d) + 1), ...new Array<number>(6 - digits.length).fill(0)]);
      const words = numberToWords(n).split(' ');
      const ids = words.map((w) => NUMBER_WORDS_TARGET_TOKENS.indexOf(w));
      expect(tgtIn).toEqual([1, ...ids, ...new Array<number>(9 - ids.length).fill(0)]);
      expect(Array.from(s.y)).toEqual([...ids, 2, ...new Array<number>(9 - ids.length).fill(IGNORE_INDEX)]);
      expect(decodeNumberTarget(tgtIn)).toBe(numberToWords(n));
    }
    expect(collate([ds.get(0), ds.get(1)]).xShape).toEqual([2, 16]);
  });

  it('is deterministic in (seed, split, index), with disjoint train and test numbers', () => {
    expect(numberWordsDataset({ seed: 3, count: 10 }).get(7)).toEqual(numberWordsDataset({ seed: 3, count: 10 }).get(7));
    const seq = (seed: number, split: 'train' | 'test') => Array.from({ length: 40 }, (_, i) => numberWordsNumber(i, { seed, split }));
    expect(seq(3, 'train')).toEqual(seq(3, 'train'));
    expect(seq(3, 'train')).not.toEqual(seq(4, 'train'));
    expect(seq(3, 'train')).not.toEqual(seq(3, 'test'));
    // The first samples stay the same whatever the count.
    expect(numberWordsDataset({ count: 3 }).get(2)).toEqual(numberWordsDataset({ count: 300 }).get(2));
    const train = new Set(Array.from({ length: 5000 }, (_, i) => numberWordsNumber(i)));
    const test = Array.from({ length: 1000 }, (_, i) => numberWordsNumber(i, { split: 'test' }));
    for (const n of test) {
      if (n >= 100) expect(train.has(n)).toBe(false);
      expect(numberWordsSplitOf(n)).not.toBe('train');
    }
    for (const n of train) expect(numberWordsSplitOf(n)).not.toBe('test');
    // About a tenth of the numbers from 100 on are test numbers.
    let tests = 0;
    for (let n = 100; n < 10_100; n++) if (numberWordsSplitOf(n) === 'test') tests++;
    expect(tests).toBeGreaterThan(900);
    expect(tests).toBeLessThan(1100);
    // Every digit count is drawn, short and long numbers alike.
    const lengths = new Set(test.map((n) => String(n).length));
    expect([...lengths].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('encodes user text and refuses what is not a number in digits', () => {
    expect(Array.from(encodeNumberSource(' 4071 '))).toEqual([5, 1, 8, 2, 0, 0]);
    expect(Array.from(encodeNumberSource('007'))).toEqual([8, 0, 0, 0, 0, 0]);
    expect(() => encodeNumberSource('four')).toThrow(/not a number written in digits/);
    expect(() => encodeNumberSource('-5')).toThrow(/not a number written in digits/);
    expect(() => encodeNumberSource('')).toThrow(/not a number written in digits/);
    expect(() => encodeNumberSource('1000000')).toThrow(/larger than 999999/);
    expect(() => numberWordsDataset({ count: -1 })).toThrow(RangeError);
    expect(() => numberWordsDataset({ count: 2 }).get(2)).toThrow(RangeError);
  });
});
