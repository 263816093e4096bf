import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageToChw } from './image.js';
import { listImageFolder, loadImageFolder } from './image-folder.js';

function pngBytes(width: number, height: number, rgba: number[], options: { colorType?: 0 | 2 | 6 } = {}): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, { colorType: options.colorType ?? 6 });
}

function jpegBytes(width: number, height: number, rgba: number[]): Buffer {
  return jpeg.encode({ data: Buffer.from(rgba), width, height }, 100).data;
}

function put(root: string, rel: string, bytes: Uint8Array | string): string {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

// 2x2 RGBA: red, green / blue, half-transparent grey.
const RGBA_2x2 = [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 100, 150, 200, 128];
const f = (v: number): number => Math.fround(v / 255);

describe('image folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'skipnet-images-'));
  put(root, 'cat/a.png', pngBytes(2, 2, RGBA_2x2));
  put(
    root,
    'cat/sub/b.PNG',
    pngBytes(
      2,
      2,
      [...Array(4)].flatMap(() => [60, 60, 60, 255]),
      { colorType: 0 },
    ),
  );
  put(root, 'cat/notes.txt', 'not an image');
  put(root, 'cat/.DS_Store', 'junk');
  put(root, '.hidden/x.png', pngBytes(2, 2, RGBA_2x2));
  const flat = [...Array(4)].flatMap(() => [40, 120, 200, 255]);
  const jpgPath = put(root, 'dog/c.jpg', jpegBytes(2, 2, flat));

  it('lists classes and files in sorted, recursive order, skipping hidden and foreign files', async () => {
    const { classNames, files } = await listImageFolder(root);
    expect(classNames).toEqual(['cat', 'dog']);
    expect(files.map((x) => [x.path.slice(root.length + 1), x.label])).toEqual([
      ['cat/a.png', 0],
      ['cat/sub/b.PNG', 0],
      ['dog/c.jpg', 1],
    ]);
  });

  it('decodes PNG to exact RGB planes and labels by folder', async () => {
    const ds = await loadImageFolder(root);
    expect(ds.length).toBe(3);
    expect(ds.inputShape).toEqual([3, 2, 2]);
    expect(ds.numClasses).toBe(2);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    const a = ds.get(0);
    expect(a.xShape).toEqual([3, 2, 2]);
    expect(Array.from(a.x)).toEqual([255, 0, 0, 100, /**/ 0, 255, 0, 150, /**/ 0, 0, 255, 200].map(f));
    expect(Array.from(a.y)).toEqual([0]);
    expect(Array.from(ds.get(1).x)).toEqual(new Array(12).fill(f(60))); // grey PNG expands to equal channels
    expect(Array.from(ds.get(2).y)).toEqual([1]);
  });

  it('decodes JPEG exactly as jpeg-js does, close to the encoded colour', async () => {
    const ds = await loadImageFolder(root, { preload: true });
    const ref = jpeg.decode(jpegBytes(2, 2, flat), { useTArray: true, formatAsRGBA: true });
    const x = ds.get(2).x;
    for (let p = 0; p < 4; p++) {
      for (let c = 0; c < 3; c++) {
        expect(x[c * 4 + p]).toBe(f(ref.data[4 * p + c]!));
        expect(Math.abs(x[c * 4 + p]! * 255 - flat[c]!)).toBeLessThanOrEqual(2);
      }
    }
    expect(decodeImage(new Uint8Array(jpegBytes(2, 2, flat)), jpgPath).width).toBe(2);
  });

  it('converts channels: luma for 1, alpha kept for 4', async () => {
    const grey = await loadImageFolder(root, { channels: 1 });
    expect(grey.inputShape).toEqual([1, 2, 2]);
    expect(Array.from(grey.get(0).x)).toEqual([255 * 0.299, 255 * 0.587, 255 * 0.114, 0.299 * 100 + 0.587 * 150 + 0.114 * 200].map(f));
    const rgba = await loadImageFolder(root, { channels: 4 });
    expect(Array.from(rgba.get(0).x.subarray(12))).toEqual([255, 255, 255, 128].map(f));
  });

  it('resizes bilinearly with half-pixel centres, or nearest', () => {
    // Columns 0 and 100: upsampling 2 -> 4 gives 0, 25, 75, 100 along each row.
    const img = { width: 2, height: 2, data: Uint8Array.from([0, 0, 0, 255, 100, 100, 100, 255, 0, 0, 0, 255, 100, 100, 100, 255]) };
    const up = imageToChw(img, { channels: 1, size: [4, 4] });
    expect(up.shape).toEqual([1, 4, 4]);
    const row = [0, 25, 75, 100].map((v) => Math.fround((v * (0.299 + 0.587 + 0.114)) / 255));
    for (let i = 0; i < 4; i++) Array.from(up.x.subarray(i * 4, i * 4 + 4)).forEach((v, j) => expect(v).toBeCloseTo(row[j]!, 6));
    // Nearest 4 -> 2 takes source pixels 1 and 3 of each axis.
    const data = new Uint8Array(4 * 16);
    for (let p = 0; p < 16; p++) data.set([p, p, p, 255], 4 * p);
    const down = imageToChw({ width: 4, height: 4, data }, { channels: 3, size: [2, 2], resize: 'nearest' });
    expect(Array.from(down.x.subarray(0, 4))).toEqual([5, 7, 13, 15].map(f));
  });

  it('resizes a folder to a fixed size, and otherwise requires equal sizes', async () => {
    const mixed = mkdtempSync(join(tmpdir(), 'skipnet-mixed-'));
    put(mixed, 'a/1.png', pngBytes(2, 2, RGBA_2x2));
    const odd = put(mixed, 'b/2.png', pngBytes(1, 1, [1, 2, 3, 255]));
    const sized = await loadImageFolder(mixed, { size: 3 });
    expect(sized.inputShape).toEqual([3, 3, 3]);
    expect(sized.get(1).x).toEqual(new Float32Array(27).map((_, k) => f([1, 2, 3][Math.floor(k / 9)]!)));
    const unsized = await loadImageFolder(mixed);
    expect(() => unsized.get(1)).toThrow(`image file ${odd}: is 1x1 but ${join(mixed, 'a/1.png')} is 2x2; pass options.size to resize`);
  });

  it('names the file for corrupt, foreign, missing and empty inputs', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'skipnet-bad-'));
    const good = pngBytes(2, 2, RGBA_2x2);
    const truncated = put(bad, 'a/cut.png', good.subarray(0, 40));
    const text = put(bad, 'b/text.jpg', 'hello, not a jpeg');
    await expect(loadImageFolder(bad, { size: 2, preload: true })).rejects.toThrow(new RegExp(`image file ${truncated}: cannot decode PNG`));
    const lazy = await loadImageFolder(bad, { size: 2 });
    expect(() => lazy.get(1)).toThrow(`image file ${text}: is neither PNG nor JPEG (unrecognised leading bytes)`);

    await expect(loadImageFolder(join(bad, 'missing'))).rejects.toThrow(`image folder ${join(bad, 'missing')}: not found`);
    const noClasses = mkdtempSync(join(tmpdir(), 'skipnet-none-'));
    put(noClasses, 'loose.png', good);
    await expect(loadImageFolder(noClasses)).rejects.toThrow(/has no class sub-folders/);
    const emptyClass = mkdtempSync(join(tmpdir(), 'skipnet-empty-'));
    put(emptyClass, 'a/1.png', good);
    mkdirSync(join(emptyClass, 'b'));
    await expect(loadImageFolder(emptyClass)).rejects.toThrow(`image folder ${join(emptyClass, 'b')}: class "b" has no .png/.jpg/.jpeg images`);
  });
});
