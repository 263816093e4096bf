import { checkIndex } from '../dataset.js';
import { Rng, hashKeys } from '../random.js';
import type { DescribedDataset, Sample, Split, TranslationInfo } from '../types.js';
import { SPLIT_KEY } from './shapes.js';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** The largest number `number-words` writes out (six digits). */
export const NUMBER_WORDS_MAX = 999_999;

/** Target vocabulary of `number-words`: `<pad>` 0, `<bos>` 1, `<eos>` 2, then the 30 words. */
export const NUMBER_WORDS_TARGET_TOKENS: readonly string[] = ['<pad>', '<bos>', '<eos>', ...ONES, ...TEENS, ...TENS.slice(2), 'hundred', 'thousand'];

/** Source vocabulary of `number-words`: `<pad>` 0, then the digits `0`–`9` (ids 1–10). */
export const NUMBER_WORDS_SOURCE_TOKENS: readonly string[] = ['<pad>', ...'0123456789'];

/** Padding of `y` positions past `<eos>`: contributes nothing to the loss (PyTorch's and Hugging Face's -100). */
export const IGNORE_INDEX = -100;

const PAD = 0;
const BOS = 1;
const EOS = 2;
const SOURCE_LENGTH = String(NUMBER_WORDS_MAX).length;
// "seven hundred seventy seven thousand seven hundred seventy seven": 9 words, plus <bos> or <eos>.
const TARGET_LENGTH = 10;
// Mixed into every sample's seed, so number-words shares no stream with other generated data.
const STREAM_KEY = 0x6e77;
// Numbers from here on belong to one split only (a hash of the number decides which).
const SPLIT_FROM = 100;
// Fraction of those numbers that are test numbers.
const TEST_FRACTION = 0.1;

function below1000(n: number): string[] {
  const words: string[] = [];
  const h = Math.floor(n / 100);
  const r = n % 100;
  if (h > 0) words.push(ONES[h]!, 'hundred');
  if (r >= 20) {
    words.push(TENS[Math.floor(r / 10)]!);
    if (r % 10) words.push(ONES[r % 10]!);
  } else if (r >= 10) words.push(TEENS[r - 10]!);
  else if (r > 0 || h === 0) words.push(ONES[r]!);
  return words;
}

/**
 * A whole number from 0 to 999,999 in English words, American style without "and" or hyphens:
 * `4071` → `'four thousand seventy one'`, `90019` → `'ninety thousand nineteen'`, `0` → `'zero'`.
 * @throws RangeError for anything else.
 */
export function numberToWords(n: number): string {
  if (!(Number.isInteger(n) && n >= 0 && n <= NUMBER_WORDS_MAX))
    throw new RangeError(`numberToWords: expected an integer from 0 to ${NUMBER_WORDS_MAX}, got ${n}`);
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  const words = thousands > 0 ? [...below1000(thousands), 'thousand', ...(rest > 0 ? below1000(rest) : [])] : below1000(rest);
  return words.join(' ');
}

/**
 * Which split a number belongs to. Numbers below 100 are the task's lexicon (every word is
 * one of them, or `hundred` / `thousand`) and occur in both splits; from 100 on a fixed hash
 * of the number puts a tenth in `test` and the rest in `train`, so no test number is ever
 * seen in training.
 */
export function numberWordsSplitOf(n: number): Split | 'both' {
  if (n < SPLIT_FROM) return 'both';
  return hashKeys([n], STREAM_KEY) / 2 ** 32 < TEST_FRACTION ? 'test' : 'train';
}

/**
 * The digits of `text` as source ids `[6]` (right-padded with `<pad>`): leading and trailing
 * spaces are ignored, and a leading zero only as in `0`.
 * @throws RangeError naming the problem when `text` is not a whole number from 0 to 999,999 in digits.
 */
export function encodeNumberSource(text: string): Int32Array {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new RangeError(`number-words: ${JSON.stringify(text)} is not a number written in digits (0 to ${NUMBER_WORDS_MAX})`);
  if (t.length > SOURCE_LENGTH || Number(t) > NUMBER_WORDS_MAX) throw new RangeError(`number-words: ${t} is larger than ${NUMBER_WORDS_MAX}`);
  const canonical = String(Number(t));
  const ids = new Int32Array(SOURCE_LENGTH).fill(PAD);
  for (let k = 0; k < canonical.length; k++) ids[k] = NUMBER_WORDS_SOURCE_TOKENS.indexOf(canonical[k]!);
  return ids;
}

/** Target ids to words: stops at `<eos>`, drops `<pad>` and `<bos>`. Throws on an unknown id. */
export function decodeNumberTarget(ids: ArrayLike<number>): string {
  const words: string[] = [];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (id === EOS) break;
    const w = NUMBER_WORDS_TARGET_TOKENS[id];
    if (w === undefined) throw new RangeError(`number-words: target id ${id} is outside [0, ${NUMBER_WORDS_TARGET_TOKENS.length})`);
    if (id !== PAD && id !== BOS) words.push(w);
  }
  return words.join(' ');
}

