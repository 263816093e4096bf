import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, loadCifar10, loadCifar100 } from './cifar.js';

const dir = mkdtempSync(join(tmpdir(), 'skipnet-cifar-'));

/** One record: label byte(s), then R, G, B planes; pixel p of channel c is (label*7 + c*50 + p) % 256. */
function record(labels: number[], seed: number): Buffer {
  const b = Buffer.alloc(labels.length + 3072);
  labels.forEach((l, k) => (b[k] = l));
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) b[labels.length + c * 1024 + p] = (seed * 7 + c * 50 + p) % 256;
  return b;
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('CIFAR binaries', () => {
  it('decodes CIFAR-10 records exactly, concatenating files in order', async () => {
    const a = write('data_batch_1.bin', Buffer.concat([record([3], 0), record([9], 1)]));
    const b = write('data_batch_2.bin', record([0], 2));
    const ds = await loadCifar10([a, b]);
    expect(ds.length).toBe(3);
    expect(ds.inputShape).toEqual([3, 32, 32]);
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    expect([0, 1, 2].map((i) => ds.get(i).y[0])).toEqual([3, 9, 0]);
    const s = ds.get(1);
    expect(s.xShape).toEqual([3, 32, 32]);
    // Channel-planar storage is already CHW: x[c, i, j] = byte(c*1024 + i*32 + j) / 255.
    for (const [c, i, j] of [
      [0, 0, 0],
      [1, 5, 7],
      [2, 31, 31],
    ] as const) {
      expect(s.x[c * 1024 + i * 32 + j]).toBe(Math.fround(((7 + c * 50 + i * 32 + j) % 256) / 255));
    }
    expect((await loadCifar10(a)).length).toBe(2);
  });

  it('reads CIFAR-100 fine or coarse labels', async () => {
    const f = write('train.bin', Buffer.concat([record([4, 77], 0), record([19, 99], 1)]));
    const fine = await loadCifar100(f);
    expect([fine.get(0).y[0], fine.get(1).y[0], fine.numClasses]).toEqual([77, 99, 100]);
    const coarse = await loadCifar100(f, { labels: 'coarse' });
    expect([coarse.get(0).y[0], coarse.get(1).y[0], coarse.numClasses]).toEqual([4, 19, 20]);
    expect(fine.get(1).x[2 * 1024 + 3]).toBe(Math.fround(((7 + 100 + 3) % 256) / 255));
  });

  it('names the file for truncated, foreign and missing files', async () => {
    const cut = write('cut.bin', Buffer.concat([record([1], 0), record([2], 1)]).subarray(0, 5000));
    await expect(loadCifar10(cut)).rejects.toThrow(
      `CIFAR-10 file ${cut}: size 5000 is not a positive multiple of the 3073-byte record (1 label + 3072 pixel bytes): 1 whole records and 1927 bytes left over (truncated?)`,
    );
    const bad = write('bad.bin', Buffer.concat([record([1], 0), record([12], 1)]));
    await expect(loadCifar10(bad)).rejects.toThrow(`CIFAR-10 file ${bad}: record 1 has label 12, expected 0..9 (not a CIFAR-10 file?)`);
    const empty = write('empty.bin', Buffer.alloc(0));
    await expect(loadCifar10(empty)).rejects.toThrow(/size 0 is not a positive multiple/);
    await expect(loadCifar10(join(dir, 'missing.bin'))).rejects.toThrow(`CIFAR-10 file ${join(dir, 'missing.bin')}: not found`);
    await expect(loadCifar10(dir)).rejects.toThrow(`CIFAR-10 file ${dir}: is a directory, expected a file`);
  });
});
