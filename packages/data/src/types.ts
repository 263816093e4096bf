/**
 * Core data types. Everything here is plain typed arrays plus shapes, so the data layer
 * works (and is tested) without any tensor backend; `toTensors` bridges to `@skipnet/core`.
 *
 * @packageDocumentation
 */

/**
 * One example. Arrays are row-major (C order); images are CHW, matching core's NCHW batches.
 *
 * - `x`: the input. Images are `Float32Array` with `xShape` `[C, H, W]`; token sequences
 *   (character models) are `Int32Array` with `xShape` `[T]`, because core's embedding
 *   lookups take int32 indices.
 * - `y`: the target. Classification: a length-1 `Int32Array` holding the class index, with
 *   `yShape` `[]` (a scalar). Segmentation: an `Int32Array` class mask, `yShape` `[H, W]`.
 *   Language models: next-token ids, `yShape` `[T]`. Translation: the source ids and
 *   the decoder input packed in `x`, the decoder target in `y` (see {@link TranslationInfo}).
 *   Masked-LM: the masked ids in `x` `[T]`, the original ids at the masked positions in `y`
 *   `[T]` and -100 elsewhere. Detection: a `Float32Array` of `K`
 *   rows `[x1, y1, x2, y2, label]`, `yShape` `[K, 5]` (`K` may be 0): boxes in pixel
 *   coordinates of this image (x right, y down, pixel `j` spans `[j, j + 1)`, so a box over
 *   columns 3..5 has `x1 = 3`, `x2 = 6`) and integer class ids `0..numClasses-1` (no
 *   background class). Transforms such as `oneHot` may turn `y` into a `Float32Array`.
 *
 * Samples returned by a dataset may share memory with it: treat them as read-only
 * (transforms and `collate` always copy).
 */
export interface Sample {
  /** Input values, row-major. */
  x: Float32Array | Int32Array;
  /** Shape of `x`, e.g. `[1, 28, 28]` or `[T]`. */
  xShape: number[];
  /** Target values, row-major. */
  y: Int32Array | Float32Array;
  /** Shape of `y`: `[]` for a class index, `[H, W]` for a mask, `[T]` for next tokens, `[K, 5]` for boxes. */
  yShape: number[];
}

/**
 * A batch of `N` samples stacked along a new leading axis: `xShape` is `[N, ...sample.xShape]`
 * and `yShape` is `[N, ...sample.yShape]` (so classification labels are `[N]`). Detection
 * targets, whose box count `K` varies, are padded to the batch's largest `K` with rows of
 * `-1` (see `collateDetection`), giving `yShape` `[N, Kmax, 5]`.
 */
export interface Batch {
  /** Stacked inputs. */
  x: Float32Array | Int32Array;
  /** `[N, ...sampleXShape]`. */
  xShape: number[];
  /** Stacked targets. */
  y: Int32Array | Float32Array;
  /** `[N, ...sampleYShape]`. */
  yShape: number[];
  /** Dataset indices of the samples, in batch order (set by `DataLoader`; useful for debugging and resume checks). */
  indices?: number[];
}

/**
 * A map-style dataset (PyTorch's `Dataset` with `__len__`/`__getitem__`): random access by
 * index, synchronous, deterministic (the same `i` always gives the same sample).
 */
export interface Dataset<S = Sample> {
  /** Number of samples. */
  readonly length: number;
  /** The sample at `i`, for integer `0 <= i < length`; throws a `RangeError` otherwise. */
  get(i: number): S;
}

/** What a dataset is for; decides how models and metrics treat `y` (see {@link Sample}). */
export type Task = 'classification' | 'segmentation' | 'language' | 'detection' | 'translation' | 'masked-lm';

/** Which half of a dataset's fixed split. */
export type Split = 'train' | 'test';

/** Element type of `x` (and of a tensor made from it). */
export type InputDType = 'float32' | 'int32';

/**
 * Token vocabulary of a character-level dataset (implemented by `CharVocab`).
 */
export interface Vocab {
  /** Number of tokens, i.e. the embedding / output size. */
  readonly size: number;
  /** Token strings by id. */
  readonly tokens: readonly string[];
  /** Id of the start/end token, or `undefined` when the vocabulary has none. */
  readonly boundary: number | undefined;
  /** Text to ids; throws on a character outside the vocabulary. */
  encode(text: string): Int32Array;
  /** Ids to text. Boundary tokens are dropped unless `keepBoundary` is true. */
  decode(ids: ArrayLike<number>, options?: { keepBoundary?: boolean }): string;
}

/**
 * How a translation (sequence-to-sequence) dataset lays out its samples: `x` is the source
 * ids `[sourceLength]` (right-padded with `pad`) followed by the decoder input
 * `<bos> t1 … tk` `[targetLength]` (right-padded with `pad`); `y` is the decoder target
 * `t1 … tk <eos>` `[targetLength]`, padded with -100 (ignored by the loss). Source and target
 * have their own vocabularies; both use `pad` as the padding id.
 */
export interface TranslationInfo {
  /** Source positions at the start of `x`. */
  readonly sourceLength: number;
  /** Decoder positions (the rest of `x`, and `y`). */
  readonly targetLength: number;
  /** Source token strings by id. */
  readonly sourceTokens: readonly string[];
  /** Target token strings by id (the model's output classes). */
  readonly targetTokens: readonly string[];
  /** Padding id (source and decoder input). */
  readonly pad: number;
  /** Target id that starts decoding. */
  readonly bos: number;
  /** Target id that ends a translation. */
  readonly eos: number;
  /** User text to source ids `[sourceLength]`; throws a `RangeError` saying why text is not a valid source. */
  encodeSource(text: string): Int32Array;
  /** Target ids to text: stops at `eos`, drops `pad` and `bos`. */
  decodeTarget(ids: ArrayLike<number>): string;
}

/**
 * A dataset that describes itself, so a trainer can build a matching model head and
 * loss without knowing the dataset.
 */
export interface DescribedDataset extends Dataset<Sample> {
  /** Registry name (`'mnist'`, `'names'`, ...) or a loader's name (`'idx'`, `'cifar10'`, ...). */
  readonly name: string;
  /** Which half of the split this is. */
  readonly split: Split;
  /** What the dataset is for. */
  readonly task: Task;
  /** Shape of one sample's `x`, e.g. `[1, 28, 28]`. */
  readonly inputShape: readonly number[];
  /** Element type of `x`. */
  readonly inputDType: InputDType;
  /**
   * Shape of one sample's `y`: `[]`, `[H, W]` or `[T]`; for detection `[-1, 5]`, where `-1`
   * (as in a reshape) stands for the box count `K`, which varies from sample to sample.
   */
  readonly targetShape: readonly number[];
  /**
   * Classes (classification; segmentation, including background; detection, object classes
   * only, no background) or vocabulary size (language).
   */
  readonly numClasses: number;
  /** Human-readable class names, index-aligned with class ids, when known. */
  readonly classNames?: readonly string[];
  /** Vocabulary of a language dataset. */
  readonly vocab?: Vocab;
  /** Layout and vocabularies of a translation dataset. */
  readonly translation?: TranslationInfo;
  /**
   * Detection: the box-area ranges (px²) of the small / medium / large buckets that AP by
   * size uses, when the dataset defines its own (COCO's 32² / 96² suit ~640-px photos).
   */
  readonly areaRanges?: {
    readonly small: readonly [number, number];
    readonly medium: readonly [number, number];
    readonly large: readonly [number, number];
  };
}
