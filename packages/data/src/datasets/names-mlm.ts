import { checkIndex } from '../dataset.js';
import { Rng } from '../random.js';
import type { DescribedDataset, Sample, Split, Vocab } from '../types.js';
import { loadNameLists } from './names.js';
import { SPLIT_KEY } from './shapes.js';
import { IGNORE_INDEX } from './number-words.js';

/** BERT's special tokens at ids 0–4 of {@link NAMES_BERT_TOKENS}, as `bert-base-uncased` orders them. */
export const NAMES_BERT_SPECIAL = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 } as const;

/** The character vocabulary of `names-mlm` and `names-scrambled`: `[PAD] [UNK] [CLS] [SEP] [MASK]`, then `-` and `a`–`z` (32 tokens). */
export const NAMES_BERT_TOKENS: readonly string[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '-', ...'abcdefghijklmnopqrstuvwxyz'];

/** First id of a character (after the special tokens). */
const FIRST_CHAR = 5;

/** Sequence length: `[CLS]`, the longest name (15 characters), `[SEP]`. */
export const NAMES_BERT_LENGTH = 17;

/** Fraction of a name's characters that masked-LM predicts (BERT's 15 %). */
const MASK_PROBABILITY = 0.15;

// Mixed into every sample's seed, so these datasets share no stream with other generated data.
const MLM_STREAM = 0x6d6c6d; // 'mlm'
const SCRAMBLE_STREAM = 0x736372; // 'scr'

/** The names vocabulary with BERT's special tokens, as a {@link Vocab} (no boundary token). */
export function namesBertVocab(): Vocab {
  const ids = new Map(NAMES_BERT_TOKENS.map((t, i) => [t, i]));
  return {
    size: NAMES_BERT_TOKENS.length,
    tokens: NAMES_BERT_TOKENS,
    boundary: undefined,
    encode(text: string): Int32Array {
      return Int32Array.from(Array.from(text, (ch) => (ch.length === 1 && ch !== '[' ? ids.get(ch) : undefined) ?? NAMES_BERT_SPECIAL.unk));
    },
    decode(ids: ArrayLike<number>, options: { keepBoundary?: boolean } = {}): string {
      let out = '';
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k]!;
        const t = NAMES_BERT_TOKENS[id];
        if (t === undefined) throw new RangeError(`names vocabulary: token id ${id} is outside [0, ${NAMES_BERT_TOKENS.length})`);
        if (id >= FIRST_CHAR || id === NAMES_BERT_SPECIAL.mask || id === NAMES_BERT_SPECIAL.unk || options.keepBoundary) out += t;
      }
      return out;
    },
  };
}

/**
 * A name as BERT reads it: `[CLS] c1 … ck [SEP]`, right-padded with `[PAD]` to
 * {@link NAMES_BERT_LENGTH}; characters outside `-a–z` become `[UNK]`.
 * @throws RangeError when the name is longer than 15 characters.
 */
export function encodeNameForBert(name: string): Int32Array {
  const chars = namesBertVocab().encode(name.toLowerCase());
  if (chars.length > NAMES_BERT_LENGTH - 2) throw new RangeError(`names: ${JSON.stringify(name)} is longer than ${NAMES_BERT_LENGTH - 2} characters`);
  const ids = new Int32Array(NAMES_BERT_LENGTH).fill(NAMES_BERT_SPECIAL.pad);
  ids[0] = NAMES_BERT_SPECIAL.cls;
  ids.set(chars, 1);
  ids[chars.length + 1] = NAMES_BERT_SPECIAL.sep;
  return ids;
}

/**
 * BERT's masking (Devlin et al. 2019, §3.1) of one encoded name: each character is chosen
 * with probability 0.15 (one at random when none is, so every sample has a target); a chosen
 * one becomes `[MASK]` 80 % of the time, a random character 10 % and stays itself 10 %.
 * `[CLS]`, `[SEP]` and `[PAD]` are never chosen. Returns the model input and the labels: the
 * original id at chosen positions, {@link IGNORE_INDEX} (-100) elsewhere, as Hugging Face's
 * `DataCollatorForLanguageModeling`.
 */
export function maskNameTokens(ids: Int32Array, rng: Rng): { x: Int32Array; y: Int32Array } {
  const x = ids.slice();
  const y = new Int32Array(ids.length).fill(IGNORE_INDEX);
  const chars: number[] = [];
  for (let k = 0; k < ids.length; k++) if (ids[k]! >= FIRST_CHAR) chars.push(k);
  const chosen = chars.filter(() => rng.float() < MASK_PROBABILITY);
  if (chosen.length === 0 && chars.length > 0) chosen.push(chars[rng.int(chars.length)]!);
  for (const k of chosen) {
    y[k] = ids[k]!;
    const r = rng.float();
    if (r < 0.8) x[k] = NAMES_BERT_SPECIAL.mask;
    else if (r < 0.9) x[k] = FIRST_CHAR + rng.int(NAMES_BERT_TOKENS.length - FIRST_CHAR);
  }
  return { x, y };
}

