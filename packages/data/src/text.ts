import { checkIndex, describeDataset } from './dataset.js';
import type { DescribedDataset, Sample, Split, Vocab } from './types.js';

/**
 * A character-level vocabulary. Characters are Unicode code points (so an emoji is one
 * token), ordered by code point; an optional boundary token takes id 0.
 */
export class CharVocab implements Vocab {
  /** Token strings by id. */
  readonly tokens: readonly string[];
  /** Id of the start/end token (`0`), or `undefined` without one. */
  readonly boundary: number | undefined;
  private readonly ids: Map<string, number>;

  /**
   * @param chars - The characters to include (duplicates ignored; sorted by code point).
   * @param options.boundaryToken - If given, a start/end token placed at id 0 (makemore's `'.'`).
   */
  constructor(chars: Iterable<string>, options: { boundaryToken?: string } = {}) {
    const set = new Set<string>();
    for (const s of chars) for (const ch of s) set.add(ch);
    const b = options.boundaryToken;
    if (b !== undefined) set.delete(b);
    const sorted = [...set].sort((p, q) => p.codePointAt(0)! - q.codePointAt(0)!);
    this.tokens = b === undefined ? sorted : [b, ...sorted];
    this.boundary = b === undefined ? undefined : 0;
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
  }

  /** The vocabulary of every character in `text`. */
  static fromText(text: string, options: { boundaryToken?: string } = {}): CharVocab {
    return new CharVocab([text], options);
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of one character; throws (quoting it) when it is not in the vocabulary. */
  id(ch: string): number {
    const id = this.ids.get(ch);
    if (id === undefined) throw new RangeError(`CharVocab: character ${JSON.stringify(ch)} is not in the vocabulary`);
    return id;
  }

  /** Text to ids, one per code point. */
  encode(text: string): Int32Array {
    return Int32Array.from(Array.from(text, (ch) => this.id(ch)));
  }

  /** Ids to text; boundary tokens are dropped unless `keepBoundary`. Throws on an unknown id. */
  decode(ids: ArrayLike<number>, options: { keepBoundary?: boolean } = {}): string {
    let out = '';
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      const t = this.tokens[id];
      if (t === undefined) throw new RangeError(`CharVocab: token id ${id} is outside [0, ${this.size})`);
      if (id === this.boundary && !options.keepBoundary) continue;
      out += t;
    }
    return out;
  }
}

/** Options of {@link tokenWindows}. */
export interface TokenWindowOptions {
  /** Context length `T` of each window. */
  blockSize: number;
  /** Offset between consecutive windows (default `blockSize`: non-overlapping). */
  stride?: number;
}

/**
 * Language-model windows over a token stream (nanoGPT-style): sample `i` has
 * `x = tokens[i*stride .. i*stride + T)` and `y = tokens[i*stride + 1 .. i*stride + T + 1)`,
 * i.e. every position's next token. There are `floor((L - T - 1) / stride) + 1` windows.
 */
export function tokenWindows(tokens: Int32Array, options: TokenWindowOptions): { length: number; get(i: number): Sample } {
  const t = options.blockSize;
  const stride = options.stride ?? t;
  if (!(Number.isInteger(t) && t > 0)) throw new RangeError(`tokenWindows: blockSize must be a positive integer, got ${t}`);
  if (!(Number.isInteger(stride) && stride > 0)) throw new RangeError(`tokenWindows: stride must be a positive integer, got ${stride}`);
  if (tokens.length < t + 1) {
    throw new RangeError(`tokenWindows: ${tokens.length} tokens are too few for one window of blockSize ${t} (needs ${t + 1})`);
  }
  const length = Math.floor((tokens.length - t - 1) / stride) + 1;
  return {
    length,
    get(i: number): Sample {
      checkIndex(i, length, 'tokenWindows');
      const s = i * stride;
      return { x: tokens.subarray(s, s + t), xShape: [t], y: tokens.subarray(s + 1, s + t + 1), yShape: [t] };
    },
  };
}

/** Options of {@link textDataset}. */
export interface TextDatasetOptions extends TokenWindowOptions {
  /** Which part (default `'train'`). */
  split?: Split;
  /** Fraction of the text, from its start, used for training (default 0.9; the rest is test). */
  trainFraction?: number;
  /** Vocabulary to use (default: every character of the whole text, so both splits share it). */
  vocab?: CharVocab;
  /** Name reported by the dataset (default `'text'`). */
  name?: string;
}

/**
 * A character-level language dataset over a string: the first `trainFraction` of the
 * characters (by code point) is `train`, the rest `test` — a contiguous split like
 * nanoGPT's, so no window straddles both.
 */
export function textDataset(text: string, options: TextDatasetOptions): DescribedDataset {
  const split = options.split ?? 'train';
  const frac = options.trainFraction ?? 0.9;
  if (!(frac > 0 && frac < 1)) throw new RangeError(`textDataset: trainFraction must be in (0, 1), got ${frac}`);
  const vocab = options.vocab ?? CharVocab.fromText(text);
  const all = vocab.encode(text);
  const cut = Math.floor(all.length * frac);
  const tokens = split === 'train' ? all.subarray(0, cut) : all.subarray(cut);
  const windows = tokenWindows(tokens, options);
  return describeDataset(windows, {
    name: options.name ?? 'text',
    split,
    task: 'language',
    inputShape: [options.blockSize],
    inputDType: 'int32',
    targetShape: [options.blockSize],
    numClasses: vocab.size,
    vocab,
  });
}
