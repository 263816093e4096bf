/**
 * A sequence-to-sequence model around the encoder–decoder {@link Transformer}, laid out as
 * PyTorch's "Language Translation with nn.Transformer" tutorial builds its `Seq2SeqTransformer`:
 * `src_tok_emb` and `tgt_tok_emb` (token embeddings drawn from N(0, 1/d) and scaled by √d), sinusoidal positions (not
 * learned, no parameters), `transformer` (`nn.Transformer`'s keys) and `generator` (d → target
 * vocabulary). Training is teacher forcing: one forward gives the logits of every target
 * position under a causal mask; {@link greedyDecode} and {@link beamSearchDecode} translate.
 */
import { Embedding, Linear, add, cast, concat, contiguous, eq, logSoftmax, mul, noGrad, slice, tensor, tidy, type Tensor } from '@skipnet/core';
import { positiveInt } from './common.js';
import { Model, type InputSpec } from './model.js';
import { Transformer, type TransformerOptions } from './seq2seq.js';
import { beamSearch, greedySearch, type BeamSearchOptions, type Hypothesis } from './search.js';

/** Options of {@link Seq2SeqTransformer}: the vocabularies, the packed input's layout and the Transformer's size. */
export interface Seq2SeqTransformerOptions extends Omit<TransformerOptions, 'skip'> {
  /** Source vocabulary size (default 11: `<pad>` and ten digits). */
  srcVocabSize?: number;
  /** Target vocabulary size, the output classes (default 33, number-words'). */
  tgtVocabSize?: number;
  /** Source positions at the start of the packed input (default 6). */
  sourceLength?: number;
  /** Longest decoder input (default 10). */
  targetLength?: number;
  /** Padding id of source and decoder input (default 0): masked as keys. */
  pad?: number;
  /** Whether the residual skips are present (default true); false is the plain twin. */
  skip?: boolean;
}

/** Sinusoidal positions `[length, d]` (Vaswani et al. 2017 §3.5): sin on even, cos on odd features. */
export function sinusoidalPositions(length: number, d: number): Float32Array {
  const pe = new Float32Array(length * d);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < d; i += 2) {
      const angle = p / 10000 ** (i / d);
      pe[p * d + i] = Math.sin(angle);
      if (i + 1 < d) pe[p * d + i + 1] = Math.cos(angle);
    }
  }
  return pe;
}

/**
 * Encoder–decoder Transformer for translation. Input: the packed int32 ids `[N, S + T]` of a
 * translation dataset (`@skipnet/data`'s `TranslationInfo`): the source `[N, S]` (S =
 * `sourceLength`), then the decoder input `<bos> t1 …` `[N, T]`, both right-padded with `pad`.
 * Output: logits `[N, T, tgtVocabSize]`, position t predicting token t + 1 — the decoder
 * self-attention is causal, and padded source and target positions are masked as keys.
 * The plain twin (`skip: false`) removes all residuals of encoder and decoder.
 */
export class Seq2SeqTransformer extends Model {
  declare src_tok_emb: Embedding;
  declare tgt_tok_emb: Embedding;
  declare transformer: Transformer;
  declare generator: Linear;
  readonly inputSpec: InputSpec;
  /** Source positions at the start of the input. */
  readonly sourceLength: number;
  /** Longest decoder input. */
  readonly targetLength: number;
  /** Padding id. */
  readonly pad: number;
  private readonly positions: Float32Array;

