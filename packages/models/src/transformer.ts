/**
 * The Transformer encoder block (Vaswani et al. 2017) in both placements of its LayerNorm:
 *
 * - post-LN, as in the original paper and BERT: `x = LN(x + Attn(x))`, `x = LN(x + FFN(x))`;
 * - pre-LN (GPT-2, ViT; Xiong et al. 2020): `x = x + Attn(LN(x))`, `x = x + FFN(LN(x))` —
 *   the residual stream is never normalised, which keeps gradients well scaled in deep stacks
 *   and lets them train without learning-rate warm-up.
 *
 * Parameter names are PyTorch's `nn.TransformerEncoderLayer` (`self_attn.in_proj_weight`,
 * `linear1`, `linear2`, `norm1`, `norm2`), so its `state_dict` loads. Each residual is a core
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

/** The attention residual: `x + drop(attn(LN(x)))` (pre-LN) or `LN(x + drop(attn(x)))` (post-LN). */
export class AttentionSkip extends Skip {
  declare self_attn: MultiheadAttention;
  declare norm1: LayerNorm;
  declare dropout1: Dropout;
  readonly normFirst: boolean;

  constructor(dModel: number, nhead: number, dropout: number, eps: number, normFirst: boolean) {
    super({ merge: 'add' });
    this.self_attn = new MultiheadAttention(dModel, nhead, { batchFirst: true, dropout });
    this.norm1 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(dropout);
    this.normFirst = normFirst;
    if (!normFirst) this.post = this.norm1;
  }

  /** `x` `[N, L, dModel]`; `masks` reach the attention (the layer passes them through `call`). */
  override forward(x: Tensor, shortcutInput?: Tensor | null, masks: AttentionCallOptions = {}): Tensor {
    return super.forward(x, shortcutInput, masks);
  }

  protected override branches(x: Tensor, _s: Tensor, masks: AttentionCallOptions = {}): Branches {
    const h = this.normFirst ? this.norm1.call(x) : x;
    return { main: this.dropout1.call(this.self_attn.call(h, h, h, masks)) };
  }
}

/** The feed-forward residual: `x + FFN(LN(x))` (pre-LN) or `LN(x + FFN(x))` (post-LN). */
export class FeedForwardSkip extends Skip {
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm2: LayerNorm;
  declare dropout2: Dropout;
  declare activation: Module;
  readonly normFirst: boolean;

  constructor(dModel: number, dimFeedforward: number, dropout: number, activation: 'relu' | 'gelu', eps: number, normFirst: boolean) {
    super({ merge: 'add' });
    this.linear1 = new Linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel);
    this.norm2 = new LayerNorm(dModel, { eps });
    this.dropout2 = new Dropout(dropout);
    this.activation = activation === 'gelu' ? new GELU() : new ReLU();
    this.normFirst = normFirst;
    if (!normFirst) this.post = this.norm2;
  }

  protected override branches(x: Tensor): Branches {
    const h = this.normFirst ? this.norm2.call(x) : x;
    return { main: seq(h, this.linear1, this.activation, this.dropout, this.linear2, this.dropout2) };
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

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const dropout = options.dropout ?? 0.1;
    const eps = options.layerNormEps ?? 1e-5;
    const normFirst = options.normFirst ?? false;
    this.dModel = dModel;
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
    return this.ff_skip.call(this.attn_skip.call(src, null, options));
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
