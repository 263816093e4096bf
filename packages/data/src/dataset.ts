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

/**
 * Stacks samples into a batch along a new leading axis (PyTorch's `default_collate` for
 * array samples). All samples must agree on shapes and array types; the error names the
 * first offending sample. The result never shares memory with the samples.
 */
export function collate(samples: readonly Sample[]): Batch {
  if (samples.length === 0) throw new RangeError('collate: cannot stack an empty list of samples');
  const first = samples[0]!;
  const xSize = shapeSize(first.xShape);
  const ySize = shapeSize(first.yShape);
  const XCtor = first.x instanceof Int32Array ? Int32Array : Float32Array;
  const YCtor = first.y instanceof Int32Array ? Int32Array : Float32Array;
  const x = new XCtor(samples.length * xSize);
  const y = new YCtor(samples.length * ySize);
  samples.forEach((s, n) => {
    if (!sameShape(s.xShape, first.xShape) || !sameShape(s.yShape, first.yShape)) {
      throw new RangeError(`collate: sample ${n} has x [${s.xShape}] / y [${s.yShape}], but sample 0 has x [${first.xShape}] / y [${first.yShape}]`);
    }
    if (!(s.x instanceof XCtor) || !(s.y instanceof YCtor)) {
      throw new TypeError(
        `collate: sample ${n} mixes array types (x ${s.x.constructor.name}, y ${s.y.constructor.name}) with sample 0's (x ${first.x.constructor.name}, y ${first.y.constructor.name})`,
      );
    }
    if (s.x.length !== xSize || s.y.length !== ySize) {
      throw new RangeError(`collate: sample ${n} has ${s.x.length}/${s.y.length} values for shapes [${s.xShape}]/[${s.yShape}]`);
    }
    x.set(s.x, n * xSize);
    y.set(s.y, n * ySize);
  });
  return { x, xShape: [samples.length, ...first.xShape], y, yShape: [samples.length, ...first.yShape] };
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