  constructor(options: Seq2SeqTransformerOptions = {}, name = 'transformer_seq2seq') {
    super(name);
    const srcVocab = positiveInt('srcVocabSize', options.srcVocabSize ?? 11, name);
    const tgtVocab = positiveInt('tgtVocabSize', options.tgtVocabSize ?? 33, name);
    this.sourceLength = positiveInt('sourceLength', options.sourceLength ?? 6, name);
    this.targetLength = positiveInt('targetLength', options.targetLength ?? 10, name);
    this.pad = options.pad ?? 0;
    const { srcVocabSize: _s, tgtVocabSize: _t, sourceLength: _sl, targetLength: _tl, pad: _p, ...rest } = options;
    this.transformer = new Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128, ...rest });
    const d = this.transformer.dModel;
    // N(0, 1/d), so that after the √d scale tokens and positions have the same size.
    this.src_tok_emb = new Embedding(srcVocab, d, { std: 1 / Math.sqrt(d) });
    this.tgt_tok_emb = new Embedding(tgtVocab, d, { std: 1 / Math.sqrt(d) });
    this.generator = new Linear(d, tgtVocab);
    this.positions = sinusoidalPositions(Math.max(this.sourceLength, this.targetLength), d);
    this.inputSpec = { kind: 'tokens', dtype: 'int32', maxLength: this.sourceLength + this.targetLength, example: [1, this.sourceLength + this.targetLength] };
  }

  /** Embedded tokens `[N, L, d]`: embedding · √d + sinusoidal positions. */
  private embed(emb: Embedding, ids: Tensor): Tensor {
    const [, l] = ids.shape as [number, number];
    const d = this.transformer.dModel;
    return add(mul(emb.call(ids), Math.sqrt(d)), tensor(this.positions.subarray(0, l * d), [l, d]));
  }

  /** `[N, L]` int32, 1 where `ids` is padding (the masks' convention). */
  private padding(ids: Tensor): Tensor {
    return cast(eq(ids, this.pad), 'int32');
  }

  /** The encoder's memory `[N, S, d]` of source ids `[N, S]`, with the source padding mask `[N, S]`. */
  encodeSource(src: Tensor): { memory: Tensor; srcPadding: Tensor } {
    const srcPadding = this.padding(src);
    const memory = this.transformer.encode(this.embed(this.src_tok_emb, src), { srcKeyPaddingMask: srcPadding });
    return { memory, srcPadding };
  }

  /** Logits `[N, t, V]` of decoder input `tgt` `[N, t]` over `memory` (causal, padding masked). */
  decodeLogits(tgt: Tensor, memory: Tensor, srcPadding: Tensor): Tensor {
    const out = this.transformer.decode(this.embed(this.tgt_tok_emb, tgt), memory, {
      tgtIsCausal: true,
      tgtKeyPaddingMask: this.padding(tgt),
      memoryKeyPaddingMask: srcPadding,
    });
    return this.generator.call(out);
  }

  /** Packed ids `[N, S + t]` (1 ≤ t ≤ targetLength) → logits `[N, t, V]` (teacher forcing). */
  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const [n, l] = x.shape as [number, number];
    const s = this.sourceLength;
    if (l <= s) throw new Error(`${this.modelName}: expected the source (${s} ids) and at least one decoder id, got [${x.shape.join(', ')}]`);
    const src = contiguous(slice(x, [0, 0], [n, s]));
    const tgt = contiguous(slice(x, [0, s], [n, l - s]));
    const { memory, srcPadding } = this.encodeSource(src);
    return this.decodeLogits(tgt, memory, srcPadding);
  }
}

/** Options of {@link greedyDecode} and {@link beamSearchDecode}. */
export interface DecodeOptions {
  /** Target id that starts decoding. */
  bos: number;
  /** Target id that ends a translation. */
  eos: number;
  /** Most tokens to generate, `<eos>` included (default the model's `targetLength`). */
  maxLength?: number;
}

/**
 * Greedy decoding of a batch: source ids `[N, S]` → for each row the arg-max tokens after
 * `<bos>` up to (not including) `<eos>`. The encoder runs once; the decoder reruns over the
 * growing prefix each step (sequences here are short). Runs without gradients, in the model's
 * current mode (call `model.eval()` first).
 */
