/**
 * BERT (Devlin et al. 2019) with Hugging Face's `BertModel` / `BertForMaskedLM` module names, so
 * their state dicts load with `strict: true`: `embeddings.{word,position,token_type}_embeddings`,
 * `embeddings.LayerNorm`, `encoder.layer.N.attention.self.{query,key,value}`,
 * `encoder.layer.N.attention.output.{dense,LayerNorm}`, `encoder.layer.N.intermediate.dense`,
 * `encoder.layer.N.output.{dense,LayerNorm}`, `pooler.dense`, and the masked-LM head
 * `cls.predictions.{transform.dense, transform.LayerNorm, decoder, bias}`.
 *
 * Post-LN layers, as BERT writes them: `a = LN(x + drop(dense(SelfAttn(x))))`, then
 * `y = LN(a + drop(dense(GELU(dense(a)))))`. Both residuals are core {@link Skip}s:
 * {@link BertAttention} is HF's `attention` module and the attention residual at once; the
 * feed-forward residual spans HF's sibling modules `intermediate` and `output`, so it is a
 * {@link BertFeedForwardSkip} registered inline in the layer (`ff_skip` appears in traces only).
 *
 * **Weight tying.** `cls.predictions.decoder.weight` IS `bert.embeddings.word_embeddings.weight`
 * and `cls.predictions.decoder.bias` IS `cls.predictions.bias` (one tensor each, as in HF):
 * {@link Module.stateDict} lists them under both names and {@link Module.numParameters} counts
 * them once (bert-base-uncased: `BertModel` 109,482,240; `BertForMaskedLM` 109,514,298).
 */
import {
  Dropout,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  Skip,
  Tanh,
  add,
  arange,
  cast,
  contiguous,
  mul,
  narrow,
  ne,
  parameter,
  permute,
  reshape,
  scaledDotProductAttention,
  setSkips,
  squeeze,
  sub,
  zeros,
  type Branches,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDict,
  type Tensor,
} from '@skipnet/core';
import { positiveInt } from './common.js';
import { Model, type InputSpec } from './model.js';

/** A BERT configuration (HF's `BertConfig` fields that shape the network). */
export interface BertOptions {
  /** Vocabulary size (default 30522, bert-base-uncased's). */
  vocabSize?: number;
  /** Width (default 768). */
  hiddenSize?: number;
  /** Encoder layers (default 12). */
  numHiddenLayers?: number;
  /** Attention heads; must divide `hiddenSize` (default 12). */
  numAttentionHeads?: number;
  /** Feed-forward width (default 3072). */
  intermediateSize?: number;
  /** Longest sequence: rows of the learned position table (default 512). */
  maxPositionEmbeddings?: number;
  /** Segment types (default 2: sentence A and B). */
  typeVocabSize?: number;
  /** LayerNorm ε (default 1e-12, as BERT). */
  layerNormEps?: number;
  /** Dropout on embeddings and residual branches (default 0.1). */
  hiddenDropoutProb?: number;
  /** Dropout on attention probabilities (default 0.1). */
  attentionProbsDropoutProb?: number;
  /** Id of `[PAD]` (default 0; kept in the configuration as HF's `pad_token_id`). */
  padTokenId?: number;
  /** Whether the residual skips are present (default true); false is the plain twin. */
  skip?: boolean;
  /**
   * When a call passes no `attentionMask`, mask the keys whose id is `padTokenId` (default
   * false: HF attends to every token unless told otherwise). For callers that pass only ids,
   * such as a trainer over right-padded sequences.
   */
  maskPadding?: boolean;
}

/** Options of {@link BertModel}: the configuration and whether it has a pooler. */
export interface BertModelOptions extends BertOptions {
  /** Build `pooler` (HF's `add_pooling_layer`; default true — `BertForMaskedLM` has none). */
  addPoolingLayer?: boolean;
}

/** A resolved {@link BertOptions} (every field set, `skip` aside). */
export type BertConfig = Required<Omit<BertOptions, 'skip' | 'maskPadding'>>;

