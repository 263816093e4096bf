/**
 * BERT's WordPiece tokenizer, as Hugging Face's `BertTokenizer` (`tokenization_bert.py`) runs it:
 * special tokens are split out of the text first and kept whole; the rest goes through the
 * `BasicTokenizer` (drop control characters, whitespace → space, a space around every CJK
 * ideograph, lower-casing, accent stripping by NFD and removing combining marks, splitting off
 * every punctuation character) and then the `WordpieceTokenizer` (greedy longest-match-first
 * sub-words, `##` marking a continuation; a word that cannot be split, or is longer than 100
 * characters, becomes `[UNK]`).
 */
import type { Vocab } from './types.js';

/** Options of {@link WordPieceTokenizer} (HF's `BertTokenizer` arguments). */
export interface WordPieceOptions {
  /** Lower-case the text (default true: an uncased vocabulary such as bert-base-uncased's). */
  lowerCase?: boolean;
  /** Remove accents (NFD, then drop combining marks). Default: as `lowerCase`, like HF. */
  stripAccents?: boolean;
  /** Put spaces around CJK ideographs, so each is a word (default true). */
  tokenizeChineseChars?: boolean;
  /** Words longer than this many characters become the unknown token (default 100). */
  maxInputCharsPerWord?: number;
  /** Default `'[UNK]'`. */
  unkToken?: string;
  /** Default `'[CLS]'`. */
  clsToken?: string;
  /** Default `'[SEP]'`. */
  sepToken?: string;
  /** Default `'[PAD]'`. */
  padToken?: string;
  /** Default `'[MASK]'`. */
  maskToken?: string;
}

/** Options of {@link WordPieceTokenizer.encodeForModel}. */
export interface EncodeForModelOptions {
  /**
   * Longest output, special tokens included: longer inputs are truncated as HF's
   * `'longest_first'` does (a token at a time from the end of the longer sequence).
   */
  maxLength?: number;
  /** Pad with `[PAD]` (attention 0, token type 0) up to this length. */
  padTo?: number;
}

/** One model input: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, as BERT takes it. */
export interface BertEncoding {
  /** Token ids. */
  readonly inputIds: Int32Array;
  /** 0 for `[CLS]`, sentence A and its `[SEP]`; 1 for sentence B and its `[SEP]`; 0 on padding. */
  readonly tokenTypeIds: Int32Array;
  /** 1 on tokens, 0 on padding (HF's `attention_mask`). */
  readonly attentionMask: Int32Array;
}

/** Whitespace as BERT counts it: space, tab, newline, carriage return and Unicode `Zs`. */
function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);
}

/** Control characters (`Cc`, `Cf`), not counting tab, newline and carriage return (whitespace). */
function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /^[\p{Cc}\p{Cf}]$/u.test(ch);
}

/** Punctuation as BERT counts it: every non-alphanumeric ASCII printable (`$`, `^`, `` ` `` too) and Unicode `P*`. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** The CJK Unified Ideographs blocks BERT splits per character (not Hiragana, Katakana or Hangul). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Splits on runs of whitespace, dropping empty pieces (Python's `str.split()`). */
function whitespaceSplit(text: string): string[] {
  return text.split(/[ \t\n\r\p{Zs}]+/u).filter((w) => w.length > 0);
}

/** Options of {@link basicTokenize}. */
export interface BasicTokenizeOptions {
  /** Default true. */
  lowerCase?: boolean;
  /** Default: as `lowerCase`. */
  stripAccents?: boolean;
  /** Default true. */
  tokenizeChineseChars?: boolean;
}

/**
 * BERT's `BasicTokenizer`: text → words and punctuation marks. Drops NUL, U+FFFD and control
 * characters, turns whitespace into spaces, isolates CJK ideographs, lower-cases and strips
 * accents (NFD, then removes `Mn` combining marks) when asked, and splits every punctuation
 * character into its own token. `"Héllo, World!"` → `['hello', ',', 'world', '!']`.
 */
export function basicTokenize(text: string, options: BasicTokenizeOptions = {}): string[] {
  const lower = options.lowerCase ?? true;
  const strip = options.stripAccents ?? lower;
  const cjk = options.tokenizeChineseChars ?? true;
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) cleaned += ' ';
    else if (cjk && isChineseChar(cp)) cleaned += ` ${ch} `;
    else cleaned += ch;
  }
  const out: string[] = [];
  for (let word of whitespaceSplit(cleaned)) {
    if (lower) word = word.toLowerCase();
    if (strip) word = word.normalize('NFD').replace(/\p{Mn}/gu, '');
    let current = '';
    for (const ch of word) {
      if (isPunctuation(ch)) {
        if (current) out.push(current);
        out.push(ch);
        current = '';
      } else current += ch;
    }
    if (current) out.push(current);
  }
  return out;
}

