import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkIndex } from '../dataset.js';
import { BOX_ROW } from '../detection.js';
import type { ResampleMode } from '../resample.js';
import type { DescribedDataset, Sample, Split } from '../types.js';
import { DataFileError, describeFsError, readBytes } from './files.js';
import { imageToChw, readImageSync } from './image.js';

/** Options of {@link loadCocoDetection}. */
export interface CocoDetectionOptions {
  /** The COCO instances JSON (`instances_val2017.json` and the like). */
  annotations: string;
  /** The folder that each image's `file_name` is relative to. */
  images: string;
  /**
   * Resize every image, and scale its boxes, to this size: one number for a square or
   * `[height, width]`. Default: no resizing, and every image must then have the same size.
   */
  size?: number | readonly [number, number];
  /** Output channels: 1 (grey) or 3 (RGB, default). */
  channels?: 1 | 3;
  /** Resampling when resizing (default `'bilinear'`). */
  resize?: ResampleMode;
  /** Decode every image up front (surfacing bad files at once) instead of on `get` (default false). */
  preload?: boolean;
  /** Split label the dataset reports (default `'train'`). */
  split?: Split;
}

/** A COCO-format detection dataset, with what is needed to write predictions back in COCO's ids. */
export interface CocoDetectionDataset extends DescribedDataset {
  /** Always `'detection'`. */
  readonly task: 'detection';
  /** COCO `category_id` of each label: label `l` is category `categoryIds[l]` (ids sorted ascending). */
  readonly categoryIds: readonly number[];
  /** COCO `image_id` of each sample, in dataset order (ascending ids). */
  readonly imageIds: readonly number[];
  /** Path of each sample's image file. */
  readonly files: readonly string[];
  /**
   * Each sample's `[height, width]` as listed in the JSON, before any resizing: a predicted
   * box maps back to COCO's pixels by `x · width / inputShape[2]`, `y · height / inputShape[1]`.
   */
  readonly originalSizes: readonly (readonly [number, number])[];
}