/** The inputs of a BERT call beyond the token ids (HF's keyword arguments). */
export interface BertCallOptions {
  /**
   * `[N, T]`, 1 where a token may be attended to and 0 at padding (HF's convention: the
   * opposite of PyTorch's `key_padding_mask`). Omitted: every token is attended to. Padded
   * keys get `(1 − mask)·float32_min` added to their scores, as HF's extended attention mask.
   */
  attentionMask?: Tensor;
  /** `[N, T]` int32 segment ids (0 for sentence A, 1 for B). Omitted: all 0. */
  tokenTypeIds?: Tensor;
}

/** What {@link BertModel.encode} returns. */
export interface BertModelOutput {
  /** `[N, T, hidden]`: the last layer's states. */
  readonly lastHiddenState: Tensor;
  /** `[N, hidden]`: `tanh(pooler.dense([CLS] state))`, or null when the model has no pooler. */
  readonly poolerOutput: Tensor | null;
}

/** The most negative float32, HF's `torch.finfo(float32).min` in the extended attention mask. */
const FLOAT32_MIN = -3.4028234663852886e38;

/** Resolves and checks a configuration. */
function resolveConfig(options: BertOptions, owner: string): BertConfig {
  const config: BertConfig = {
    vocabSize: positiveInt('vocabSize', options.vocabSize ?? 30522, owner),
    hiddenSize: positiveInt('hiddenSize', options.hiddenSize ?? 768, owner),
    numHiddenLayers: positiveInt('numHiddenLayers', options.numHiddenLayers ?? 12, owner),
    numAttentionHeads: positiveInt('numAttentionHeads', options.numAttentionHeads ?? 12, owner),
    intermediateSize: positiveInt('intermediateSize', options.intermediateSize ?? 3072, owner),
    maxPositionEmbeddings: positiveInt('maxPositionEmbeddings', options.maxPositionEmbeddings ?? 512, owner),
    typeVocabSize: positiveInt('typeVocabSize', options.typeVocabSize ?? 2, owner),
    layerNormEps: options.layerNormEps ?? 1e-12,
    hiddenDropoutProb: options.hiddenDropoutProb ?? 0.1,
    attentionProbsDropoutProb: options.attentionProbsDropoutProb ?? 0.1,
    padTokenId: options.padTokenId ?? 0,
  };
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new Error(`${owner}: hiddenSize ${config.hiddenSize} must be divisible by numAttentionHeads ${config.numAttentionHeads}`);
  }
  if (!(Number.isInteger(config.padTokenId) && config.padTokenId >= 0 && config.padTokenId < config.vocabSize)) {
    throw new Error(`${owner}: padTokenId ${config.padTokenId} must be an id in [0, ${config.vocabSize})`);
  }
  return config;
}

/** A Linear initialised as HF's `_init_weights`: weight N(0, 0.02), zero bias. */
function dense(inFeatures: number, outFeatures: number): Linear {
  return new Linear(inFeatures, outFeatures, { init: { normal: 0.02 } });
}

/**
 * Word, position and token-type embeddings, summed, then LayerNorm and dropout. `[N, T]` int32
 * ids → `[N, T, hidden]`. Positions are absolute (0..T−1).
 */
