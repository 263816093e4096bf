import type { Batch, Dataset, DescribedDataset, Sample } from './types.js';

/** Product of a shape's dimensions (1 for a scalar shape `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws a `RangeError` unless `i` is an integer index into a dataset of `length` samples. */
export function checkIndex(i: number, length: number, what = 'dataset'): void {
  if (!Number.isInteger(i) || i < 0 || i >= length) {
    throw new RangeError(`${what}: index ${i} out of range [0, ${length})`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** Options of {@link collate}. */
export interface CollateOptions {
  /**
   * Let targets differ in their first axis (e.g. a variable number of boxes `[K, 5]`) and
   * pad each one to the batch's largest with this value; the other axes must still agree.
   * Without it every target shape must match exactly.
   */
  padTargets?: number;
}

/** Turns the samples of one batch into a {@link Batch}; `DataLoader` takes one as its `collate` option. */
export type Collate = (samples: readonly Sample[]) => Batch;

/**
 * Stacks samples into a batch along a new leading axis (PyTorch's `default_collate` for
 * array samples). All samples must agree on shapes and array types; the error names the
 * first offending sample. With `padTargets`, targets ragged in their first axis are padded
 * to the largest (`[K_n, ...rest]` becomes `[N, Kmax, ...rest]`). The result never shares
 * memory with the samples.
 */
export function collate(samples: readonly Sample[], options: CollateOptions = {}): Batch {
  if (samples.length === 0) throw new RangeError('collate: cannot stack an empty list of samples');
  const first = samples[0]!;
  const pad = options.padTargets;
  let yShape = first.yShape;
  if (pad !== undefined) {
    if (first.yShape.length === 0) throw new RangeError('collate: padTargets needs targets with at least one axis, but sample 0 has y []');
    const rows = Math.max(...samples.map((s) => s.yShape[0] ?? 0));
    yShape = [rows, ...first.yShape.slice(1)];
  }
  const xSize = shapeSize(first.xShape);
  const ySize = shapeSize(yShape);
  const XCtor = first.x instanceof Int32Array ? Int32Array : Float32Array;
  const YCtor = first.y instanceof Int32Array ? Int32Array : Float32Array;
  const x = new XCtor(samples.length * xSize);
  const y = new YCtor(samples.length * ySize);
  if (pad !== undefined) y.fill(pad);
  // With padding only the trailing target axes must agree; the first may be shorter.
  const yFits = (s: readonly number[]): boolean =>
    pad === undefined ? sameShape(s, yShape) : s.length === yShape.length && sameShape(s.slice(1), yShape.slice(1));
  samples.forEach((s, n) => {
    if (!sameShape(s.xShape, first.xShape) || !yFits(s.yShape)) {
      const rule = pad === undefined ? '' : ' (targets may differ only in their first axis)';
      throw new RangeError(`collate: sample ${n} has x [${s.xShape}] / y [${s.yShape}], but sample 0 has x [${first.xShape}] / y [${first.yShape}]${rule}`);
    }
    if (!(s.x instanceof XCtor) || !(s.y instanceof YCtor)) {
      throw new TypeError(
        `collate: sample ${n} mixes array types (x ${s.x.constructor.name}, y ${s.y.constructor.name}) with sample 0's (x ${first.x.constructor.name}, y ${first.y.constructor.name})`,
      );
    }
    if (s.x.length !== xSize || s.y.length !== shapeSize(s.yShape)) {
      throw new RangeError(`collate: sample ${n} has ${s.x.length}/${s.y.length} values for shapes [${s.xShape}]/[${s.yShape}]`);
    }
    x.set(s.x, n * xSize);
    y.set(s.y, n * ySize);
  });
  return { x, xShape: [samples.length, ...first.xShape], y, yShape: [samples.length, ...yShape] };
}

/**
 * A dataset over pre-stacked arrays: `xShape` and `yShape` both lead with the sample count
 * `N` (the inverse of `collate`). `get(i)` returns zero-copy views.
 */
export function datasetFromArrays(arrays: Batch): Dataset<Sample> {
  const { x, y, xShape, yShape } = arrays;
  const n = xShape[0];
  if (n === undefined || yShape[0] !== n) {
    throw new RangeError(`datasetFromArrays: xShape [${xShape}] and yShape [${yShape}] must share a leading sample count`);
  }
  if (x.length !== shapeSize(xShape) || y.length !== shapeSize(yShape)) {
    throw new RangeError(`datasetFromArrays: arrays hold ${x.length}/${y.length} values for shapes [${xShape}]/[${yShape}]`);
  }
  const sx = xShape.slice(1);
  const sy = yShape.slice(1);
  const xs = shapeSize(sx);
  const ys = shapeSize(sy);
  return {
    length: n,
    get(i: number): Sample {
      checkIndex(i, n);
      return { x: x.subarray(i * xs, (i + 1) * xs), xShape: sx.slice(), y: y.subarray(i * ys, (i + 1) * ys), yShape: sy.slice() };
    },
  };
}

/** The samples of `dataset` at `indices`, in that order (indices are checked eagerly). */
export function subset<S>(dataset: Dataset<S>, indices: readonly number[]): Dataset<S> {
  for (const i of indices) checkIndex(i, dataset.length, 'subset');
  const idx = indices.slice();
  return {
    length: idx.length,
    get(i: number): S {
      checkIndex(i, idx.length, 'subset');
      return dataset.get(idx[i]!);
    },
  };
}

/** Metadata half of a {@link DescribedDataset}. */
export type DatasetInfo = Omit<DescribedDataset, 'length' | 'get'>;

/** Attaches a description to a plain dataset (e.g. one built with `datasetFromArrays`). */
export function describeDataset(dataset: Dataset<Sample>, info: DatasetInfo): DescribedDataset {
  return {
    ...info,
    length: dataset.length,
    get: (i: number) => dataset.get(i),
  };
}
