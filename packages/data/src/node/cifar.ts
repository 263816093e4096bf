import { datasetFromArrays, describeDataset } from '../dataset.js';
import type { DescribedDataset, Split } from '../types.js';
import { DataFileError, readBytes } from './files.js';

/** CIFAR-10 class names, by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const PIXELS = 3 * 32 * 32;

/** Options of {@link loadCifar10} and {@link loadCifar100}. */
export interface CifarOptions {
  /** Split label the dataset reports (default `'train'`). */
  split?: Split;
}

/** Decoded records of several binary batch files, concatenated in file order. */
async function readRecords(
  format: string,
  files: readonly string[],
  labelBytes: number,
  labelIndex: number,
  numClasses: number,
): Promise<{ x: Float32Array; y: Int32Array }> {
  const record = labelBytes + PIXELS;
  const contents = await Promise.all(files.map((f) => readBytes(format, f)));
  let n = 0;
  contents.forEach((bytes, k) => {
    if (bytes.length === 0 || bytes.length % record !== 0) {
      const whole = Math.floor(bytes.length / record);
      throw new DataFileError(
        format,
        files[k]!,
        `size ${bytes.length} is not a positive multiple of the ${record}-byte record (${labelBytes} label + ${PIXELS} pixel bytes): ` +
          `${whole} whole records and ${bytes.length - whole * record} bytes left over (truncated?)`,
      );
    }
    n += bytes.length / record;
  });
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  let i = 0;
  contents.forEach((bytes, k) => {
    for (let off = 0; off < bytes.length; off += record, i++) {
      const label = bytes[off + labelIndex]!;
      if (label >= numClasses) {
        throw new DataFileError(format, files[k]!, `record ${(off / record) | 0} has label ${label}, expected 0..${numClasses - 1} (not a ${format} file?)`);
      }
      y[i] = label;
      // Pixels are stored channel-planar (1024 R, 1024 G, 1024 B), already CHW.
      for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = bytes[off + labelBytes + p]! / 255;
    }
  });
  return { x, y };
}

/**
 * CIFAR-10 from its binary batches (`data_batch_1.bin` … `data_batch_5.bin`,
 * `test_batch.bin`): records of 1 label byte then 3,072 pixel bytes (R, G, B planes of
 * 32×32). `x` is `[3, 32, 32]` in [0, 1], `y` the class; several files are concatenated
 * in the order given.
 */
export async function loadCifar10(files: string | readonly string[], options: CifarOptions = {}): Promise<DescribedDataset> {
  const list = typeof files === 'string' ? [files] : files;
  const { x, y } = await readRecords('CIFAR-10', list, 1, 0, 10);
  return describeDataset(datasetFromArrays({ x, xShape: [y.length, 3, 32, 32], y, yShape: [y.length] }), {
    name: 'cifar10',
    split: options.split ?? 'train',
    task: 'classification',
    inputShape: [3, 32, 32],
    inputDType: 'float32',
    targetShape: [],
    numClasses: 10,
    classNames: CIFAR10_CLASSES,
  });
}

/**
 * CIFAR-100 from its binary files (`train.bin`, `test.bin`): records of a coarse label
 * byte, a fine label byte, then 3,072 pixel bytes. `labels` picks the 100 fine classes
 * (default) or the 20 coarse superclasses.
 */
export async function loadCifar100(files: string | readonly string[], options: CifarOptions & { labels?: 'fine' | 'coarse' } = {}): Promise<DescribedDataset> {
  const list = typeof files === 'string' ? [files] : files;
  const fine = (options.labels ?? 'fine') === 'fine';
  const numClasses = fine ? 100 : 20;
  const { x, y } = await readRecords('CIFAR-100', list, 2, fine ? 1 : 0, numClasses);
  return describeDataset(datasetFromArrays({ x, xShape: [y.length, 3, 32, 32], y, yShape: [y.length] }), {
    name: fine ? 'cifar100' : 'cifar100-coarse',
    split: options.split ?? 'train',
    task: 'classification',
    inputShape: [3, 32, 32],
    inputDType: 'float32',
    targetShape: [],
    numClasses,
  });
}
