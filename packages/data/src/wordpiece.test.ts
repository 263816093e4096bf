/**
 * The WordPiece tokenizer: hand-made cases of each rule (clean-up, CJK, lower-casing, accents,
 * punctuation, greedy longest match, `[UNK]`, the 100-character limit, special tokens, pairs,
 * truncation, padding, decoding), and the texts of fixtures/text/wordpiece_cases.json with the
 * tokens and ids that fixtures/generate_bert.py's Python reference of HF's `BertTokenizer`
 * computes over fixtures/text/wordpiece_vocab.txt.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer, basicTokenize, wordpieceSplit } from './index.js';

const dir = new URL('../../../fixtures/text/', import.meta.url);
const VOCAB_TEXT = readFileSync(new URL('wordpiece_vocab.txt', dir), 'utf8');
interface Single {
  text: string;
  basic: string[];
  tokens: string[];
  ids: number[];
  input_ids: number[];
  decoded: string;
}
interface Pair {
  text: string;
  pair: string;
  input_ids: number[];
  token_type_ids: number[];
  decoded: string;
  decoded_with_special: string;
}
const CASES = JSON.parse(readFileSync(new URL('wordpiece_cases.json', dir), 'utf8')) as { single: Single[]; pairs: Pair[] };

/** A vocabulary written by hand for the rules below. */
const HAND = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'un', '##aff', '##able', 'una', '##ffa', 'aff', 'hello', '!', ',', 'a', '##a', 'b', '##b'];

describe('basicTokenize', () => {
  it('lower-cases, strips accents, splits punctuation and cleans whitespace', () => {
    expect(basicTokenize('  Héllo,\tWÖRLD!!  ')).toEqual(['hello', ',', 'world', '!', '!']);
    expect(basicTokenize("don't $5.00")).toEqual(['don', "'", 't', '$', '5', '.', '00']);
    // NBSP (Zs) is whitespace; a zero-width space (Cf) and NUL are dropped, not separators.
    expect(basicTokenize('a\u00a0b\u200bc\u0000d')).toEqual(['a', 'bcd']);
  });

  it('isolates CJK ideographs but not kana', () => {
    expect(basicTokenize('中国の猫')).toEqual(['中', '国', 'の', '猫']);
    // Accent stripping reaches kana as it does in BERT: NFD splits が into か + a combining dakuten (Mn).
    expect(basicTokenize('ひらがな中')).toEqual(['ひらかな', '中']);
    expect(basicTokenize('ひらがな中', { stripAccents: false })).toEqual(['ひらがな', '中']);
  });

  it('keeps case and accents when asked (a cased vocabulary)', () => {
    expect(basicTokenize('Héllo World', { lowerCase: false })).toEqual(['Héllo', 'World']);
    expect(basicTokenize('Héllo', { lowerCase: true, stripAccents: false })).toEqual(['héllo']);
  });
});

describe('wordpieceSplit', () => {
  const vocab = new Set(HAND);
  it('takes the longest prefix first, then the longest ## continuations', () => {
    // 'una' is longer than 'un', so greedy takes it; '##ffa' then '##b'.
    expect(wordpieceSplit('unaffab', vocab)).toEqual(['una', '##ffa', '##b']);
    // Greedy, not optimal: 'un ##aff ##able' would fit, but 'una ##ffa ##b' leaves 'le' unmatched.
    expect(wordpieceSplit('unaffable', vocab)).toEqual(['[UNK]']);
    expect(wordpieceSplit('aff', vocab)).toEqual(['aff']);
    expect(wordpieceSplit('aaa', vocab)).toEqual(['a', '##a', '##a']);
  });

  it('a word with an unmatched remainder, or longer than the limit, is one [UNK]', () => {
    expect(wordpieceSplit('abc', vocab)).toEqual(['[UNK]']);
    expect(wordpieceSplit('a'.repeat(100), vocab)).toHaveLength(100);
    expect(wordpieceSplit('a'.repeat(101), vocab)).toEqual(['[UNK]']);
    expect(wordpieceSplit('aaa', vocab, '[UNK]', 2)).toEqual(['[UNK]']);
  });
});