export class BertEmbeddings extends Module {
  declare word_embeddings: Embedding;
  declare position_embeddings: Embedding;
  declare token_type_embeddings: Embedding;
  declare LayerNorm: LayerNorm;
  declare dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    const d = config.hiddenSize;
    this.word_embeddings = new Embedding(config.vocabSize, d, { std: 0.02 });
    this.position_embeddings = new Embedding(config.maxPositionEmbeddings, d, { std: 0.02 });
    this.token_type_embeddings = new Embedding(config.typeVocabSize, d, { std: 0.02 });
    this.LayerNorm = new LayerNorm(d, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  /** `inputIds` `[N, T]` int32; `tokenTypeIds` `[N, T]` int32 (default zeros). */
  override forward(inputIds: Tensor, tokenTypeIds?: Tensor): Tensor {
    const t = inputIds.shape[1]!;
    const types = tokenTypeIds ?? zeros(inputIds.shape, { dtype: 'int32' });
    const positions = this.position_embeddings.call(arange(0, t, 1, { dtype: 'int32' }));
    const e = add(add(this.word_embeddings.call(inputIds), this.token_type_embeddings.call(types)), positions);
    return this.dropout.call(this.LayerNorm.call(e));
  }
}

/**
 * Multi-head self-attention with separate `query`, `key`, `value` projections (HF's
 * `BertSelfAttention`). `[N, T, hidden]` and an additive mask `[N, 1, 1, T]` → the heads'
 * concatenated context `[N, T, hidden]` (before the output projection).
 */
export class BertSelfAttention extends Module {
  declare query: Linear;
  declare key: Linear;
  declare value: Linear;
  declare dropout: Dropout;
  readonly numAttentionHeads: number;

  constructor(config: BertConfig) {
    super();
    const d = config.hiddenSize;
    this.query = dense(d, d);
    this.key = dense(d, d);
    this.value = dense(d, d);
    this.dropout = new Dropout(config.attentionProbsDropoutProb);
    this.numAttentionHeads = config.numAttentionHeads;
  }

  /** `h` `[N, T, hidden]`; `extendedMask` `[N, 1, 1, T]` added to the scores. */
  override forward(h: Tensor, extendedMask?: Tensor): Tensor {
    const [n, t, d] = h.shape as [number, number, number];
    const heads = this.numAttentionHeads;
    const split = (u: Tensor): Tensor => permute(reshape(u, [n, t, heads, d / heads]), [0, 2, 1, 3]);
    const p = this.dropout.p;
    const ctx = scaledDotProductAttention(split(this.query.call(h)), split(this.key.call(h)), split(this.value.call(h)), {
      ...(extendedMask ? { mask: extendedMask } : {}),
      ...(this.training && p > 0 ? { dropout: p } : {}),
    });
    return reshape(contiguous(permute(ctx, [0, 2, 1, 3])), [n, t, d]);
  }
}

/** HF's `BertSelfOutput`: the attention's output projection `dense`, its `dropout`, and the residual's `LayerNorm`. */
export class BertSelfOutput extends Module {
  declare dense: Linear;
  declare LayerNorm: LayerNorm;
  declare dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = dense(config.hiddenSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }
}

/**
 * The attention residual, HF's `BertAttention` (`self`, `output`):
 * `LN(x + drop(dense(SelfAttn(x))))`, a post-LN {@link Skip} whose `post` is
 * `output.LayerNorm`. The additive mask reaches the attention as the call's third argument.
 */
export class BertAttention extends Skip {
  declare self: BertSelfAttention;
  declare output: BertSelfOutput;

  constructor(config: BertConfig) {
    super({ merge: 'add' });
    this.self = new BertSelfAttention(config);
    this.output = new BertSelfOutput(config);
    this.post = this.output.LayerNorm;
  }

  /** `x` `[N, T, hidden]`; `extendedMask` `[N, 1, 1, T]` (see {@link BertSelfAttention}). */
  override forward(x: Tensor, shortcutInput?: Tensor | null, extendedMask?: Tensor): Tensor {
    return super.forward(x, shortcutInput, extendedMask);
  }

  protected override branches(x: Tensor, _s: Tensor, extendedMask?: Tensor): Branches {
    const o = this.output;
    return { main: o.dropout.call(o.dense.call(this.self.call(x, extendedMask))) };
  }
}

/** HF's `BertIntermediate`: `GELU(dense(x))`, hidden → intermediate (exact, erf GELU). */
export class BertIntermediate extends Module {
  declare dense: Linear;
  declare intermediate_act_fn: GELU;

  constructor(config: BertConfig) {
    super();
    this.dense = dense(config.hiddenSize, config.intermediateSize);
    this.intermediate_act_fn = new GELU();
  }

