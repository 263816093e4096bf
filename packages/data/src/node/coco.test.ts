import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { collateDetection, unpadBoxes } from '../detection.js';
import { DataLoader } from '../loader.js';
import { loadCocoDetection } from './coco.js';
import { DataFileError } from './files.js';

/** A PNG of `width × height` whose pixel (i, j) is RGB (10 i, 10 j, v), opaque. */
function pngBytes(width: number, height: number, v: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) png.data.set([10 * i, 10 * j, v, 255], 4 * (i * width + j));
  return PNG.sync.write(png);
}

function put(root: string, rel: string, bytes: Uint8Array | string): string {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

const f = (v: number): number => Math.fround(v / 255);

describe('loadCocoDetection', () => {
  const root = mkdtempSync(join(tmpdir(), 'skipnet-coco-'));
  const images = join(root, 'images');
  put(images, 'a.png', pngBytes(8, 6, 0));
  put(images, 'sub/b.png', pngBytes(8, 6, 100));
  put(images, 'c.jpg', jpeg.encode({ data: Buffer.alloc(8 * 6 * 4, 200), width: 8, height: 6 }, 100).data);
  put(images, 'big.png', pngBytes(16, 12, 50));

  const base = {
    info: { description: 'toy' },
    // Out of id order on purpose: samples follow ascending ids.
    images: [
      { id: 7, file_name: 'a.png', width: 8, height: 6 },
      { id: 2, file_name: 'sub/b.png', width: 8, height: 6 },
      { id: 5, file_name: 'c.jpg', width: 8, height: 6 },
    ],
    categories: [
      { id: 3, name: 'dog', supercategory: 'animal' },
      { id: 1, name: 'cat', supercategory: 'animal' },
    ],
    annotations: [
      { id: 10, image_id: 7, category_id: 3, bbox: [1, 2, 3, 2], area: 6, iscrowd: 0 },
      { id: 11, image_id: 7, category_id: 1, bbox: [0, 0, 8, 6], area: 48, iscrowd: 0 },
      { id: 12, image_id: 2, category_id: 1, bbox: [-0.5, 4.5, 2, 2], area: 4, iscrowd: 0 }, // pokes out by 0.5: clipped
      { id: 13, image_id: 2, category_id: 3, bbox: [0, 0, 8, 6], area: 48, iscrowd: 1 }, // crowd: skipped
    ],
  };
  const write = (name: string, json: unknown): string => put(root, name, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
  const load = (json: unknown, options: { size?: number | [number, number]; channels?: 1 | 3; preload?: boolean } = {}) =>
    loadCocoDetection({ annotations: write('instances.json', json), images, ...options });

  it('orders images by id, converts [x, y, w, h] to [x1, y1, x2, y2] and labels categories by ascending id', async () => {
    const ds = await load(base);
    expect([ds.name, ds.task, ds.length, ds.numClasses]).toEqual(['coco', 'detection', 3, 2]);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.categoryIds).toEqual([1, 3]);
    expect(ds.imageIds).toEqual([2, 5, 7]);
    expect(ds.files).toEqual([join(images, 'sub/b.png'), join(images, 'c.jpg'), join(images, 'a.png')]);
    expect(ds.originalSizes).toEqual([
      [6, 8],
      [6, 8],
      [6, 8],
    ]);
    expect(ds.inputShape).toEqual([3, 6, 8]);
    expect(ds.targetShape).toEqual([-1, 5]);
    // Image 7: dog [1, 2, 3, 2] -> [1, 2, 4, 4] label 1; cat over the whole image, label 0.
    const a = ds.get(2);
    expect(a.yShape).toEqual([2, 5]);
    expect(Array.from(a.y)).toEqual([1, 2, 4, 4, 1, 0, 0, 8, 6, 0]);
    // Pixels decoded exactly: (i, j) is (10 i, 10 j, 0) / 255.
    expect(a.xShape).toEqual([3, 6, 8]);
    expect(a.x[3 * 8 + 5]).toBe(f(30));
    expect(a.x[48 + 3 * 8 + 5]).toBe(f(50));
    expect(a.x[96 + 3 * 8 + 5]).toBe(f(0));
    // Image 2: the box poking 0.5 px out is clipped to the image; the crowd box is skipped.
    const b = ds.get(0);
    expect(Array.from(b.y)).toEqual([0, 4.5, 1.5, 6, 0]);
    expect(b.x[2 * 48]).toBe(f(100));
    // Image 5 has no annotations.
    expect([ds.get(1).yShape, ds.get(1).y.length]).toEqual([[0, 5], 0]);
    expect(() => ds.get(3)).toThrow(/out of range/);
  });

  it('feeds a DataLoader, which pads the boxes of a detection dataset', async () => {
    const ds = await load(base, { preload: true, channels: 1 });
    expect(ds.inputShape).toEqual([1, 6, 8]);
    const batch = new DataLoader(ds, { batchSize: 3 }).batch(0, 0);
    expect(batch).toEqual({ ...collateDetection([ds.get(0), ds.get(1), ds.get(2)]), indices: [0, 1, 2] });
    expect(batch.yShape).toEqual([3, 2, 5]);
    expect(unpadBoxes(batch.y, batch.yShape, 0)).toEqual({ boxes: Float32Array.of(0, 4.5, 1.5, 6), labels: Int32Array.of(0) });
    expect(unpadBoxes(batch.y, batch.yShape, 1).labels.length).toBe(0);
  });

  it('resizes images of different sizes to options.size and scales their boxes', async () => {
    const json = {
      ...base,
      images: [...base.images.slice(0, 1), { id: 9, file_name: 'big.png', width: 16, height: 12 }],
      annotations: [base.annotations[0], { id: 20, image_id: 9, category_id: 1, bbox: [4, 3, 8, 6], iscrowd: 0 }],
    };
    await expect(load(json)).rejects.toThrow(
      /instances\.json: images\[1\] \(id 9\) is 16x12 \(width x height\) but images\[0\] \(id 7\) is 8x6; pass options\.size to resize every image to one size/,
    );
    const ds = await load(json, { size: [3, 4] });
    expect(ds.inputShape).toEqual([3, 3, 4]);
    expect(ds.originalSizes).toEqual([
      [6, 8],
      [12, 16],
    ]);
    // 8x6 -> 4x3 halves the boxes; 16x12 -> 4x3 quarters them.
    expect(Array.from(ds.get(0).y)).toEqual([0.5, 1, 2, 2, 1]);
    expect(Array.from(ds.get(1).y)).toEqual([1, 0.75, 3, 2.25, 0]);
    expect(ds.get(1).xShape).toEqual([3, 3, 4]);
    expect((await load(json, { size: 4 })).inputShape).toEqual([3, 4, 4]);
  });

  const fails = async (json: unknown, pattern: RegExp): Promise<void> => {
    const error = await load(json).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('reports malformed JSON with its line and column', async () => {
    await fails('{\n  "images": [],\n  "annotations": [,]\n}', /COCO file .*instances\.json: is not valid JSON: syntax error at line 3, column 19 \(/);
    await fails('{"images": [{"id": 1, "file_name": "a\\q.png"}]}', /syntax error at line 1, column 39 /);
    await fails('{"images": [1, 2.5e3, -0, true, null, "\\u00e9"], "x": {}}  x', /syntax error at line 1, column 60 /);
    await fails('{"images": [\n', /syntax error at line 2, column 1 \(/);
    await fails('', /syntax error at line 1, column 1 \(Unexpected end of JSON input\)/);
    await fails('[1, 2]', /must hold a JSON object with "images", "annotations" and "categories"/);
  });

  it('names a missing or malformed section and entry', async () => {
    await fails(
      { annotations: [], categories: [] },
      /instances\.json: images: missing; a COCO instances file has "images", "annotations" and "categories" arrays/,
    );
    await fails({ ...base, annotations: {} }, /annotations: not an array/);
    await fails({ images: [], annotations: [] }, /categories: missing/);
    await fails({ ...base, categories: [] }, /categories: is empty/);
    await fails({ ...base, images: [{ id: 1, file_name: 'a.png', width: 8 }] }, /images\[0\] \(id 1\)\.height: must be a positive integer, got undefined/);
    await fails({ ...base, images: [{ id: '1', file_name: 'a.png', width: 8, height: 6 }] }, /images\[0\]\.id: must be an integer, got "1"/);
    await fails({ ...base, categories: [{ id: 1 }] }, /categories\[0\] \(id 1\)\.name: must be a string/);
    await fails({ ...base, categories: [...base.categories, { id: 3, name: 'wolf' }] }, /categories\[2\]\.id: 3 is used by another category too/);
    await fails(
      { ...base, annotations: [{ ...base.annotations[0], bbox: [1, 2, 3] }] },
      /annotations\[0\] \(id 10\)\.bbox: must be 4 finite numbers \[x, y, width, height\], got \[1,2,3\]/,
    );
    await fails({ ...base, annotations: [base.annotations[0], base.annotations[0]] }, /annotations\[1\] \(id 10\)\.id: 10 is used by another annotation too/);
  });

  it('rejects unknown image and category ids', async () => {
    await fails(
      { ...base, annotations: [{ ...base.annotations[0], category_id: 4 }] },
      /annotations\[0\] \(id 10\)\.category_id: 4 is not a category id \(known: 1, 3\)/,
    );
    await fails(
      { ...base, annotations: [{ ...base.annotations[1], image_id: 8 }] },
      /annotations\[0\] \(id 11\)\.image_id: 8 is not the id of any entry of "images"/,
    );
    // Crowd annotations are skipped, but their ids must still be valid.
    await fails({ ...base, annotations: [{ ...base.annotations[3], category_id: 99 }] }, /annotations\[0\] \(id 13\)\.category_id: 99/);
  });

  it('rejects boxes outside their image or without area, naming the annotation and the image size', async () => {
    const box = (bbox: number[]) => ({ ...base, annotations: [{ ...base.annotations[0], bbox }] });
    await fails(
      box([5, 2, 4.5, 2]),
      /annotations\[0\] \(id 10\)\.bbox: \[5, 2, 4\.5, 2\] \(x, y, width, height\) reaches outside its image images\[0\] \(id 7\), which is 8x6 \(width x height\)/,
    );
    await fails(box([0, -2, 1, 1]), /\(id 10\)\.bbox: \[0, -2, 1, 1\].*8x6/);
    await fails(box([1, 1, 0, 2]), /annotations\[0\] \(id 10\)\.bbox: \[1, 1, 0, 2\] has a non-positive width or height/);
    await fails(box([1, 1, 2, -1]), /non-positive width or height/);
    // Within the 1-pixel tolerance the box is clipped, not refused.
    expect(Array.from((await load(box([7, 5, 2, 2]))).get(2).y)).toEqual([7, 5, 8, 6, 1]);
  });

  it('names a missing image file and the entry that lists it, and a file whose size disagrees with the JSON', async () => {
    const missing = { ...base, images: [...base.images, { id: 8, file_name: 'gone.png', width: 8, height: 6 }] };
    await fails(
      missing,
      /image file .*images\/gone\.png: not found \(listed as images\[3\] \(id 8\)\.file_name "gone\.png" in .*instances\.json; is options\.images the right folder\?\)/,
    );
    const wrong = { ...base, images: [{ id: 1, file_name: 'big.png', width: 8, height: 6 }], annotations: [] };
    const ds = await load(wrong);
    expect(() => ds.get(0)).toThrow(/image file .*big\.png: is 16x12 but images\[0\] \(id 1\) in .*instances\.json says 8x6 \(width x height\); fix the JSON/);
    await expect(loadCocoDetection({ annotations: join(root, 'nope.json'), images })).rejects.toThrow(/COCO file .*nope\.json: not found/);
  });
});