/** Words to target ids (no `<bos>`/`<eos>`); throws on a word outside the vocabulary. */
function encodeWords(text: string): number[] {
  return text.split(' ').map((w) => {
    const id = NUMBER_WORDS_TARGET_TOKENS.indexOf(w);
    if (id < 3) throw new RangeError(`number-words: ${JSON.stringify(w)} is not a target word`);
    return id;
  });
}

/** What {@link numberWordsDataset} tells a model and a decoder about its sequences. */
export const NUMBER_WORDS_INFO: TranslationInfo = {
  sourceLength: SOURCE_LENGTH,
  targetLength: TARGET_LENGTH,
  sourceTokens: NUMBER_WORDS_SOURCE_TOKENS,
  targetTokens: NUMBER_WORDS_TARGET_TOKENS,
  pad: PAD,
  bos: BOS,
  eos: EOS,
  encodeSource: encodeNumberSource,
  decodeTarget: decodeNumberTarget,
};

/** Options of {@link numberWordsDataset}. */
export interface NumberWordsOptions {
  /** Which split (default `'train'`); train and test come from disjoint random streams and number sets. */
  split?: Split;
  /** Number of samples (default 20,000 for train, 1,000 for test). */
  count?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** The number of sample `index` of a split: deterministic in `(seed, split, index)`. */
export function numberWordsNumber(index: number, options: { split?: Split; seed?: number } = {}): number {
  const split = options.split ?? 'train';
  const rng = new Rng(options.seed ?? 0, SPLIT_KEY[split], STREAM_KEY, index);
  // Digit count uniform over 1–6, so short numbers are as common as long ones.
  const digits = 1 + rng.int(SOURCE_LENGTH);
  const lo = digits === 1 ? 0 : 10 ** (digits - 1);
  const span = 10 ** digits - lo;
  for (;;) {
    const n = lo + rng.int(span);
    const owner = numberWordsSplitOf(n);
    if (owner === 'both' || owner === split) return n;
  }
}

/** The sample of the number `n`: `x` = source `[6]` then decoder input `[10]`; `y` = decoder target `[10]`. */
export function numberWordsSample(n: number): Sample {
  const src = encodeNumberSource(String(n));
  const words = encodeWords(numberToWords(n));
  const tgtIn = new Int32Array(TARGET_LENGTH).fill(PAD);
  tgtIn.set([BOS, ...words]);
  const y = new Int32Array(TARGET_LENGTH).fill(IGNORE_INDEX);
  y.set([...words, EOS]);
  const x = new Int32Array(SOURCE_LENGTH + TARGET_LENGTH);
  x.set(src);
  x.set(tgtIn, SOURCE_LENGTH);
  return { x, xShape: [SOURCE_LENGTH + TARGET_LENGTH], y, yShape: [TARGET_LENGTH] };
}

/**
 * Generated translation data: a whole number from 0 to 999,999 written in digits → the same
 * number in English words (`4071` → `four thousand seventy one`; see {@link numberToWords}).
 * Getting the words right needs attention across the source: whether `7` is `seven`,
 * `seventy` or `seventeen`, and whether `thousand` comes, depends on the other digits.
 *
 * The source is character-level (digits, ids 1–10, right-padded with `<pad>` 0 to 6); the
 * target is word-level over 33 tokens (`<pad>`, `<bos>`, `<eos>` and 30 words; see
 * {@link NUMBER_WORDS_TARGET_TOKENS}). A sample packs both inputs of teacher forcing into
 * `x` `[16]`: the source `[6]`, then the decoder input `<bos> w1 … wk` right-padded with
 * `<pad>` to 10. `y` `[10]` is the decoder target `w1 … wk <eos>`, padded with
 * {@link IGNORE_INDEX} (-100) so padding costs nothing in the cross-entropy. `translation`
 * describes the layout and the vocabularies ({@link NUMBER_WORDS_INFO}).
 *
 * Sample `i` draws a digit count uniformly from 1–6 and then a number of that many digits from
 * `new Rng(seed, splitKey, 0x6e77, i)`; numbers from 100 on belong to one split only (see
 * {@link numberWordsSplitOf}), so the test set measures numbers never seen in training.
 */
export function numberWordsDataset(options: NumberWordsOptions = {}): DescribedDataset {
  const split = options.split ?? 'train';
  const seed = options.seed ?? 0;
  const count = options.count ?? (split === 'train' ? 20_000 : 1000);
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`number-words: count must be a non-negative integer, got ${count}`);
  if (split !== 'train' && split !== 'test') throw new RangeError(`number-words: split must be 'train' or 'test', got ${String(split)}`);
  hashKeys([seed]); // validates the seed eagerly
  return {
    name: 'number-words',
    split,
    task: 'translation',
    inputShape: [SOURCE_LENGTH + TARGET_LENGTH],
    inputDType: 'int32',
    targetShape: [TARGET_LENGTH],
    numClasses: NUMBER_WORDS_TARGET_TOKENS.length,
    translation: NUMBER_WORDS_INFO,
    length: count,
    get(i: number): Sample {
      checkIndex(i, count, 'number-words');
      return numberWordsSample(numberWordsNumber(i, { split, seed }));
    },
  };
}