  override forward(x: Tensor): Tensor {
    return this.intermediate_act_fn.call(this.dense.call(x));
  }
}

/** HF's `BertOutput`: the FFN's down projection `dense`, its `dropout`, and the residual's `LayerNorm`. */
export class BertOutput extends Module {
  declare dense: Linear;
  declare LayerNorm: LayerNorm;
  declare dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = dense(config.intermediateSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }
}

/**
 * The feed-forward residual `LN(a + drop(output.dense(intermediate(a))))`: a post-LN
 * {@link Skip} over HF's sibling modules `intermediate` and `output` (registered on the skip,
 * which the layer registers inline, so the names stay HF's).
 */
export class BertFeedForwardSkip extends Skip {
  declare intermediate: BertIntermediate;
  declare output: BertOutput;

  constructor(config: BertConfig) {
    super({ merge: 'add' });
    this.intermediate = new BertIntermediate(config);
    this.output = new BertOutput(config);
    this.post = this.output.LayerNorm;
  }

  protected override branches(x: Tensor): Branches {
    const o = this.output;
    return { main: o.dropout.call(o.dense.call(this.intermediate.call(x))) };
  }
}

/** HF's `BertLayer`: `attention` (a residual), then the inline feed-forward residual `ff_skip`. `[N, T, hidden]` → same. */
export class BertLayer extends Module {
  declare attention: BertAttention;
  declare ff_skip: BertFeedForwardSkip;

  constructor(config: BertConfig) {
    super();
    this.attention = new BertAttention(config);
    this.registerModule('ff_skip', new BertFeedForwardSkip(config), { inline: true });
  }

  /** `h` `[N, T, hidden]`; `extendedMask` `[N, 1, 1, T]` additive. */
  override forward(h: Tensor, extendedMask?: Tensor): Tensor {
    return this.ff_skip.call(this.attention.call(h, null, extendedMask));
  }
}

/** HF's `BertEncoder`: `layer.0` … `layer.{L−1}`. */
export class BertEncoder extends Module {
  declare layer: ModuleList;

  constructor(config: BertConfig) {
    super();
    this.layer = new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new BertLayer(config)));
  }

  override forward(h: Tensor, extendedMask?: Tensor): Tensor {
    let y = h;
    for (const layer of this.layer) y = layer.call(y, extendedMask);
    return y;
  }
}

/** HF's `BertPooler`: `tanh(dense(h[:, 0]))`, the `[CLS]` state → `[N, hidden]`. */
export class BertPooler extends Module {
  declare dense: Linear;
  declare activation: Tanh;

  constructor(config: BertConfig) {
    super();
    this.dense = dense(config.hiddenSize, config.hiddenSize);
    this.activation = new Tanh();
  }

  override forward(h: Tensor): Tensor {
    return this.activation.call(this.dense.call(squeeze(narrow(h, 1, 0, 1), 1)));
  }
}

/**
 * `attentionMask` `[N, T]` (1 keep, 0 pad) → the additive `[N, 1, 1, T]` float32
 * `(1 − mask)·float32_min` (HF's `get_extended_attention_mask`).
 */
export function extendedAttentionMask(attentionMask: Tensor): Tensor {
  const [n, t] = attentionMask.shape as [number, number];
  return reshape(mul(sub(1, cast(attentionMask, 'float32')), FLOAT32_MIN), [n, 1, 1, t]);
}

/** Checks the ids and the optional masks of one call against the configuration. */
function checkCall(owner: string, config: BertConfig, inputIds: Tensor, options: BertCallOptions): void {
  const [n, t] = inputIds.shape as [number, number];
  for (const [name, m] of [
    ['attentionMask', options.attentionMask],
    ['tokenTypeIds', options.tokenTypeIds],
  ] as const) {
    if (m && (m.rank !== 2 || m.shape[0] !== n || m.shape[1] !== t)) {
      throw new Error(`${owner}: ${name} must be [${n}, ${t}] like the input ids, got [${m.shape.join(', ')}]`);
    }
  }
  if (options.tokenTypeIds && options.tokenTypeIds.dtype !== 'int32') {
    throw new Error(`${owner}: tokenTypeIds must be int32 (segment ids < ${config.typeVocabSize}), got ${options.tokenTypeIds.dtype}`);
  }
}