/**
 * Greedy longest-match-first WordPiece split of one word: the longest vocabulary prefix, then
 * the longest `##`-prefixed continuation, and so on. Returns `[unkToken]` when some remainder
 * has no match or the word has more than `maxChars` characters (code points).
 */
export function wordpieceSplit(word: string, vocab: ReadonlyMap<string, number> | ReadonlySet<string>, unkToken = '[UNK]', maxChars = 100): string[] {
  const chars = Array.from(word);
  if (chars.length > maxChars) return [unkToken];
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let match: string | null = null;
    while (start < end) {
      const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      if (vocab.has(sub)) {
        match = sub;
        break;
      }
      end--;
    }
    if (match === null) return [unkToken];
    pieces.push(match);
    start = end;
  }
  return pieces;
}

/** Joins decoded tokens as HF's `clean_up_tokenization` does: no space before `. ? ! ,` or in English contractions. */
function cleanUpTokenization(text: string): string {
  const rules: [string, string][] = [
    [' .', '.'],
    [' ?', '?'],
    [' !', '!'],
    [' ,', ','],
    [" ' ", "'"],
    [" n't", "n't"],
    [" 'm", "'m"],
    [" 's", "'s"],
    [" 've", "'ve"],
    [" 're", "'re"],
  ];
  let s = text;
  for (const [a, b] of rules) s = s.split(a).join(b);
  return s;
}

/**
 * BERT's WordPiece tokenizer over a `vocab.txt` (one token per line; the id is the line
 * number). Encodes text to ids with `[CLS]`/`[SEP]` and segment ids for sentence pairs, and
 * decodes ids back to text (sub-words joined, spaces before punctuation removed).
 *
 * ```ts
 * const tok = WordPieceTokenizer.fromVocabText(readFileSync('vocab.txt', 'utf8'));
 * tok.tokenize('Unaffable!');                       // ['un', '##aff', '##able', '!']
 * const { inputIds, tokenTypeIds } = tok.encodeForModel('The fox.', 'It runs.');
 * ```
 *
 * As a {@link Vocab}, `encode(text)` gives the ids without special tokens, and `decode` drops
 * the special tokens unless `keepBoundary` is set.
 */
export class WordPieceTokenizer implements Vocab {
  /** Token strings by id. */
  readonly tokens: readonly string[];
  /** No start/end token in the {@link Vocab} sense: BERT's are `[CLS]` and `[SEP]` (see {@link WordPieceTokenizer.clsId}). */
  readonly boundary: undefined = undefined;
  /** Id of `[UNK]`. */
  readonly unkId: number;
  /** Id of `[CLS]`. */
  readonly clsId: number;
  /** Id of `[SEP]`. */
  readonly sepId: number;
  /** Id of `[PAD]`. */
  readonly padId: number;
  /** Id of `[MASK]`. */
  readonly maskId: number;
  /** The special tokens (`[UNK]`, `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]`): never split, dropped by `decode`. */
  readonly specialTokens: readonly string[];
  readonly #ids: Map<string, number>;
  readonly #specialIds: Set<number>;
  readonly #basic: BasicTokenizeOptions;
  readonly #maxChars: number;
  readonly #unk: string;

  /**
   * @param tokens - The vocabulary, id = index. A repeated token keeps its last id (as HF's `load_vocab`).
   * @param options - Casing and special tokens; every special token must be in the vocabulary.
   */
  constructor(tokens: readonly string[], options: WordPieceOptions = {}) {
    this.tokens = [...tokens];
    this.#ids = new Map(this.tokens.map((t, i) => [t, i]));
    const lower = options.lowerCase ?? true;
    this.#basic = { lowerCase: lower, stripAccents: options.stripAccents ?? lower, tokenizeChineseChars: options.tokenizeChineseChars ?? true };
    this.#maxChars = options.maxInputCharsPerWord ?? 100;
    const special = {
      unk: options.unkToken ?? '[UNK]',
      cls: options.clsToken ?? '[CLS]',
      sep: options.sepToken ?? '[SEP]',
      pad: options.padToken ?? '[PAD]',
      mask: options.maskToken ?? '[MASK]',
    };
    const idOf = (t: string): number => {
      const id = this.#ids.get(t);
      if (id === undefined)
        throw new Error(`WordPieceTokenizer: the special token ${JSON.stringify(t)} is not in the vocabulary (${this.tokens.length} tokens)`);
      return id;
    };
    this.#unk = special.unk;
    this.unkId = idOf(special.unk);
    this.clsId = idOf(special.cls);
    this.sepId = idOf(special.sep);
    this.padId = idOf(special.pad);
    this.maskId = idOf(special.mask);
    this.specialTokens = [special.unk, special.cls, special.sep, special.pad, special.mask];
    this.#specialIds = new Set([this.unkId, this.clsId, this.sepId, this.padId, this.maskId]);
  }

