/**
 * `@skipnet/data`: datasets, a seeded prefetching `DataLoader`, and transforms.
 * Samples and batches are plain typed arrays with shapes; `toTensors` turns a batch into
 * `@skipnet/core` tensors. File loaders that need Node live in `@skipnet/data/node`.
 *
 * @packageDocumentation
 */
export type { Batch, Dataset, DescribedDataset, InputDType, Sample, Split, Task, TranslationInfo, Vocab } from './types.js';
export { Rng, hashKeys } from './random.js';
export { collate, datasetFromArrays, describeDataset, subset, shapeSize, type Collate, type CollateOptions, type DatasetInfo } from './dataset.js';
export { BOX_PADDING, BOX_ROW, boxTarget, checkBoxTarget, collateDetection, unpadBoxes, type BoxesAndLabels } from './detection.js';
export { DataLoader, type DataLoaderOptions, type EpochOptions } from './loader.js';
export { compose, horizontalFlip, normalize, oneHot, randomCrop, resize, type RandomCropOptions, type ResizeOptions, type Transform } from './transforms.js';
export { resampleChw, type ResampleMode } from './resample.js';
export { CharVocab, textDataset, tokenWindows, type TextDatasetOptions, type TokenWindowOptions } from './text.js';
export {
  WordPieceTokenizer,
  basicTokenize,
  wordpieceSplit,
  type WordPieceOptions,
  type BasicTokenizeOptions,
  type EncodeForModelOptions,
  type BertEncoding,
} from './wordpiece.js';
export { loadMnist, loadMnistArrays, MNIST_CLASSES, type MnistArrays, type MnistOptions } from './datasets/mnist.js';
export { loadMnistSeg, renderMnistSegScene, MNIST_SEG_CLASSES, type MnistSegOptions } from './datasets/mnist-seg.js';
export { loadNames, loadNameLists, namesVocab, NAMES_BOUNDARY, type NamesOptions } from './datasets/names.js';
export {
  encodeNameForBert,
  maskNameTokens,
  namesBertVocab,
  namesMlmDataset,
  namesScrambledDataset,
  scrambleName,
  NAMES_BERT_LENGTH,
  NAMES_BERT_SPECIAL,
  NAMES_BERT_TOKENS,
  NAMES_SCRAMBLED_CLASSES,
  type NamesBertOptions,
} from './datasets/names-mlm.js';
export {
  decodeNumberTarget,
  encodeNumberSource,
  numberToWords,
  numberWordsDataset,
  numberWordsNumber,
  numberWordsSample,
  numberWordsSplitOf,
  IGNORE_INDEX,
  NUMBER_WORDS_INFO,
  NUMBER_WORDS_MAX,
  NUMBER_WORDS_SOURCE_TOKENS,
  NUMBER_WORDS_TARGET_TOKENS,
  type NumberWordsOptions,
} from './datasets/number-words.js';
export { shapesDataset, renderShapesScene, SHAPE_CLASSES, type ShapesOptions } from './datasets/shapes.js';
export {
  renderShapesDetScene,
  shapesDetAreaRanges,
  shapesDetDataset,
  SHAPES_DET_AREA_RANGES,
  SHAPES_DET_CLASSES,
  type AreaRanges,
  type ShapesDetObject,
  type ShapesDetOptions,
  type ShapesDetScene,
} from './datasets/shapes-det.js';
export { createDataset, listDatasets, type DatasetEntry, type DatasetName, type DatasetOptionsMap } from './datasets/registry.js';
export { toTensors } from './to-tensors.js';