/** Whether a key is a pre-trained checkpoint's non-learned buffer or a head this model does not have. */
type KeyFilter = (key: string) => boolean;

/**
 * Normalises a BERT state dict's keys for a model whose own body keys carry `prefix` (`''` for
 * {@link BertModel}, `'bert.'` for {@link BertForMaskedLM}): legacy TF names
 * `LayerNorm.gamma`/`beta` become `weight`/`bias` (as HF's loader renames them), the body's
 * `bert.` prefix is added or removed, the `embeddings.position_ids` buffer older HF versions
 * saved is dropped, and keys `drop` selects (heads the model does not have) are left out.
 */
function normaliseKeys(dict: StateDict | ReadonlyMap<string, Tensor>, prefix: '' | 'bert.', drop: KeyFilter): Map<string, Tensor> {
  const entries: Iterable<[string, Tensor]> = dict instanceof Map ? (dict as ReadonlyMap<string, Tensor>).entries() : Object.entries(dict as StateDict);
  const out = new Map<string, Tensor>();
  for (const [key, value] of entries) {
    let k = key.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
    const body = k.startsWith('bert.') ? k.slice(5) : k.startsWith('cls.') ? null : k;
    if (body !== null) {
      if (body === 'embeddings.position_ids') continue;
      k = prefix + body;
    }
    if (drop(k)) continue;
    out.set(k, value);
  }
  return out;
}

/**
 * BERT's encoder, HF's `BertModel`: `[N, T]` int32 token ids (T ≤ maxPositionEmbeddings) → the
 * last hidden state `[N, T, hidden]` ({@link BertModel.encode} also returns the pooled `[CLS]`
 * output). Init as HF's `_init_weights` — N(0, 0.02) weights and embeddings, zero biases,
 * LayerNorm 1 and 0 — except that the `[PAD]` embedding row is drawn like the others rather than
 * zeroed (the meta backend that sizes models cannot write one row; padded keys are masked anyway). `bert_base_uncased`: 109,482,240 parameters.
 */
export class BertModel extends Model {
  declare embeddings: BertEmbeddings;
  declare encoder: BertEncoder;
  declare pooler: BertPooler | null;
  readonly inputSpec: InputSpec;
  readonly config: BertConfig;
  /** Whether calls without an `attentionMask` mask `[PAD]` keys (see {@link BertOptions.maskPadding}). */
  readonly maskPadding: boolean;

  constructor(options: BertModelOptions = {}, name = 'bert') {
    super(name);
    const config = resolveConfig(options, name);
    this.config = config;
    this.maskPadding = options.maskPadding ?? false;
    this.inputSpec = { kind: 'tokens', dtype: 'int32', maxLength: config.maxPositionEmbeddings, example: [1, Math.min(128, config.maxPositionEmbeddings)] };
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(config);
    this.pooler = (options.addPoolingLayer ?? true) ? new BertPooler(config) : null;
    if (options.skip === false) setSkips(this, false);
  }

  /** `inputIds` `[N, T]` int32 → the last hidden state `[N, T, hidden]`. */
  override forward(inputIds: Tensor, options: BertCallOptions = {}): Tensor {
    this.checkInput(inputIds);
    checkCall(this.modelName, this.config, inputIds, options);
    const attention = options.attentionMask ?? (this.maskPadding ? ne(inputIds, this.config.padTokenId) : undefined);
    const mask = attention ? extendedAttentionMask(attention) : undefined;
    return this.encoder.call(this.embeddings.call(inputIds, options.tokenTypeIds), mask);
  }

  /** Runs the model and returns the last hidden state and the pooled output (HF's two outputs). */
  encode(inputIds: Tensor, options: BertCallOptions = {}): BertModelOutput {
    const lastHiddenState = this.forward(inputIds, options);
    return { lastHiddenState, poolerOutput: this.pooler ? this.pooler.call(lastHiddenState) : null };
  }