/** Options of {@link namesMlmDataset} and {@link namesScrambledDataset}. */
export interface NamesBertOptions {
  /** Which split (default `'train'`): the names of `names`' fixed 90/10 split. */
  split?: Split;
  /**
   * Number of samples; sample `i` is name `i mod (names in the split)`, so a count of k times
   * the list shows every name k times with different draws (default: 4 passes over the train
   * names, 2 over the test names for masked-LM; one pass for `names-scrambled`).
   */
  count?: number;
  /** Seed of the draws (default 0). */
  seed?: number;
}

/** The split's names and the checked options; `passes` over the names make the default count. */
async function resolveOptions(
  owner: string,
  options: NamesBertOptions,
  passes: Record<Split, number>,
): Promise<{ split: Split; seed: number; count: number; names: string[]; all: { train: string[]; test: string[] } }> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new RangeError(`${owner}: split must be 'train' or 'test', got ${String(split)}`);
  const all = await loadNameLists();
  const names = all[split];
  const count = options.count ?? names.length * passes[split];
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`${owner}: count must be a non-negative integer, got ${count}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`${owner}: seed must be an integer, got ${seed}`);
  return { split, seed, count, names, all };
}

/**
 * Masked-language modelling on first names: sample `i` is name `i mod n` of the split (see
 * `loadNameLists`) as `[CLS] e m m a [SEP] [PAD] …` (`[17]` int32), masked as BERT pre-trains
 * (see {@link maskNameTokens}) with draws from `new Rng(seed, splitKey, 0x6d6c6d, i)`, so a
 * sample is the same for the same `(seed, split, i)`. `y` `[17]` holds the original ids at the
 * masked positions and -100 elsewhere: the loss and the masked-token accuracy count only the
 * masked characters. Task `'masked-lm'`; `numClasses` is the vocabulary size, 32.
 */
export async function namesMlmDataset(options: NamesBertOptions = {}): Promise<DescribedDataset> {
  const resolved = await resolveOptions('names-mlm', options, { train: 4, test: 2 });
  const { split, seed, count } = resolved;
  const names = resolved.names.map(encodeNameForBert);
  return {
    name: 'names-mlm',
    split,
    task: 'masked-lm',
    inputShape: [NAMES_BERT_LENGTH],
    inputDType: 'int32',
    targetShape: [NAMES_BERT_LENGTH],
    numClasses: NAMES_BERT_TOKENS.length,
    vocab: namesBertVocab(),
    length: count,
    get(i: number): Sample {
      checkIndex(i, count, 'names-mlm');
      const { x, y } = maskNameTokens(names[i % names.length]!, new Rng(seed, SPLIT_KEY[split], MLM_STREAM, i));
      return { x, xShape: [NAMES_BERT_LENGTH], y, yShape: [NAMES_BERT_LENGTH] };
    },
  };
}

/** The classes of `names-scrambled`. */
export const NAMES_SCRAMBLED_CLASSES: readonly string[] = ['real', 'scrambled'];

/**
 * A scrambling of `name`: its letters in a random order that differs from the name and is
 * not in `real` (any list's name), or null when no such order turns up in 20 draws (`"aa"`).
 */
export function scrambleName(name: string, rng: Rng, real: ReadonlySet<string>): string | null {
  const chars = Array.from(name);
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = rng.shuffle(chars.slice()).join('');
    if (s !== name && !real.has(s)) return s;
  }
  return null;
}

/**
 * Is it a real name or a shuffle of one? Binary classification on first names, the fine-tuning
 * task for a BERT pre-trained on `names-mlm` (same vocabulary and layout, `[17]` int32 ids): the
 * two classes have the same letters, so only which letter orders are name-like — what
 * masked-LM pre-training learns — tells them apart. Sample `i` is name `i mod n` of the split;
 * `new Rng(seed, splitKey, 0x736372, i)` makes it `scrambled` (class 1) half the time — its
 * letters permuted into a string that is no name of either list — else `real` (class 0).
 */
export async function namesScrambledDataset(options: NamesBertOptions = {}): Promise<DescribedDataset> {
  const { split, seed, count, names, all } = await resolveOptions('names-scrambled', options, { train: 1, test: 1 });
  const real = new Set([...all.train, ...all.test]);
  return {
    name: 'names-scrambled',
    split,
    task: 'classification',
    inputShape: [NAMES_BERT_LENGTH],
    inputDType: 'int32',
    targetShape: [],
    numClasses: 2,
    classNames: NAMES_SCRAMBLED_CLASSES,
    vocab: namesBertVocab(),
    length: count,
    get(i: number): Sample {
      checkIndex(i, count, 'names-scrambled');
      const name = names[i % names.length]!;
      const rng = new Rng(seed, SPLIT_KEY[split], SCRAMBLE_STREAM, i);
      const scrambled = rng.float() < 0.5 ? scrambleName(name, rng, real) : null;
      return { x: encodeNameForBert(scrambled ?? name), xShape: [NAMES_BERT_LENGTH], y: Int32Array.of(scrambled === null ? 0 : 1), yShape: [] };
    },
  };
}