  /** A tokenizer over the text of a `vocab.txt`: one token per line (a trailing `\r` is removed), id = line number. */
  static fromVocabText(text: string, options: WordPieceOptions = {}): WordPieceTokenizer {
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    // A final newline ends the last line; it does not start an empty token.
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    return new WordPieceTokenizer(lines, options);
  }

  /** Number of tokens (the embedding and MLM output size). */
  get size(): number {
    return this.tokens.length;
  }

  /** The id of `token`, or undefined when it is not in the vocabulary. */
  tokenId(token: string): number | undefined {
    return this.#ids.get(token);
  }

  /** Text → WordPiece tokens (no `[CLS]`/`[SEP]`); special tokens in the text stay whole. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    const words = (piece: string): void => {
      for (const w of basicTokenize(piece, this.#basic)) out.push(...wordpieceSplit(w, this.#ids, this.#unk, this.#maxChars));
    };
    let rest = text;
    for (;;) {
      // The earliest special token (the longest one at a tie) splits the text.
      let at = -1;
      let hit = '';
      for (const s of this.specialTokens) {
        const i = rest.indexOf(s);
        if (i >= 0 && (at < 0 || i < at || (i === at && s.length > hit.length))) [at, hit] = [i, s];
      }
      if (at < 0) break;
      words(rest.slice(0, at));
      out.push(hit);
      rest = rest.slice(at + hit.length);
    }
    words(rest);
    return out;
  }

  /** Tokens → ids; a token outside the vocabulary maps to `[UNK]`. */
  convertTokensToIds(tokens: readonly string[]): Int32Array {
    return Int32Array.from(tokens, (t) => this.#ids.get(t) ?? this.unkId);
  }

  /** Ids → tokens; throws on an id outside the vocabulary. */
  convertIdsToTokens(ids: ArrayLike<number>): string[] {
    return Array.from({ length: ids.length }, (_, k) => {
      const id = ids[k]!;
      const t = this.tokens[id];
      if (t === undefined) throw new RangeError(`WordPieceTokenizer: token id ${id} is outside [0, ${this.size})`);
      return t;
    });
  }

  /** Text → ids, without special tokens ({@link Vocab.encode}). Unknown words are `[UNK]`, never an error. */
  encode(text: string): Int32Array {
    return this.convertTokensToIds(this.tokenize(text));
  }

  /**
   * One model input, as HF's `tokenizer(text, pair)`: `[CLS] A [SEP]` (token types 0), or
   * `[CLS] A [SEP] B [SEP]` (types 0 … 0 1 … 1), truncated and padded as `options` say.
   */
  encodeForModel(text: string, pair?: string, options: EncodeForModelOptions = {}): BertEncoding {
    const a = Array.from(this.encode(text));
    const b = pair === undefined ? null : Array.from(this.encode(pair));
    const specials = b ? 3 : 2;
    if (options.maxLength !== undefined) {
      if (!(Number.isInteger(options.maxLength) && options.maxLength >= specials)) {
        throw new RangeError(`WordPieceTokenizer: maxLength must be an integer ≥ ${specials} (room for the special tokens), got ${options.maxLength}`);
      }
      while (a.length + (b?.length ?? 0) + specials > options.maxLength) {
        if (b && b.length > a.length) b.pop();
        else a.pop();
      }
    }
    const ids = [this.clsId, ...a, this.sepId, ...(b ? [...b, this.sepId] : [])];
    const types = [...new Array<number>(a.length + 2).fill(0), ...new Array<number>(b ? b.length + 1 : 0).fill(1)];
    const mask = new Array<number>(ids.length).fill(1);
    const pad = Math.max(0, (options.padTo ?? 0) - ids.length);
    for (let i = 0; i < pad; i++) {
      ids.push(this.padId);
      types.push(0);
      mask.push(0);
    }
    return { inputIds: Int32Array.from(ids), tokenTypeIds: Int32Array.from(types), attentionMask: Int32Array.from(mask) };
  }

  /**
   * Ids → text: tokens joined by spaces, `##` continuations glued to what precedes them, spaces
   * before punctuation and in contractions removed (HF's `clean_up_tokenization_spaces`).
   * Special tokens are dropped unless `keepBoundary` (HF's `skip_special_tokens=False`). The
   * lower-casing and accent stripping of encoding are not undone.
   */
  decode(ids: ArrayLike<number>, options: { keepBoundary?: boolean } = {}): string {
    const kept: number[] = [];
    for (let k = 0; k < ids.length; k++) if (options.keepBoundary || !this.#specialIds.has(ids[k]!)) kept.push(ids[k]!);
    const text = this.convertIdsToTokens(kept).join(' ').split(' ##').join('').trim();
    return cleanUpTokenization(text);
  }
}