  /**
   * Loads a `BertModel` state dict — or the body of a `BertForMaskedLM` / `BertForPreTraining`
   * one — with or without the `bert.` prefix. Pre-training heads (`cls.*`) are left out, as HF
   * does; legacy `LayerNorm.gamma`/`beta` names and the `embeddings.position_ids` buffer are
   * accepted. Everything else is strict as {@link Module.loadStateDict}: a missing key (a
   * pooler-less `BertForMaskedLM` file into a model with a pooler), an unexpected one or a shape
   * mismatch is an error naming each key and both shapes.
   */
  override loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    return super.loadStateDict(
      normaliseKeys(dict, '', (k) => k.startsWith('cls.')),
      options,
    );
  }
}

/** HF's `BertPredictionHeadTransform`: `LayerNorm(GELU(dense(h)))`. */
export class BertPredictionHeadTransform extends Module {
  declare dense: Linear;
  declare transform_act_fn: GELU;
  declare LayerNorm: LayerNorm;

  constructor(config: BertConfig) {
    super();
    this.dense = dense(config.hiddenSize, config.hiddenSize);
    this.transform_act_fn = new GELU();
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
  }

  override forward(h: Tensor): Tensor {
    return this.LayerNorm.call(this.transform_act_fn.call(this.dense.call(h)));
  }
}

/**
 * HF's `BertLMPredictionHead`: `decoder(transform(h))` → `[N, T, vocab]` logits, where the
 * decoder's weight is the word embedding table and its bias is `bias` (both tied).
 */
export class BertLMPredictionHead extends Module {
  declare transform: BertPredictionHeadTransform;
  declare decoder: Linear;
  declare bias: Tensor;

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.transform = new BertPredictionHeadTransform(config);
    // Tied: the decoder's "init" hands back the embedding table itself, so it exists once.
    this.decoder = new Linear(config.hiddenSize, config.vocabSize, { bias: false, init: () => wordEmbeddings.weight });
    this.bias = parameter(zeros([config.vocabSize]));
    this.decoder.bias = this.bias;
  }

  override forward(h: Tensor): Tensor {
    return this.decoder.call(this.transform.call(h));
  }
}

/** HF's `BertOnlyMLMHead`: `predictions`. */
export class BertOnlyMLMHead extends Module {
  declare predictions: BertLMPredictionHead;

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.predictions = new BertLMPredictionHead(config, wordEmbeddings);
  }

  override forward(h: Tensor): Tensor {
    return this.predictions.call(h);
  }
}

/** The pairs of names HF ties (one tensor under both). */
const TIED: readonly (readonly [string, string])[] = [
  ['bert.embeddings.word_embeddings.weight', 'cls.predictions.decoder.weight'],
  ['cls.predictions.bias', 'cls.predictions.decoder.bias'],
];

/**
 * BERT with its masked-language-model head, HF's `BertForMaskedLM`: `bert` (a {@link BertModel}
 * without pooler, as HF builds it) and `cls.predictions`. `[N, T]` int32 ids → logits
 * `[N, T, vocab]` over the vocabulary at every position. bert-base-uncased: 109,514,298
 * parameters (the tied decoder counted once).
 */
export class BertForMaskedLM extends Model {
  declare bert: BertModel;
  declare cls: BertOnlyMLMHead;
  readonly inputSpec: InputSpec;
  readonly config: BertConfig;

  constructor(options: BertOptions = {}, name = 'bert_mlm') {
    super(name);
    this.bert = new BertModel({ ...options, addPoolingLayer: false }, name);
    this.config = this.bert.config;
    this.inputSpec = this.bert.inputSpec;
    this.cls = new BertOnlyMLMHead(this.config, this.bert.embeddings.word_embeddings);
  }

  /** `inputIds` `[N, T]` int32 → logits `[N, T, vocab]`. */
  override forward(inputIds: Tensor, options: BertCallOptions = {}): Tensor {
    return this.cls.call(this.bert.call(inputIds, options));
  }

