import { describe, expect, it } from 'vitest';
import { CharVocab, textDataset, tokenWindows } from './text.js';

describe('CharVocab', () => {
  it('orders characters by code point, with the boundary token at id 0', () => {
    const v = new CharVocab(['hello', 'world'], { boundaryToken: '.' });
    expect(v.tokens).toEqual(['.', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(v.size).toBe(8);
    expect(v.boundary).toBe(0);
    expect(Array.from(v.encode('.hold.'))).toEqual([0, 3, 5, 4, 1, 0]);
    expect(v.decode([0, 3, 2, 4, 4, 5, 0])).toBe('hello');
    expect(v.decode([0, 3, 0], { keepBoundary: true })).toBe('.h.');
  });

  it('treats astral characters as one token and reports unknown ones', () => {
    const v = CharVocab.fromText('a😀b');
    expect(v.tokens).toEqual(['a', 'b', '😀']);
    expect(v.boundary).toBeUndefined();
    expect(Array.from(v.encode('😀a'))).toEqual([2, 0]);
    expect(() => v.encode('c')).toThrow(/character "c" is not in the vocabulary/);
    expect(() => v.decode([3])).toThrow(/token id 3 is outside \[0, 3\)/);
  });
});

describe('tokenWindows', () => {
  it('pairs each window with its next tokens', () => {
    const w = tokenWindows(Int32Array.of(0, 1, 2, 3, 4, 5, 6), { blockSize: 3 });
    expect(w.length).toBe(2); // starts 0 and 3; a window at 6 would need tokens up to 9
    expect(Array.from(w.get(1).x)).toEqual([3, 4, 5]);
    expect(Array.from(w.get(1).y)).toEqual([4, 5, 6]);
    expect(w.get(0).xShape).toEqual([3]);
    const overlapping = tokenWindows(Int32Array.of(0, 1, 2, 3, 4, 5, 6), { blockSize: 3, stride: 1 });
    expect(overlapping.length).toBe(4);
    expect(Array.from(overlapping.get(3).y)).toEqual([4, 5, 6]);
    expect(() => tokenWindows(Int32Array.of(1, 2, 3), { blockSize: 3 })).toThrow(/too few/);
  });
});

describe('textDataset', () => {
  it('splits the text contiguously and shares the vocabulary', () => {
    const text = 'abcdefghij'.repeat(10);
    const train = textDataset(text, { blockSize: 4 });
    const test = textDataset(text, { blockSize: 4, split: 'test' });
    expect(train.vocab!.size).toBe(10);
    expect(train.task).toBe('language');
    expect(train.inputDType).toBe('int32');
    expect(train.length).toBe(Math.floor((90 - 5) / 4) + 1);
    expect(test.length).toBe(Math.floor((10 - 5) / 4) + 1);
    expect(train.vocab!.decode(test.get(0).x)).toBe('abcd'); // the test part starts at character 90
    expect(() => textDataset(text, { blockSize: 4, trainFraction: 1 })).toThrow(/trainFraction/);
  });
});
