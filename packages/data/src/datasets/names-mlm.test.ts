import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import {
  encodeNameForBert,
  loadNameLists,
  maskNameTokens,
  namesBertVocab,
  namesMlmDataset,
  namesScrambledDataset,
  scrambleName,
  NAMES_BERT_SPECIAL,
} from '../index.js';

const { pad, cls, sep, mask } = NAMES_BERT_SPECIAL;

describe('names for BERT', () => {
  it('encodes [CLS] name [SEP] [PAD]… in 17 ids over 32 tokens; decode drops the specials', () => {
    const ids = encodeNameForBert('Emma');
    // '-' is 5, 'a' 6 … 'z' 31.
    expect(Array.from(ids)).toEqual([cls, 10, 18, 18, 6, sep, ...Array<number>(11).fill(pad)]);
    expect(namesBertVocab().decode(ids)).toBe('emma');
    expect(namesBertVocab().size).toBe(32);
    expect(() => encodeNameForBert('abcdefghijklmnop')).toThrow(/longer than 15/);
  });

  it('masks 15 % of the letters as BERT (80 % [MASK], 10 % random, 10 % kept), never [CLS]/[SEP]/[PAD]; labels -100 elsewhere', () => {
    const ids = encodeNameForBert('maximiliano'); // 11 letters
    let chosen = 0;
    let letters = 0;
    const outcome = { mask: 0, random: 0, kept: 0 };
    for (let i = 0; i < 4000; i++) {
      const { x, y } = maskNameTokens(ids, new Rng(1, i));
      let any = 0;
      for (let k = 0; k < ids.length; k++) {
        if (ids[k]! < 5) {
          expect(y[k]).toBe(-100);
          expect(x[k]).toBe(ids[k]);
          continue;
        }
        letters++;
        if (y[k] === -100) {
          expect(x[k]).toBe(ids[k]);
          continue;
        }
        any++;
        expect(y[k]).toBe(ids[k]);
        if (x[k] === mask) outcome.mask++;
        else if (x[k] === ids[k]) outcome.kept++;
        else outcome.random++;
      }
      expect(any).toBeGreaterThan(0);
      chosen += any;
    }
    // P(at least one) is forced to 1, so the rate is a little above 0.15 for 11 letters.
    expect(chosen / letters).toBeGreaterThan(0.14);
    expect(chosen / letters).toBeLessThan(0.19);
    expect(outcome.mask / chosen).toBeCloseTo(0.8, 1);
    // A random letter may happen to be the same one (1 in 27), counted as kept.
    expect(outcome.random / chosen).toBeGreaterThan(0.07);
    expect(outcome.kept / chosen).toBeGreaterThan(0.07);
  });

  it('names-mlm: deterministic per (seed, split, index), new masks on each pass over the list, test names unseen in training', async () => {
    const lists = await loadNameLists();
    const train = await namesMlmDataset();
    const test = await namesMlmDataset({ split: 'test' });
    expect(train.length).toBe(4 * lists.train.length);
    expect(test.length).toBe(2 * lists.test.length);
    expect(train.task).toBe('masked-lm');
    expect(train.numClasses).toBe(32);
    const a = train.get(5);
    expect(Array.from(a.x)).toEqual(Array.from((await namesMlmDataset()).get(5).x));
    expect(Array.from(a.y)).toEqual(Array.from((await namesMlmDataset()).get(5).y));
    expect(a.yShape).toEqual([17]);
    // Sample i + n is the same name, drawn afresh.
    const n = lists.train.length;
    const differs = Array.from({ length: 50 }, (_, i) => Array.from(train.get(i).y).join() !== Array.from(train.get(i + n).y).join());
    expect(differs.filter(Boolean).length).toBeGreaterThan(25);
    const other = await namesMlmDataset({ seed: 1 });
    expect(Array.from({ length: 20 }, (_, i) => Array.from(other.get(i).y).join() !== Array.from(train.get(i).y).join()).some(Boolean)).toBe(true);
    const unmasked = (s: { x: Int32Array | Float32Array; y: Int32Array | Float32Array }) =>
      namesBertVocab().decode(Array.from(s.x, (v, k) => (s.y[k]! >= 0 ? s.y[k]! : v)));
    expect(unmasked(test.get(3))).toBe(lists.test[3]);
    expect(() => train.get(train.length)).toThrow(RangeError);
    await expect(namesMlmDataset({ count: -1 })).rejects.toThrow(/count/);
  });

  it('names-scrambled: half real, half the same letters in an order that is no name; deterministic', async () => {
    const lists = await loadNameLists();
    const real = new Set([...lists.train, ...lists.test]);
    const ds = await namesScrambledDataset();
    expect(ds.length).toBe(lists.train.length);
    expect(ds.classNames).toEqual(['real', 'scrambled']);
    let scrambled = 0;
    const vocab = namesBertVocab();
    for (let i = 0; i < 400; i++) {
      const s = ds.get(i);
      const text = vocab.decode(s.x);
      expect(Array.from(text).sort().join('')).toBe(Array.from(lists.train[i]!).sort().join(''));
      if (s.y[0] === 1) {
        scrambled++;
        expect(real.has(text)).toBe(false);
      } else expect(text).toBe(lists.train[i]);
    }
    expect(scrambled).toBeGreaterThan(160);
    expect(scrambled).toBeLessThan(240);
    expect(Array.from((await namesScrambledDataset()).get(7).x)).toEqual(Array.from(ds.get(7).x));
    expect(scrambleName('aa', new Rng(0), real)).toBeNull();
  });
});
