import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as data from './index.js';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('package boundaries', () => {
  it('keeps the base entry free of Node built-ins (browser-safe) and of core outside to-tensors', () => {
    const offenders: string[] = [];
    for (const file of sources(srcDir)) {
      const rel = relative(srcDir, file);
      if (rel.startsWith('node/')) continue;
      const text = readFileSync(file, 'utf8');
      if (/from '(node:|fs|path|zlib)/.test(text)) offenders.push(`${rel}: Node import`);
      if (rel !== 'to-tensors.ts' && /'@skipnet\/core'/.test(text)) offenders.push(`${rel}: core import`);
    }
    expect(offenders).toEqual([]);
  });

  it('exports the public API from the base entry', () => {
    expect(Object.keys(data).sort()).toEqual([
      'BOX_PADDING',
      'BOX_ROW',
      'CharVocab',
      'DataLoader',
      'IGNORE_INDEX',
      'MNIST_CLASSES',
      'MNIST_SEG_CLASSES',
      'NAMES_BERT_LENGTH',
      'NAMES_BERT_SPECIAL',
      'NAMES_BERT_TOKENS',
      'NAMES_BOUNDARY',
      'NAMES_SCRAMBLED_CLASSES',
      'NUMBER_WORDS_INFO',
      'NUMBER_WORDS_MAX',
      'NUMBER_WORDS_SOURCE_TOKENS',
      'NUMBER_WORDS_TARGET_TOKENS',
      'Rng',
      'SHAPES_DET_AREA_RANGES',
      'SHAPES_DET_CLASSES',
      'SHAPE_CLASSES',
      'WordPieceTokenizer',
      'basicTokenize',
      'boxTarget',
      'checkBoxTarget',
      'collate',
      'collateDetection',
      'compose',
      'createDataset',
      'datasetFromArrays',
      'decodeNumberTarget',
      'describeDataset',
      'encodeNameForBert',
      'encodeNumberSource',
      'hashKeys',
      'horizontalFlip',
      'listDatasets',
      'loadMnist',
      'loadMnistArrays',
      'loadMnistSeg',
      'loadNameLists',
      'loadNames',
      'maskNameTokens',
      'namesBertVocab',
      'namesMlmDataset',
      'namesScrambledDataset',
      'namesVocab',
      'normalize',
      'numberToWords',
      'numberWordsDataset',
      'numberWordsNumber',
      'numberWordsSample',
      'numberWordsSplitOf',
      'oneHot',
      'randomCrop',
      'renderMnistSegScene',
      'renderShapesDetScene',
      'renderShapesScene',
      'resampleChw',
      'resize',
      'scrambleName',
      'shapeSize',
      'shapesDataset',
      'shapesDetAreaRanges',
      'shapesDetDataset',
      'subset',
      'textDataset',
      'toTensors',
      'tokenWindows',
      'unpadBoxes',
      'wordpieceSplit',
    ]);
  });
});