  /**
   * Loads a `BertForMaskedLM` state dict (or a `BertForPreTraining` one: its next-sentence head
   * `cls.seq_relationship.*` and `bert.pooler.*` are left out, as HF does), with or without the
   * `bert.` prefix on the body's keys. Of each tied pair (decoder weight and word embeddings,
   * decoder bias and `cls.predictions.bias`) one name is enough — `safetensors` files keep one
   * name per shared tensor; when both are given, the embedding table and `cls.predictions.bias`
   * win. Legacy `gamma`/`beta` names and `embeddings.position_ids` are accepted; the rest is
   * strict as {@link Module.loadStateDict}.
   */
  override loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const source = normaliseKeys(dict, 'bert.', (k) => k.startsWith('cls.seq_relationship.') || k.startsWith('bert.pooler.'));
    for (const [a, b] of TIED) {
      const value = source.get(a) ?? source.get(b);
      if (value) {
        source.set(a, value);
        source.set(b, value);
      }
    }
    return super.loadStateDict(source, options);
  }
}

/** Options of {@link BertForSequenceClassification}: the encoder's configuration and the head. */
export interface BertForSequenceClassificationOptions extends BertOptions {
  /** Classes (HF's `num_labels`; default 2). */
  numLabels?: number;
  /** Dropout before the classifier (HF's `classifier_dropout`; default `hiddenDropoutProb`). */
  classifierDropout?: number;
}

/**
 * BERT with a classification head on the pooled `[CLS]` state, HF's
 * `BertForSequenceClassification`: `bert` (a {@link BertModel} with its pooler), `dropout` and
 * `classifier` (`Linear(hidden, numLabels)`, N(0, 0.02) init). `[N, T]` int32 ids → logits
 * `[N, numLabels]`. Fine-tuning starts from a pre-trained body: load a `BertModel` or
 * `BertForMaskedLM` state dict with `strict: false` (or through the CLI's `--init`), and the
 * pooler and classifier the file lacks keep their fresh init, as HF does.
 */
export class BertForSequenceClassification extends Model {
  declare bert: BertModel;
  declare dropout: Dropout;
  declare classifier: Linear;
  readonly inputSpec: InputSpec;
  readonly config: BertConfig;
  /** Number of classes. */
  readonly numLabels: number;

  constructor(options: BertForSequenceClassificationOptions = {}, name = 'bert_cls') {
    super(name);
    const { numLabels, classifierDropout, ...body } = options;
    this.numLabels = positiveInt('numLabels', numLabels ?? 2, name);
    this.bert = new BertModel({ ...body, addPoolingLayer: true }, name);
    this.config = this.bert.config;
    this.inputSpec = this.bert.inputSpec;
    this.dropout = new Dropout(classifierDropout ?? this.config.hiddenDropoutProb);
    this.classifier = dense(this.config.hiddenSize, this.numLabels);
  }

  /** `inputIds` `[N, T]` int32 → logits `[N, numLabels]`. */
  override forward(inputIds: Tensor, options: BertCallOptions = {}): Tensor {
    const { poolerOutput } = this.bert.encode(inputIds, options);
    return this.classifier.call(this.dropout.call(poolerOutput!));
  }

  /**
   * Loads a `BertForSequenceClassification` state dict, with or without the `bert.` prefix on
   * the body's keys (`classifier.*` keeps its name); pre-training heads (`cls.*`) are left out,
   * legacy `gamma`/`beta` names and `embeddings.position_ids` are accepted. Strict by default as
   * {@link Module.loadStateDict}; pass `strict: false` to fine-tune from a body-only file.
   */
  override loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const entries: [string, Tensor][] = dict instanceof Map ? [...(dict as ReadonlyMap<string, Tensor>).entries()] : Object.entries(dict as StateDict);
    const head = entries.filter(([k]) => k.startsWith('classifier.'));
    const source = normaliseKeys(new Map(entries.filter(([k]) => !k.startsWith('classifier.'))), 'bert.', (k) => k.startsWith('cls.'));
    for (const [k, v] of head) source.set(k, v);
    return super.loadStateDict(source, options);
  }
}
