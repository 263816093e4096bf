import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFileError } from './files.js';
import { loadIdx, parseIdx, readIdx } from './idx.js';

const dir = mkdtempSync(join(tmpdir(), 'skipnet-idx-'));

/** IDX header: 00 00 type ndim, then big-endian dims. */
function header(type: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = type;
  b[3] = dims.length;
  dims.forEach((d, k) => b.writeUInt32BE(d, 4 + 4 * k));
  return b;
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const pixels = [0, 255, 128, 1, 2, 3, 4, 5, 250, 251, 252, 253];
const imagesBytes = Buffer.concat([header(0x08, [3, 2, 2]), Buffer.from(pixels)]);
const labelsBytes = Buffer.concat([header(0x08, [3]), Buffer.from([7, 0, 9])]);

describe('IDX', () => {
  it('decodes uint8 images and labels exactly, plain or gzipped', async () => {
    for (const gz of [false, true]) {
      const enc = (b: Buffer) => (gz ? gzipSync(b) : b);
      const images = write(`images-${gz}`, enc(imagesBytes));
      const labels = write(`labels-${gz}`, enc(labelsBytes));
      const ds = await loadIdx(images, labels);
      expect(ds.length).toBe(3);
      expect(ds.inputShape).toEqual([1, 2, 2]);
      expect(ds.numClasses).toBe(10);
      expect(ds.get(0).x).toEqual(Float32Array.from([0, 255, 128, 1], (v) => v / 255));
      expect(ds.get(2).x).toEqual(Float32Array.from([250, 251, 252, 253], (v) => v / 255));
      expect(ds.get(0).xShape).toEqual([1, 2, 2]);
      expect([0, 1, 2].map((i) => ds.get(i).y[0])).toEqual([7, 0, 9]);
      expect(ds.get(1).yShape).toEqual([]);
    }
  });

  it('decodes every IDX element type big-endian', () => {
    const i16 = Buffer.alloc(4);
    i16.writeInt16BE(-2, 0);
    i16.writeInt16BE(300, 2);
    expect(parseIdx(Buffer.concat([header(0x0b, [2]), i16]))).toEqual({ dtype: 'int16', shape: [2], data: Int16Array.of(-2, 300) });
    const i32 = Buffer.alloc(8);
    i32.writeInt32BE(-70000, 0);
    i32.writeInt32BE(123456789, 4);
    expect(parseIdx(Buffer.concat([header(0x0c, [1, 2]), i32])).data).toEqual(Int32Array.of(-70000, 123456789));
    const f32 = Buffer.alloc(8);
    f32.writeFloatBE(1.5, 0);
    f32.writeFloatBE(-0.25, 4);
    expect(parseIdx(Buffer.concat([header(0x0d, [2]), f32])).data).toEqual(Float32Array.of(1.5, -0.25));
    const f64 = Buffer.alloc(8);
    f64.writeDoubleBE(Math.PI, 0);
    expect(parseIdx(Buffer.concat([header(0x0e, [1]), f64])).data).toEqual(Float64Array.of(Math.PI));
    expect(parseIdx(Buffer.concat([header(0x09, [2]), Buffer.from([0xff, 0x7f])])).data).toEqual(Int8Array.of(-1, 127));
    // A Buffer input still yields an owned, plain Uint8Array (not a view of Node's pool).
    const u8 = parseIdx(labelsBytes).data;
    expect(u8.constructor).toBe(Uint8Array);
    expect(u8.buffer.byteLength).toBe(3);
    expect(Array.from(u8)).toEqual([7, 0, 9]);
  });

  it('names the file and the problem for truncated, oversized and foreign files', async () => {
    const truncated = write('x-images-idx3-ubyte', Buffer.concat([header(0x08, [60000, 28, 28]), Buffer.alloc(1000 - 16)]));
    await expect(readIdx(truncated)).rejects.toThrow(`IDX file ${truncated}: magic 0x00000803 expects 47040016 bytes of data, found 1000 (truncated?)`);
    const long = write('long', Buffer.concat([labelsBytes, Buffer.from([1, 2])]));
    await expect(readIdx(long)).rejects.toThrow(`IDX file ${long}: magic 0x00000801 expects 11 bytes of data, found 13 (2 trailing bytes; wrong file?)`);
    const foreign = write('foreign.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    await expect(readIdx(foreign)).rejects.toThrow(`IDX file ${foreign}: bad magic number 0x89504e47`);
    const badType = write('badtype', header(0x0a, [0]));
    await expect(readIdx(badType)).rejects.toThrow(/bad magic number 0x00000a01/);
    const tiny = write('tiny', Buffer.from([0, 0]));
    await expect(readIdx(tiny)).rejects.toThrow(`IDX file ${tiny}: 2 bytes is too short for the 4-byte magic number`);
    const shortHeader = write('short-header', header(0x08, [5, 5]).subarray(0, 8));
    await expect(readIdx(shortHeader)).rejects.toThrow(/needs a 12-byte header, found 8 bytes \(truncated\?\)/);
  });

  it('reports missing files and corrupt gzip', async () => {
    const missing = join(dir, 'nope-idx1-ubyte');
    const err = await readIdx(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).message).toBe(`IDX file ${missing}: not found`);
    expect((err as DataFileError).file).toBe(missing);
    const gz = gzipSync(imagesBytes);
    const cut = write('cut.gz', gz.subarray(0, gz.length - 10));
    await expect(readIdx(cut)).rejects.toThrow(new RegExp(`IDX file ${cut}: gzip data is corrupt or truncated`));
  });

  it('checks that images and labels agree', async () => {
    const images = write('agree-images', imagesBytes);
    const twoLabels = write('two-labels', Buffer.concat([header(0x08, [2]), Buffer.from([1, 2])]));
    await expect(loadIdx(images, twoLabels)).rejects.toThrow(`IDX file ${twoLabels}: has 2 labels but ${images} has 3 images`);
    const labels = write('agree-labels', labelsBytes);
    await expect(loadIdx(images, labels, { numClasses: 5 })).rejects.toThrow(`IDX file ${labels}: label 9 is outside [0, 5)`);
    await expect(loadIdx(labels, labels)).rejects.toThrow(/expected images of shape \[N, H, W\]/);
    const ds = await loadIdx(images, labels, { classNames: Array.from({ length: 10 }, (_, i) => `c${i}`), scale: 1, name: 'fashion', split: 'test' });
    expect([ds.name, ds.split, ds.numClasses, ds.get(0).x[1]]).toEqual(['fashion', 'test', 10, 255]);
  });
});
