/**
 * The Transformer encoder and decoder layers (Vaswani et al. 2017) in both placements of their LayerNorms:
 *
 * - post-LN, as in the original paper and BERT: `x = LN(x + Attn(x))`, `x = LN(x + FFN(x))`;
 * - pre-LN (GPT-2, ViT; Xiong et al. 2020): `x = x + Attn(LN(x))`, `x = x + FFN(LN(x))` —
 *   the residual stream is never normalised, which keeps gradients well scaled in deep stacks
 *   and lets them train without learning-rate warm-up.
 *
 * Parameter names are PyTorch's `nn.TransformerEncoderLayer` (`self_attn.in_proj_weight`,
 * `linear1`, `linear2`, `norm1`, `norm2`) and `nn.TransformerDecoderLayer` (plus
 * `multihead_attn.*`, `norm3`), so their `state_dict`s load. Each residual is a core
 * {@link Skip}, registered inline (`attn_skip`, `ff_skip` appear in traces, not in names).
 */
import {
  Dropout,
  GELU,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  MultiheadAttention,
  ReLU,
  Skip,
  add,
  contiguous,
  init,
  mean,
  parameter,
  permute,
  reshape,
  seq,
  tensor,
  type AttentionCallOptions,
  type Branches,
  type Tensor,
} from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { Model, type InputSpec } from './model.js';

/** Options of {@link TransformerEncoderLayer} (PyTorch's keyword arguments). */
export interface TransformerEncoderLayerOptions {
  /** Hidden width of the feed-forward network (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the FFN (default 0.1). */
  dropout?: number;
  /** FFN activation (default `'relu'`, as PyTorch; BERT uses `'gelu'`). */
  activation?: 'relu' | 'gelu';
  /** LayerNorm ε (default 1e-5). */
  layerNormEps?: number;
  /** Pre-LN (true) or post-LN (false, default: the original Transformer and BERT). */
  normFirst?: boolean;
}

/**
 * Which numbered LayerNorm and Dropout a residual owns. PyTorch numbers them by the sub-layer's
 * place in its layer: the encoder's attention owns `norm1`/`dropout1` and its FFN
 * `norm2`/`dropout2`; the decoder's self-attention 1, cross-attention 2 and FFN 3.
 */
export type SublayerIndex = 1 | 2 | 3;

/** Options of {@link AttentionSkip} beyond the layer's shared ones. */
export interface AttentionSkipOptions {
  /**
   * Cross-attention (`multihead_attn`: queries from the stream, keys and values from the
   * encoder's memory) instead of self-attention (`self_attn`). Default false.
   */
  cross?: boolean;
  /** Its norm and dropout are `norm{index}`, `dropout{index}` (default 1; 2 for cross-attention). */
  index?: SublayerIndex;
}

/**
 * An attention residual: `x + drop(attn(LN(x)))` (pre-LN) or `LN(x + drop(attn(x)))` (post-LN),
 * where `attn` is self-attention (`self_attn`) or cross-attention over the encoder's memory
 * (`multihead_attn`). Its layers are registered under PyTorch's names (`self_attn`, `norm1`,
 * `dropout1`; `multihead_attn`, `norm2`, `dropout2`) and reached through the getters.
 */
export class AttentionSkip extends Skip {
  readonly normFirst: boolean;
  /** Whether keys and values come from the memory passed to each call. */
  readonly cross: boolean;
  readonly #names: { readonly attention: string; readonly norm: string; readonly dropout: string };