/** How far (in pixels) a box may poke out of its image before it is an error; less is clipped. */
const BOX_TOLERANCE = 1;

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `'line L, column C'` of character offset `pos` in `text` (both 1-based). */
function lineColumn(text: string, pos: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, column ${pos - start + 1}`;
}

/**
 * Offset of the first JSON syntax error in `text` (`text.length` when it ends too early),
 * found by a strict recursive-descent scan. Only run after `JSON.parse` failed, because V8
 * states a position for some errors and not for others.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  class At extends Error {}
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ok: boolean): void => {
    if (!ok) throw new At();
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      expect(text[i] === ch);
      i++;
    }
  };
  const string = (): void => {
    expect(text[i] === '"');
    i++;
    for (;;) {
      const ch = text[i];
      expect(ch !== undefined && ch >= ' ');
      if (ch === '"') break;
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            expect(/[0-9a-fA-F]/.test(text[i] ?? ''));
          }
        } else expect('"\\/bfnrt'.includes(text[i] ?? 'x'));
      }
      i++;
    }
    i++;
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    expect(m !== null);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          ws();
          string();
          ws();
          expect(text[i] === ':');
          i++;
        }
        value();
        ws();
        if (text[i] === close) {
          i++;
          return;
        }
        expect(text[i] === ',');
        i++;
      }
    }
    if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    expect(i === text.length);
  } catch (e) {
    if (!(e instanceof At)) throw e;
  }
  return Math.min(i, text.length);
}

/**
 * A detection dataset from COCO-format files: an instances JSON (`images`, `annotations`,
 * `categories`) and the folder its `file_name`s are relative to, as written by the COCO
 * tools, CVAT, Label Studio or Roboflow. Samples are the JSON's images in ascending
 * `id` order (torchvision's `CocoDetection` order), images without annotations included
 * (with `K = 0`). Each annotation's `bbox` `[x, y, w, h]` becomes a row
 * `[x, y, x + w, y + h, label]`, where labels number the categories `0..C-1` in ascending
 * `id` order (`categoryIds` maps them back; `classNames` are the category names).
 *
 * - `iscrowd: 1` annotations are skipped (their ids are still checked): they mark regions
 *   of many objects that COCO's evaluation ignores rather than scores, and training on them
 *   as single objects would teach the wrong boxes.
 * - A box may extend up to 1 pixel beyond its image (annotation tools round outwards); it
 *   is clipped to the image. Further out, or with a non-positive width or height, it is
 *   an error.
 * - Sizes: with `size`, every image is resized (bilinear by default, half-pixel centres)
 *   and its boxes scaled to match; without it, every image must have the first image's
 *   size. The JSON's `width`/`height` must match the decoded file.
 *
 * Errors are `DataFileError`s naming the file and the field (`annotations[4] (id 17).bbox`)
 * and what to fix: malformed JSON (with line and column), a missing `images`,
 * `annotations` or `categories` array, a malformed entry, duplicate ids, an unknown
 * `image_id` or `category_id`, a box outside its image (with the image's size), a missing
 * image file. Every image file is checked to exist at load; images are decoded on `get`
 * (PNG or JPEG, by content) unless `preload`.
 */
export async function loadCocoDetection(options: CocoDetectionOptions): Promise<CocoDetectionDataset> {
  const file = options.annotations;
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new RangeError(`loadCocoDetection: channels must be 1 or 3, got ${String(channels)}`);
  const fixedSize = typeof options.size === 'number' ? ([options.size, options.size] as const) : options.size;
  if (fixedSize && !fixedSize.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`loadCocoDetection: size must be positive integers, got ${String(options.size)}`);
  }
  const fail = (field: string, problem: string): DataFileError => new DataFileError('COCO', file, `${field}: ${problem}`);

  const text = new TextDecoder().decode(await readBytes('COCO', file));
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new DataFileError('COCO', file, `is not valid JSON: syntax error at ${lineColumn(text, jsonErrorOffset(text))} (${message})`, { cause: e });
  }
  if (!isRecord(root)) throw new DataFileError('COCO', file, 'must hold a JSON object with "images", "annotations" and "categories"');
  const section = (key: 'images' | 'annotations' | 'categories'): Json[] => {
    const v = root[key];
    if (!Array.isArray(v)) {
      throw fail(key, `${v === undefined ? 'missing' : 'not an array'}; a COCO instances file has "images", "annotations" and "categories" arrays`);
    }
    return v;
  };
  const rawImages = section('images');
  const rawAnnotations = section('annotations');
  const rawCategories = section('categories');

  const entry = (key: string, i: number, v: Json): Record<string, Json> => {
    if (!isRecord(v)) throw fail(`${key}[${i}]`, 'must be an object');
    return v;
  };
  const integer = (v: Json, field: string, min = -Infinity): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw fail(field, `must be ${min > 0 ? 'a positive' : 'an'} integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };

  // Categories: labels 0..C-1 in ascending id order.
  const categories = rawCategories.map((v, i) => {
    const c = entry('categories', i, v);
    const id = integer(c.id, `categories[${i}].id`);
    if (typeof c.name !== 'string') throw fail(`categories[${i}] (id ${id}).name`, `must be a string, got ${JSON.stringify(c.name)}`);
    return { id, name: c.name, index: i };
  });
  if (categories.length === 0) throw fail('categories', 'is empty; a detection dataset needs at least one category');
  categories.sort((a, b) => a.id - b.id);
  const labelOf = new Map<number, number>();
  categories.forEach((c, label) => {
    if (labelOf.has(c.id)) throw fail(`categories[${c.index}].id`, `${c.id} is used by another category too`);
    labelOf.set(c.id, label);
  });

  // Images, in ascending id order.
  const images = rawImages.map((v, i) => {
    const im = entry('images', i, v);
    const id = integer(im.id, `images[${i}].id`);
    const name = `images[${i}] (id ${id})`;
    if (typeof im.file_name !== 'string' || im.file_name === '')
      throw fail(`${name}.file_name`, `must be a non-empty string, got ${JSON.stringify(im.file_name)}`);
    const width = integer(im.width, `${name}.width`, 1);
    const height = integer(im.height, `${name}.height`, 1);
    return { id, name, fileName: im.file_name, path: join(options.images, im.file_name), width, height, rows: [] as number[] };
  });
  const imageById = new Map<number, (typeof images)[number]>();
  for (const im of images) {
    if (imageById.has(im.id)) throw fail(`${im.name}.id`, `${im.id} is used by another image too`);
    imageById.set(im.id, im);
  }
  images.sort((a, b) => a.id - b.id);
  const first = images[0];
  if (!fixedSize && first) {
    const other = images.find((im) => im.width !== first.width || im.height !== first.height);
    if (other) {
      throw new DataFileError(
        'COCO',
        file,
        `${other.name} is ${other.width}x${other.height} (width x height) but ${first.name} is ${first.width}x${first.height}; pass options.size to resize every image to one size`,
      );
    }
  }

  // Annotations: checked, converted to rows, grouped by image.
  const annotationIds = new Set<number>();
  rawAnnotations.forEach((v, i) => {
    const a = entry('annotations', i, v);
    const id = integer(a.id, `annotations[${i}].id`);
    const name = `annotations[${i}] (id ${id})`;
    if (annotationIds.has(id)) throw fail(`${name}.id`, `${id} is used by another annotation too`);
    annotationIds.add(id);
    const imageId = integer(a.image_id, `${name}.image_id`);
    const image = imageById.get(imageId);
    if (!image) throw fail(`${name}.image_id`, `${imageId} is not the id of any entry of "images"`);
    const categoryId = integer(a.category_id, `${name}.category_id`);
    const label = labelOf.get(categoryId);
    if (label === undefined) {
      throw fail(`${name}.category_id`, `${categoryId} is not a category id (known: ${categories.map((c) => c.id).join(', ')})`);
    }
    if (a.iscrowd !== undefined && a.iscrowd !== 0 && a.iscrowd !== 1) throw fail(`${name}.iscrowd`, `must be 0 or 1, got ${JSON.stringify(a.iscrowd)}`);
    if (a.iscrowd === 1) return;
    const bbox = a.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((c) => typeof c === 'number' && Number.isFinite(c))) {
      throw fail(`${name}.bbox`, `must be 4 finite numbers [x, y, width, height], got ${JSON.stringify(bbox)}`);
    }
    const [x, y, w, h] = bbox as [number, number, number, number];
    if (!(w > 0 && h > 0)) throw fail(`${name}.bbox`, `[${bbox.join(', ')}] has a non-positive width or height`);
    const t = BOX_TOLERANCE;
    if (x < -t || y < -t || x + w > image.width + t || y + h > image.height + t) {
      throw fail(
        `${name}.bbox`,
        `[${bbox.join(', ')}] (x, y, width, height) reaches outside its image ${image.name}, which is ${image.width}x${image.height} (width x height)`,
      );
    }
    const clip = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
    image.rows.push(clip(x, image.width), clip(y, image.height), clip(x + w, image.width), clip(y + h, image.height), label);
  });

  // Every listed file must exist now, not halfway through the first epoch.
  for (const im of images) {
    let isFile: boolean;
    try {
      isFile = (await stat(im.path)).isFile();
    } catch (e) {
      throw new DataFileError(
        'image',
        im.path,
        `${describeFsError(e)} (listed as ${im.name}.file_name ${JSON.stringify(im.fileName)} in ${file}; is options.images the right folder?)`,
        {
          cause: e,
        },
      );
    }
    if (!isFile) throw new DataFileError('image', im.path, `is not a file (listed as ${im.name}.file_name in ${file})`);
  }

  const [height, width] = fixedSize ?? (first ? [first.height, first.width] : [0, 0]);
  const targets = images.map((im) => {
    const y = Float32Array.from(im.rows);
    if (fixedSize) {
      const sx = width / im.width;
      const sy = height / im.height;
      for (let r = 0; r < y.length; r += BOX_ROW) {
        y[r] = y[r]! * sx;
        y[r + 1] = y[r + 1]! * sy;
        y[r + 2] = y[r + 2]! * sx;
        y[r + 3] = y[r + 3]! * sy;
      }
    }
    return y;
  });
  const load = (i: number): Sample => {
    const im = images[i]!;
    const decoded = readImageSync(im.path);
    if (decoded.width !== im.width || decoded.height !== im.height) {
      throw new DataFileError(
        'image',
        im.path,
        `is ${decoded.width}x${decoded.height} but ${im.name} in ${file} says ${im.width}x${im.height} (width x height); fix the JSON`,
      );
    }
    const { x, shape } = imageToChw(decoded, { channels, size: [height, width], ...(options.resize ? { resize: options.resize } : {}) });
    const y = targets[i]!;
    return { x, xShape: shape, y, yShape: [y.length / BOX_ROW, BOX_ROW] };
  };
  const cache = options.preload ? images.map((_, i) => load(i)) : undefined;
  return {
    name: 'coco',
    split: options.split ?? 'train',
    task: 'detection',
    inputShape: [channels, height, width],
    inputDType: 'float32',
    targetShape: [-1, BOX_ROW],
    numClasses: categories.length,
    classNames: categories.map((c) => c.name),
    categoryIds: categories.map((c) => c.id),
    imageIds: images.map((im) => im.id),
    files: images.map((im) => im.path),
    originalSizes: images.map((im) => [im.height, im.width] as const),
    length: images.length,
    get(i: number): Sample {
      checkIndex(i, images.length, 'COCO dataset');
      return cache ? cache[i]! : load(i);
    },
  };
}
