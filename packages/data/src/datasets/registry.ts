import type { DescribedDataset, Split, Task } from '../types.js';
import { loadMnist, type MnistOptions } from './mnist.js';
import { loadMnistSeg, type MnistSegOptions } from './mnist-seg.js';
import { loadNames, type NamesOptions } from './names.js';
import { namesMlmDataset, namesScrambledDataset, type NamesBertOptions } from './names-mlm.js';
import { numberWordsDataset, type NumberWordsOptions } from './number-words.js';
import { shapesDataset, type ShapesOptions } from './shapes.js';
import { shapesDetDataset, type ShapesDetOptions } from './shapes-det.js';

/** Options accepted by each built-in dataset, by registry name. */
export interface DatasetOptionsMap {
  mnist: MnistOptions;
  'mnist-seg': MnistSegOptions;
  names: NamesOptions;
  'names-mlm': NamesBertOptions;
  'names-scrambled': NamesBertOptions;
  'number-words': NumberWordsOptions;
  shapes: ShapesOptions;
  'shapes-det': ShapesDetOptions;
}

/** Name of a built-in dataset. */
export type DatasetName = keyof DatasetOptionsMap;

/** A registry entry: what `createDataset` builds for a name. */
export interface DatasetEntry {
  /** Registry name. */
  name: DatasetName;
  /** What the dataset is for. */
  task: Task;
  /** One line for CLI listings and docs. */
  description: string;
  /**
   * True when the samples are generated on demand, deterministically per index: the `count`
   * option then makes the split any size (its first samples stay the same).
   */
  generated: boolean;
}

const REGISTRY: { [N in DatasetName]: DatasetEntry & { create(options: DatasetOptionsMap[N]): Promise<DescribedDataset> } } = {
  mnist: {
    name: 'mnist',
    task: 'classification',
    description: '10,000 MNIST digits (1x28x28), fixed stratified 8,000/2,000 split',
    generated: false,
    create: loadMnist,
  },
  'mnist-seg': {
    name: 'mnist-seg',
    task: 'segmentation',
    description: '2-4 MNIST digits on a 1x64x64 canvas, per-pixel digit+1 masks',
    generated: true,
    create: loadMnistSeg,
  },
  names: {
    name: 'names',
    task: 'language',
    description: '8,422 English first names, character-level next-token windows',
    generated: false,
    create: loadNames,
  },
  'names-mlm': {
    name: 'names-mlm',
    task: 'masked-lm',
    description: 'first names as [CLS] n a m e [SEP], 15 % of the letters masked as BERT pre-trains (80 % [MASK], 10 % random, 10 % kept)',
    generated: true,
    create: namesMlmDataset,
  },
  'names-scrambled': {
    name: 'names-scrambled',
    task: 'classification',
    description: 'first names, half of them with their letters shuffled: real or scrambled? (BERT fine-tuning)',
    generated: true,
    create: namesScrambledDataset,
  },
  'number-words': {
    name: 'number-words',
    task: 'translation',
    description: 'generated numbers 0-999,999 in digits -> the same number in English words ("4071" -> "four thousand seventy one")',
    generated: true,
    create: async (options) => numberWordsDataset(options),
  },
  shapes: {
    name: 'shapes',
    task: 'segmentation',
    description: 'generated 3x64x64 scenes of circles, squares and triangles with class masks',
    generated: true,
    create: async (options) => shapesDataset(options),
  },
  'shapes-det': {
    name: 'shapes-det',
    task: 'detection',
    description: 'generated 3x128x128 scenes of 2-8 circles, squares and triangles from 4 to 64 px, with boxes',
    generated: true,
    create: async (options) => shapesDetDataset(options),
  },
};

/** The built-in datasets, sorted by name. */
export function listDatasets(): DatasetEntry[] {
  return (Object.keys(REGISTRY) as DatasetName[]).sort().map((n) => {
    const { name, task, description, generated } = REGISTRY[n];
    return { name, task, description, generated };
  });
}

/**
 * Builds a built-in dataset by name (all offline). Rejects with an error listing the
 * valid names when `name` is unknown.
 *
 * @example
 * const train = await createDataset('mnist', { split: 'train' });
 * const val = await createDataset('shapes', { split: 'test', size: 32, seed: 7 });
 */
export async function createDataset<N extends DatasetName>(name: N, options?: DatasetOptionsMap[N] & { split?: Split }): Promise<DescribedDataset>;
export async function createDataset(name: string, options?: { split?: Split } & Record<string, unknown>): Promise<DescribedDataset>;
export async function createDataset(name: string, options: object = {}): Promise<DescribedDataset> {
  if (!Object.hasOwn(REGISTRY, name)) {
    throw new Error(
      `Unknown dataset "${name}"; valid names: ${listDatasets()
        .map((d) => d.name)
        .join(', ')}`,
    );
  }
  const entry = REGISTRY[name as DatasetName] as { create(options: object): Promise<DescribedDataset> };
  return entry.create(options);
}