  constructor(dModel: number, nhead: number, dropout: number, eps: number, normFirst: boolean, options: AttentionSkipOptions = {}) {
    super({ merge: 'add' });
    this.cross = options.cross ?? false;
    const index = options.index ?? (this.cross ? 2 : 1);
    this.#names = { attention: this.cross ? 'multihead_attn' : 'self_attn', norm: `norm${index}`, dropout: `dropout${index}` };
    this.registerModule(this.#names.attention, new MultiheadAttention(dModel, nhead, { batchFirst: true, dropout }));
    this.registerModule(this.#names.norm, new LayerNorm(dModel, { eps }));
    this.registerModule(this.#names.dropout, new Dropout(dropout));
    this.normFirst = normFirst;
    if (!normFirst) this.post = this.norm;
  }

  /** The attention: `self_attn` or `multihead_attn`. */
  get attention(): MultiheadAttention {
    return Reflect.get(this, this.#names.attention) as MultiheadAttention;
  }

  /** Its LayerNorm (`norm1`, `norm2`): before the attention (pre-LN) or after the add (post-LN). */
  get norm(): LayerNorm {
    return Reflect.get(this, this.#names.norm) as LayerNorm;
  }

  /** The dropout on the attention's output (`dropout1`, `dropout2`). */
  get residualDropout(): Dropout {
    return Reflect.get(this, this.#names.dropout) as Dropout;
  }

  /**
   * `x` `[N, L, dModel]`; `masks` reach the attention (the layer passes them through `call`);
   * cross-attention needs `memory` `[N, S, dModel]`, the keys and values.
   */
  override forward(x: Tensor, shortcutInput?: Tensor | null, masks: AttentionCallOptions = {}, memory?: Tensor): Tensor {
    return super.forward(x, shortcutInput, masks, memory);
  }

  protected override branches(x: Tensor, _s: Tensor, masks: AttentionCallOptions = {}, memory?: Tensor): Branches {
    if (this.cross && !memory) throw new Error('AttentionSkip: cross-attention needs the memory [N, S, dModel] as its fourth argument');
    const h = this.normFirst ? this.norm.call(x) : x;
    const kv = this.cross ? memory! : h;
    return { main: this.residualDropout.call(this.attention.call(h, kv, kv, masks)) };
  }
}

/**
 * The feed-forward residual: `x + FFN(LN(x))` (pre-LN) or `LN(x + FFN(x))` (post-LN), with
 * `FFN = drop(linear2(drop(act(linear1(·)))))`. Names `linear1`, `dropout`, `linear2`, and
 * `norm{index}`, `dropout{index}` (2 in the encoder, 3 in the decoder).
 */
export class FeedForwardSkip extends Skip {
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare activation: Module;
  readonly normFirst: boolean;
  readonly #names: { readonly norm: string; readonly dropout: string };

  constructor(dModel: number, dimFeedforward: number, dropout: number, activation: 'relu' | 'gelu', eps: number, normFirst: boolean, index: SublayerIndex = 2) {
    super({ merge: 'add' });
    this.#names = { norm: `norm${index}`, dropout: `dropout${index}` };
    this.linear1 = new Linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel);
    this.registerModule(this.#names.norm, new LayerNorm(dModel, { eps }));
    this.registerModule(this.#names.dropout, new Dropout(dropout));
    this.activation = activation === 'gelu' ? new GELU() : new ReLU();
    this.normFirst = normFirst;
    if (!normFirst) this.post = this.norm;
  }

  /** Its LayerNorm (`norm2` in the encoder, `norm3` in the decoder). */
  get norm(): LayerNorm {
    return Reflect.get(this, this.#names.norm) as LayerNorm;
  }

  /** The dropout on the FFN's output (`dropout2`, `dropout3`). */
  get residualDropout(): Dropout {
    return Reflect.get(this, this.#names.dropout) as Dropout;
  }

  protected override branches(x: Tensor): Branches {
    const h = this.normFirst ? this.norm.call(x) : x;
    return { main: seq(h, this.linear1, this.activation, this.dropout, this.linear2, this.residualDropout) };
  }
}

/**
 * One encoder layer, batch-first: `[N, L, dModel]` → `[N, L, dModel]`. Names as PyTorch's
 * `nn.TransformerEncoderLayer(batch_first=True)`.
 */
export class TransformerEncoderLayer extends Module {
  declare attn_skip: AttentionSkip;
  declare ff_skip: FeedForwardSkip;
  readonly dModel: number;
  readonly nhead: number;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const dropout = options.dropout ?? 0.1;
    const eps = options.layerNormEps ?? 1e-5;
    const normFirst = options.normFirst ?? false;
    this.dModel = dModel;
    this.nhead = nhead;
    this.registerModule('attn_skip', new AttentionSkip(dModel, nhead, dropout, eps, normFirst), { inline: true });
    this.registerModule('ff_skip', new FeedForwardSkip(dModel, options.dimFeedforward ?? 2048, dropout, options.activation ?? 'relu', eps, normFirst), {
      inline: true,
    });
  }

  /** `src` `[N, L, dModel]`; masks as {@link MultiheadAttention} takes them. */
  override forward(src: Tensor, options: AttentionCallOptions = {}): Tensor {
    if (src.rank !== 3 || src.shape[2] !== this.dModel) {
      throw new Error(`TransformerEncoderLayer: expected input [N, L, ${this.dModel}], got [${src.shape.join(', ')}]`);
    }
    const [n, l] = src.shape as [number, number, number];
    checkMaskShape('TransformerEncoderLayer', 'attnMask', options.attnMask, [
      [l, l],
      [n * this.nhead, l, l],
    ]);
    checkMaskShape('TransformerEncoderLayer', 'keyPaddingMask', options.keyPaddingMask, [[n, l]]);
    return this.ff_skip.call(this.attn_skip.call(src, null, options));
  }
}

/** Throws unless `mask` (when given) has one of the `allowed` shapes, naming them and its own. */
function checkMaskShape(owner: string, name: string, mask: Tensor | undefined, allowed: readonly (readonly number[])[]): void {
  if (!mask) return;
  if (allowed.some((shape) => shape.length === mask.rank && shape.every((d, i) => d === mask.shape[i]))) return;
  const expected = allowed.map((shape) => `[${shape.join(', ')}]`).join(' or ');
  throw new Error(`${owner}: ${name} must be ${expected}, got [${mask.shape.join(', ')}]`);
}

/** Throws unless `x` is `[N, L, dModel]` (and has `batch` rows when given), naming `name`'s shape. @internal */
export function checkSequence(owner: string, name: string, x: Tensor, dModel: number, batch?: number): void {
  if (x.rank !== 3 || x.shape[2] !== dModel || (batch !== undefined && x.shape[0] !== batch)) {
    throw new Error(`${owner}: expected ${name} [${batch ?? 'N'}, L, ${dModel}], got [${x.shape.join(', ')}]`);
  }
}

/**
 * Masks of one {@link TransformerDecoderLayer} call, as PyTorch's
 * `nn.TransformerDecoderLayer.forward` takes them (T target, S memory length, N batch). A float32
 * mask is added to the attention scores (−Infinity blocks); an int32 one blocks where non-zero
 * (PyTorch's boolean masks, `true` = not allowed).
 */
export interface TransformerDecoderCallOptions {
  /** Self-attention mask `[T, T]` or `[N·nhead, T, T]` (e.g. {@link generateSquareSubsequentMask}). */
  tgtMask?: Tensor;
  /** Cross-attention mask `[T, S]` or `[N·nhead, T, S]`. */
  memoryMask?: Tensor;
  /** `[N, T]` int32, non-zero marks padded target positions (ignored as keys). */
  tgtKeyPaddingMask?: Tensor;
  /** `[N, S]` int32, non-zero marks padded memory positions (ignored as keys). */
  memoryKeyPaddingMask?: Tensor;
  /** Target position i attends to positions ≤ i only (the causal mask, without building it). */
  tgtIsCausal?: boolean;
  /** Query i attends to memory positions ≤ i only (rarely wanted; PyTorch's `memory_is_causal`). */
  memoryIsCausal?: boolean;
}

/**
 * The causal mask of length `size`, `[size, size]` float32: 0 on and below the diagonal,
 * −Infinity above — PyTorch's `nn.Transformer.generate_square_subsequent_mask`.
 */
export function generateSquareSubsequentMask(size: number): Tensor {
  const n = positiveInt('size', size, 'generateSquareSubsequentMask');
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = -Infinity;
  return tensor(m, [n, n]);
}

/**
 * One decoder layer (Vaswani et al. 2017), batch-first: target `[N, T, dModel]` and encoder
 * memory `[N, S, dModel]` → `[N, T, dModel]`, through three residuals — masked self-attention,
 * cross-attention over the memory, the FFN:
 *
 * - post-LN (default): `x = LN1(x + SA(x))`, `x = LN2(x + CA(x, m))`, `x = LN3(x + FFN(x))`;
 * - pre-LN (`normFirst`): `x = x + SA(LN1(x))`, `x = x + CA(LN2(x), m)`, `x = x + FFN(LN3(x))`.
 *
 * Names as PyTorch's `nn.TransformerDecoderLayer(batch_first=True)`: `self_attn.*`,
 * `multihead_attn.*`, `linear1`, `linear2`, `norm1`, `norm2`, `norm3`. The residuals are core
 * {@link Skip}s registered inline (`self_attn_skip`, `cross_attn_skip`, `ff_skip` in traces).
 */
export class TransformerDecoderLayer extends Module {
  declare self_attn_skip: AttentionSkip;
  declare cross_attn_skip: AttentionSkip;
  declare ff_skip: FeedForwardSkip;
  readonly dModel: number;
  readonly nhead: number;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const dropout = options.dropout ?? 0.1;
    const eps = options.layerNormEps ?? 1e-5;
    const normFirst = options.normFirst ?? false;
    this.dModel = positiveInt('dModel', dModel, 'TransformerDecoderLayer');
    this.nhead = positiveInt('nhead', nhead, 'TransformerDecoderLayer');
    this.registerModule('self_attn_skip', new AttentionSkip(dModel, nhead, dropout, eps, normFirst, { index: 1 }), { inline: true });
    this.registerModule('cross_attn_skip', new AttentionSkip(dModel, nhead, dropout, eps, normFirst, { cross: true, index: 2 }), { inline: true });
    const ff = new FeedForwardSkip(dModel, options.dimFeedforward ?? 2048, dropout, options.activation ?? 'relu', eps, normFirst, 3);
    this.registerModule('ff_skip', ff, { inline: true });
  }

  /** `tgt` `[N, T, dModel]`, `memory` `[N, S, dModel]` → `[N, T, dModel]`; masks as PyTorch's. */
  override forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderCallOptions = {}): Tensor {
    const owner = 'TransformerDecoderLayer';
    checkSequence(owner, 'tgt', tgt, this.dModel);
    const [n, t] = tgt.shape as [number, number, number];
    checkSequence(owner, `memory (batch ${n} as tgt)`, memory, this.dModel, n);
    const s = memory.shape[1]!;
    checkMaskShape(owner, 'tgtMask', options.tgtMask, [
      [t, t],
      [n * this.nhead, t, t],
    ]);
    checkMaskShape(owner, 'memoryMask', options.memoryMask, [
      [t, s],
      [n * this.nhead, t, s],
    ]);
    checkMaskShape(owner, 'tgtKeyPaddingMask', options.tgtKeyPaddingMask, [[n, t]]);
    checkMaskShape(owner, 'memoryKeyPaddingMask', options.memoryKeyPaddingMask, [[n, s]]);
    const selfMasks: AttentionCallOptions = {
      ...(options.tgtMask ? { attnMask: options.tgtMask } : {}),
      ...(options.tgtKeyPaddingMask ? { keyPaddingMask: options.tgtKeyPaddingMask } : {}),
      ...(options.tgtIsCausal ? { isCausal: true } : {}),
    };
    const crossMasks: AttentionCallOptions = {
      ...(options.memoryMask ? { attnMask: options.memoryMask } : {}),
      ...(options.memoryKeyPaddingMask ? { keyPaddingMask: options.memoryKeyPaddingMask } : {}),
      ...(options.memoryIsCausal ? { isCausal: true } : {}),
    };
    const x = this.self_attn_skip.call(tgt, null, selfMasks);
    return this.ff_skip.call(this.cross_attn_skip.call(x, null, crossMasks, memory));
  }
}

/** Options of {@link RowTransformer}. */
export interface RowTransformerOptions extends CommonOptions, TransformerEncoderLayerOptions {
  /** Square image side (default 28): each of its rows is one token. */
  imageSize?: number;
  /** Model width (default 64). */
  dModel?: number;
  /** Attention heads (default 4). */
  nhead?: number;
  /** Encoder layers (default 4). */
  numLayers?: number;
}

/**
 * A Transformer encoder classifier for images read row by row (sequential MNIST): each of the
 * H rows of `[N, C, H, W]` is a token of `C·W` values, embedded linearly, plus a learned
 * position; `numLayers` encoder layers; mean over tokens; a linear head. Pre-LN adds a final
 * LayerNorm `norm` (the stream is otherwise never normalised). Names: `embed`,
 * `pos_embedding`, `layers.0.self_attn.in_proj_weight`, …, `norm`, `head`.
 */
export class RowTransformer extends Model {
  declare pos_embedding: Tensor;
  declare embed: Linear;
  declare layers: ModuleList;
  declare norm: LayerNorm | null;
  declare head: Linear;
  readonly inputSpec: InputSpec;

  constructor(options: RowTransformerOptions = {}, name = 'transformer_encoder') {
    super(name);
    const c = positiveInt('inChannels', options.inChannels ?? 1, name);
    const size = positiveInt('imageSize', options.imageSize ?? 28, name);
    const d = positiveInt('dModel', options.dModel ?? 64, name);
    const heads = positiveInt('nhead', options.nhead ?? 4, name);
    const n = positiveInt('numLayers', options.numLayers ?? 4, name);
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, size: [size, size], example: [1, c, size, size] };
    this.pos_embedding = parameter(init.normal([1, size, d], 0.02));
    this.embed = new Linear(c * size, d);
    const layers: TransformerEncoderLayer[] = [];
    for (let i = 0; i < n; i++) {
      layers.push(new TransformerEncoderLayer(d, heads, { ...options, dimFeedforward: options.dimFeedforward ?? 4 * d }));
    }
    this.layers = new ModuleList(layers);
    this.norm = options.normFirst ? new LayerNorm(d, { eps: options.layerNormEps ?? 1e-5 }) : null;
    this.head = new Linear(d, positiveInt('numClasses', options.numClasses ?? 10, name));
    applySkip(
      layers.flatMap((l) => [l.attn_skip, l.ff_skip]),
      options.skip,
    );
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const [n, c, h, w] = x.shape as [number, number, number, number];
    // [N, C, H, W] → [N, H, C·W]: one token per row.
    const rows = reshape(contiguous(permute(x, [0, 2, 1, 3])), [n, h, c * w]);
    let y = add(this.embed.call(rows), this.pos_embedding);
    for (const layer of this.layers) y = (layer as TransformerEncoderLayer).call(y);
    if (this.norm) y = this.norm.call(y);
    return this.head.call(mean(y, 1));
  }
}