describe('WordPieceTokenizer', () => {
  const tok = new WordPieceTokenizer(HAND);

  it('reads a vocab.txt: one token per line, id = line, CRLF and a final newline tolerated', () => {
    const t = WordPieceTokenizer.fromVocabText(HAND.join('\r\n') + '\r\n');
    expect(t.size).toBe(HAND.length);
    expect(t.tokenId('##aff')).toBe(6);
    expect([t.padId, t.unkId, t.clsId, t.sepId, t.maskId]).toEqual([0, 1, 2, 3, 4]);
    expect(() => new WordPieceTokenizer(['a', 'b'])).toThrow(/special token "\[UNK\]" is not in the vocabulary/);
  });

  it('tokenizes and encodes; special tokens in the text stay whole', () => {
    expect(tok.tokenize('Hello, UNAFFAB!')).toEqual(['hello', ',', 'una', '##ffa', '##b', '!']);
    expect(tok.tokenize('hello[MASK]b [SEP]zzz')).toEqual(['hello', '[MASK]', 'b', '[SEP]', '[UNK]']);
    expect(Array.from(tok.encode('hello zzz'))).toEqual([11, 1]);
  });

  it('encodes single texts and pairs for the model, truncating the longer side first and padding', () => {
    const one = tok.encodeForModel('hello!');
    expect(Array.from(one.inputIds)).toEqual([2, 11, 12, 3]);
    expect(Array.from(one.tokenTypeIds)).toEqual([0, 0, 0, 0]);
    const two = tok.encodeForModel('hello', 'a b', { padTo: 9 });
    expect(Array.from(two.inputIds)).toEqual([2, 11, 3, 14, 16, 3, 0, 0, 0]);
    expect(Array.from(two.tokenTypeIds)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(two.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const cut = tok.encodeForModel('a a a a', 'b b', { maxLength: 7 });
    expect(Array.from(cut.inputIds)).toEqual([2, 14, 14, 3, 16, 16, 3]);
    expect(() => tok.encodeForModel('a', 'b', { maxLength: 2 })).toThrow(/maxLength must be an integer ≥ 3/);
  });

  it('decodes: ## glued, punctuation spacing cleaned, special tokens dropped unless kept', () => {
    const ids = tok.encodeForModel('Unaffab, hello!').inputIds;
    expect(tok.decode(ids)).toBe('unaffab, hello!');
    expect(tok.decode(ids, { keepBoundary: true })).toBe('[CLS] unaffab, hello! [SEP]');
    expect(() => tok.decode([99])).toThrow(/token id 99 is outside \[0, 18\)/);
  });
});

describe('against the Python reference (fixtures/text)', () => {
  const tok = WordPieceTokenizer.fromVocabText(VOCAB_TEXT);

  it(`the vocabulary has ${VOCAB_TEXT.trim().split('\n').length} tokens, BERT's special tokens among them`, () => {
    expect(tok.size).toBe(59);
    expect([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId]).toEqual([0, 2, 3, 4, 5]);
  });

  for (const c of CASES.single) {
    it(`single: ${JSON.stringify(c.text.length > 40 ? `${c.text.slice(0, 40)}…` : c.text)}`, () => {
      expect(basicTokenize(c.text)).toEqual(c.basic);
      expect(tok.tokenize(c.text)).toEqual(c.tokens);
      expect(Array.from(tok.encode(c.text))).toEqual(c.ids);
      expect(Array.from(tok.encodeForModel(c.text).inputIds)).toEqual(c.input_ids);
      expect(tok.decode(c.ids)).toBe(c.decoded);
    });
  }

  for (const c of CASES.pairs) {
    it(`pair: ${JSON.stringify(c.text)} / ${JSON.stringify(c.pair)}`, () => {
      const e = tok.encodeForModel(c.text, c.pair);
      expect(Array.from(e.inputIds)).toEqual(c.input_ids);
      expect(Array.from(e.tokenTypeIds)).toEqual(c.token_type_ids);
      expect(tok.decode(e.inputIds)).toBe(c.decoded);
      expect(tok.decode(e.inputIds, { keepBoundary: true })).toBe(c.decoded_with_special);
    });
  }
});
