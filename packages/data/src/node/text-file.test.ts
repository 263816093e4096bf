import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTextFile } from './text-file.js';
import * as node from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'skipnet-text-'));
const write = (name: string, bytes: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe('text file', () => {
  it('builds a character dataset with a shared vocabulary and a 90/10 split', async () => {
    const text = 'to be, or not to be: that is the question. '.repeat(5);
    const file = write('input.txt', '\uFEFF' + text);
    const train = await loadTextFile(file, { blockSize: 8 });
    const test = await loadTextFile(file, { blockSize: 8, split: 'test' });
    expect(train.vocab!.tokens.join('')).toBe(' ,.:abehinoqrstu');
    expect(train.numClasses).toBe(16);
    expect(train.vocab!.decode(train.get(0).x)).toBe('to be, o');
    expect(train.vocab!.decode(train.get(0).y)).toBe('o be, or');
    const cut = Math.floor(text.length * 0.9);
    expect(test.vocab!.decode(test.get(0).x)).toBe(text.slice(cut, cut + 8));
    expect(train.get(1).x).toEqual(train.vocab!.encode(text.slice(8, 16)));
  });

  it('names the file for missing, empty, short and non-UTF-8 input', async () => {
    await expect(loadTextFile(join(dir, 'none.txt'), { blockSize: 4 })).rejects.toThrow(`text file ${join(dir, 'none.txt')}: not found`);
    const empty = write('empty.txt', '');
    await expect(loadTextFile(empty, { blockSize: 4 })).rejects.toThrow(`text file ${empty}: is empty`);
    const short = write('short.txt', 'abcdefghij');
    await expect(loadTextFile(short, { blockSize: 4, split: 'test' })).rejects.toThrow(
      `text file ${short}: tokenWindows: 1 tokens are too few for one window of blockSize 4 (needs 5)`,
    );
    const latin1 = write('latin1.txt', Uint8Array.of(0x63, 0x61, 0x66, 0xe9));
    await expect(loadTextFile(latin1, { blockSize: 1 })).rejects.toThrow(`text file ${latin1}: is not valid UTF-8`);
  });

  it('is exported from the node entry with the other loaders', () => {
    expect(Object.keys(node).sort()).toEqual([
      'CIFAR10_CLASSES',
      'DataFileError',
      'decodeImage',
      'imageToChw',
      'isGzip',
      'listImageFolder',
      'loadCifar10',
      'loadCifar100',
      'loadCocoDetection',
      'loadIdx',
      'loadImageFolder',
      'loadTextFile',
      'parseIdx',
      'readIdx',
      'readImageSync',
    ]);
  });
});