export async function greedyDecode(model: Seq2SeqTransformer, src: Tensor, options: DecodeOptions): Promise<number[][]> {
  const maxLength = options.maxLength ?? model.targetLength;
  const n = src.shape[0]!;
  const enc = noGrad(() => tidy(() => model.encodeSource(src)));
  const tokens: number[][] = Array.from({ length: n }, () => [options.bos]);
  const done = new Array<boolean>(n).fill(false);
  try {
    for (let step = 0; step < maxLength && done.includes(false); step++) {
      // Finished rows keep decoding (after <eos>, padded) so the batch stays rectangular.
      const prefix = tensor(Int32Array.from(tokens.flat()), [n, step + 1], { dtype: 'int32' });
      const next = noGrad(() =>
        tidy(() => {
          const logits = model.decodeLogits(prefix, enc.memory, enc.srcPadding);
          return slice(logits, [0, step, 0], [n, 1, logits.shape[2]!]).argmax(2);
        }),
      );
      prefix.dispose();
      const ids = await next.data();
      next.dispose();
      for (let i = 0; i < n; i++) {
        const id = done[i] ? model.pad : ids[i]!;
        tokens[i]!.push(id);
        if (id === options.eos) done[i] = true;
      }
    }
  } finally {
    enc.memory.dispose();
    enc.srcPadding.dispose();
  }
  return tokens.map((t) => {
    const out = t.slice(1);
    const end = out.indexOf(options.eos);
    return end < 0 ? out : out.slice(0, end);
  });
}

/**
 * The next-token log-probabilities of one source under `model`, as {@link beamSearch} and
 * {@link greedySearch} take them: all prefixes of one call share a length, so they run as one
 * batch over the source's memory repeated.
 */
function scorerFor(model: Seq2SeqTransformer, memory: Tensor, srcPadding: Tensor): (prefixes: readonly (readonly number[])[]) => Promise<Float32Array[]> {
  return async (prefixes) => {
    const b = prefixes.length;
    const t = prefixes[0]!.length;
    const out = noGrad(() =>
      tidy(() => {
        const ids = tensor(Int32Array.from(prefixes.flat()), [b, t], { dtype: 'int32' });
        const mem = b === 1 ? memory : concat(new Array<Tensor>(b).fill(memory), 0);
        const pad = b === 1 ? srcPadding : concat(new Array<Tensor>(b).fill(srcPadding), 0);
        const logits = model.decodeLogits(ids, mem, pad);
        const v = logits.shape[2]!;
        return logSoftmax(slice(logits, [0, t - 1, 0], [b, 1, v]), -1);
      }),
    );
    const data = (await out.data()) as Float32Array;
    const v = out.shape[2]!;
    out.dispose();
    return prefixes.map((_, i) => data.slice(i * v, (i + 1) * v));
  };
}

/**
 * Beam-search decoding of one source `[1, S]` (see {@link beamSearch} for the search and its
 * length normalisation): the hypotheses found, best first, tokens without `<bos>`/`<eos>`.
 * With `beamWidth` 1 it returns greedy decoding's sequence.
 */
export async function beamSearchDecode(
  model: Seq2SeqTransformer,
  src: Tensor,
  options: DecodeOptions & Omit<BeamSearchOptions, 'bos' | 'eos' | 'maxLength'>,
): Promise<Hypothesis[]> {
  if (src.shape[0] !== 1) throw new Error(`beamSearchDecode: expected one source [1, S], got [${src.shape.join(', ')}]`);
  const enc = noGrad(() => tidy(() => model.encodeSource(src)));
  try {
    return await beamSearch(scorerFor(model, enc.memory, enc.srcPadding), { ...options, maxLength: options.maxLength ?? model.targetLength });
  } finally {
    enc.memory.dispose();
    enc.srcPadding.dispose();
  }
}

/** Greedy search through {@link greedySearch} for one source `[1, S]` (its tokens and log-probability; for tests and scoring). */
export async function greedySearchDecode(model: Seq2SeqTransformer, src: Tensor, options: DecodeOptions): Promise<Hypothesis> {
  const enc = noGrad(() => tidy(() => model.encodeSource(src)));
  try {
    return await greedySearch(scorerFor(model, enc.memory, enc.srcPadding), { ...options, maxLength: options.maxLength ?? model.targetLength });
  } finally {
    enc.memory.dispose();
    enc.srcPadding.dispose();
  }
}
