import { datasetFromArrays, describeDataset } from '../dataset.js';
import type { DescribedDataset, Split } from '../types.js';
import { DataFileError, readMaybeGzipped } from './files.js';

/** Element type of an IDX file, from the magic's third byte. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX array (values converted from big-endian). */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const IDX_TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/**
 * Decodes IDX bytes (the MNIST / Fashion-MNIST / EMNIST container): a big-endian magic
 * `00 00 <type> <ndim>`, `ndim` big-endian uint32 dimensions, then the values. The length
 * must match the header exactly, since a short file means a truncated download and a
 * long one a wrong file. `file` only labels error messages.
 */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  const fail = (problem: string): never => {
    throw new DataFileError('IDX', file, problem);
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes is too short for the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = IDX_TYPES[bytes[2]!];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    fail(`bad magic number ${hex8(magic)} (expected 0x0000TTNN with type TT in 08,09,0b,0c,0d,0e; not an IDX file?)`);
  }
  const { dtype, bytes: width } = type!;
  const ndim = bytes[3]!;
  const header = 4 + 4 * ndim;
  if (bytes.length < header) fail(`magic ${hex8(magic)} needs a ${header}-byte header, found ${bytes.length} bytes (truncated?)`);
  const shape = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = header + count * width;
  if (bytes.length !== expected) {
    fail(
      `magic ${hex8(magic)} expects ${expected} bytes of data, found ${bytes.length} ` +
        (bytes.length < expected ? '(truncated?)' : `(${bytes.length - expected} trailing bytes; wrong file?)`),
    );
  }
  let data: IdxArray['data'];
  switch (dtype) {
    // Copy through the Uint8Array constructor: Buffer#slice would return a view of Node's pool.
    case 'uint8':
      data = new Uint8Array(bytes.subarray(header));
      break;
    case 'int8':
      data = new Int8Array(new Uint8Array(bytes.subarray(header)).buffer);
      break;
    case 'int16':
      data = Int16Array.from({ length: count }, (_, i) => view.getInt16(header + 2 * i));
      break;
    case 'int32':
      data = Int32Array.from({ length: count }, (_, i) => view.getInt32(header + 4 * i));
      break;
    case 'float32':
      data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(header + 4 * i));
      break;
    case 'float64':
      data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(header + 8 * i));
      break;
  }
  return { dtype, shape, data };
}

/** Reads and decodes an IDX file, gunzipping it first if it starts with the gzip magic. */
export async function readIdx(file: string): Promise<IdxArray> {
  return parseIdx(await readMaybeGzipped('IDX', file), file);
}

/** Options of {@link loadIdx}. */
export interface IdxOptions {
  /** Split label the dataset reports (default `'train'`). */
  split?: Split;
  /** Number of classes (default: largest label + 1). */
  numClasses?: number;
  /** Class names, e.g. Fashion-MNIST's (sets `numClasses` when that is not given). */
  classNames?: readonly string[];
  /** Factor applied to image values (default `1/255` for uint8 images, else 1). */
  scale?: number;
  /** Name the dataset reports (default `'idx'`). */
  name?: string;
}

/**
 * A classification dataset from an IDX image file (`[N, H, W]`, or `[N, C, H, W]`) and
 * an IDX label file (`[N]`, integer): MNIST, Fashion-MNIST, KMNIST, EMNIST. Either may be
 * gzipped. uint8 pixels are scaled to [0, 1]; `x` is `[1, H, W]` (or `[C, H, W]`).
 *
 * @example
 * const train = await loadIdx('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
 */
export async function loadIdx(imagesFile: string, labelsFile: string, options: IdxOptions = {}): Promise<DescribedDataset> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new DataFileError('IDX', imagesFile, `expected images of shape [N, H, W] or [N, C, H, W], found [${images.shape}]`);
  }
  if (labels.shape.length !== 1 || labels.dtype.startsWith('float')) {
    throw new DataFileError('IDX', labelsFile, `expected integer labels of shape [N], found ${labels.dtype} [${labels.shape}]`);
  }
  const n = images.shape[0]!;
  if (labels.shape[0] !== n) {
    throw new DataFileError('IDX', labelsFile, `has ${labels.shape[0]} labels but ${imagesFile} has ${n} images`);
  }
  const y = Int32Array.from(labels.data as ArrayLike<number>);
  let max = -1;
  for (let i = 0; i < n; i++) {
    if (y[i]! < 0) throw new DataFileError('IDX', labelsFile, `label ${y[i]} at index ${i} is negative`);
    max = Math.max(max, y[i]!);
  }
  const numClasses = options.numClasses ?? options.classNames?.length ?? max + 1;
  if (max >= numClasses) throw new DataFileError('IDX', labelsFile, `label ${max} is outside [0, ${numClasses})`);
  const x = new Float32Array(images.data.length);
  if (options.scale === undefined && images.dtype === 'uint8') {
    // Divide rather than multiply by 1/255 so values equal the usual `v / 255` bit for bit.
    for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  } else {
    const scale = options.scale ?? 1;
    for (let i = 0; i < x.length; i++) x[i] = images.data[i]! * scale;
  }
  const sampleShape = images.shape.length === 3 ? [1, ...images.shape.slice(1)] : images.shape.slice(1);
  return describeDataset(datasetFromArrays({ x, xShape: [n, ...sampleShape], y, yShape: [n] }), {
    name: options.name ?? 'idx',
    split: options.split ?? 'train',
    task: 'classification',
    inputShape: sampleShape,
    inputDType: 'float32',
    targetShape: [],
    numClasses,
    ...(options.classNames ? { classNames: options.classNames } : {}),
  });
}
