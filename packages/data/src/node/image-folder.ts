import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { checkIndex } from '../dataset.js';
import type { DescribedDataset, Sample, Split } from '../types.js';
import { DataFileError, describeFsError } from './files.js';
import { imageToChw, readImageSync, type ImageConvertOptions } from './image.js';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Output size: one number for a square or `[height, width]` (default: the first image's size, which every image must then share). */
  size?: number | readonly [number, number];
  /** Output channels: 1 (grey), 3 (RGB, default) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Resampling when resizing (default `'bilinear'`). */
  resize?: ImageConvertOptions['resize'];
  /** Decode every image up front (surfacing bad files at once) instead of on `get` (default false). */
  preload?: boolean;
  /** Split label the dataset reports (default `'train'`). */
  split?: Split;
  /** File extensions to include, lower-case with the dot (default `['.png', '.jpg', '.jpeg']`). */
  extensions?: readonly string[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function listDir(dir: string): Promise<{ name: string; dir: boolean }[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const out: { name: string; dir: boolean }[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // .DS_Store, .git, editor droppings
      // Follow symlinks, as datasets are often assembled from links.
      const isDir = e.isSymbolicLink() ? (await stat(join(dir, e.name))).isDirectory() : e.isDirectory();
      out.push({ name: e.name, dir: isDir });
    }
    return out.sort((a, b) => byCodeUnit(a.name, b.name));
  } catch (e) {
    throw new DataFileError('image', dir, describeFsError(e), { cause: e, folder: true });
  }
}

async function listImages(dir: string, extensions: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const e of await listDir(dir)) {
    const path = join(dir, e.name);
    if (e.dir) files.push(...(await listImages(path, extensions)));
    else if (extensions.includes(extname(e.name).toLowerCase())) files.push(path);
  }
  return files;
}

/**
 * A classification dataset from a folder with one sub-folder per class (torchvision's
 * `ImageFolder` layout: `root/cat/001.png`, `root/dog/x.jpg`). Classes are the
 * sub-folder names sorted by code unit, labelled 0, 1, …; images are found recursively
 * under each class, sorted by path, hidden entries skipped, and decoded as PNG or JPEG by
 * content. `x` is `[channels, H, W]` in [0, 1] (see `imageToChw` for conversions).
 * Images are decoded on `get` unless `preload`; errors name the file.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<DescribedDataset> {
  const channels = options.channels ?? 3;
  const listing = await listImageFolder(root, options);
  const { classNames } = listing;
  const files = listing.files.map((f) => f.path);
  const labels = listing.files.map((f) => f.label);
  const fixedSize = typeof options.size === 'number' ? ([options.size, options.size] as const) : options.size;
  let size: readonly [number, number];
  if (fixedSize) size = fixedSize;
  else {
    const first = readImageSync(files[0]!);
    size = [first.height, first.width];
  }
  const convert: ImageConvertOptions = { channels, size, ...(options.resize ? { resize: options.resize } : {}) };
  const load = (i: number): Sample => {
    const image = readImageSync(files[i]!);
    if (!fixedSize && (image.height !== size[0] || image.width !== size[1])) {
      throw new DataFileError('image', files[i]!, `is ${image.height}x${image.width} but ${files[0]} is ${size[0]}x${size[1]}; pass options.size to resize`);
    }
    const { x, shape } = imageToChw(image, convert);
    return { x, xShape: shape, y: Int32Array.of(labels[i]!), yShape: [] };
  };
  const cache = options.preload ? files.map((_, i) => load(i)) : undefined;
  return {
    name: 'image-folder',
    split: options.split ?? 'train',
    task: 'classification',
    inputShape: [channels, size[0], size[1]],
    inputDType: 'float32',
    targetShape: [],
    numClasses: classNames.length,
    classNames,
    length: files.length,
    get(i: number): Sample {
      checkIndex(i, files.length, 'image folder');
      return cache ? cache[i]! : load(i);
    },
  };
}

/**
 * The classes and image files of an image folder with their labels, in dataset order
 * (what {@link loadImageFolder} indexes). Throws when there are no classes or a class is empty.
 */
export async function listImageFolder(
  root: string,
  options: Pick<ImageFolderOptions, 'extensions'> = {},
): Promise<{ classNames: string[]; files: { path: string; label: number }[] }> {
  const extensions = options.extensions ?? ['.png', '.jpg', '.jpeg'];
  const classNames = (await listDir(root)).filter((e) => e.dir).map((e) => e.name);
  if (classNames.length === 0) throw new DataFileError('image', root, 'has no class sub-folders (expected root/<class>/<image>)', { folder: true });
  const files: { path: string; label: number }[] = [];
  for (const [label, name] of classNames.entries()) {
    const images = await listImages(join(root, name), extensions);
    // An empty class would silently shift nothing but skew numClasses; torchvision refuses too.
    if (images.length === 0) throw new DataFileError('image', join(root, name), `class "${name}" has no ${extensions.join('/')} images`, { folder: true });
    for (const path of images) files.push({ path, label });
  }
  return { classNames, files };
}
