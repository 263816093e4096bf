/**
 * DETR (Carion et al. 2020, "End-to-End Object Detection with Transformers"), as
 * facebookresearch/detr builds it (`hubconf.detr_resnet50`): a ResNet whose last stage is
 * projected to `dModel` channels (`input_proj`), flattened to a sequence, encoded by a
 * Transformer encoder and read by a decoder from `numQueries` learned object queries
 * (`query_embed`); each decoder layer's output goes through the class head (`class_embed`,
 * numClasses + no-object) and the box MLP (`bbox_embed`, sigmoid `cx, cy, w, h` in [0, 1]).
 * The set loss and the matching are in `detr-loss.ts`.
 *
 * **Names** are detr's: `backbone.0.body.*` (the torchvision ResNet, without `avgpool`/`fc`;
 * {@link FrozenBatchNorm2d} buffers), `input_proj`, `query_embed`,
 * `transformer.encoder.layers.N.{self_attn,linear1,linear2,norm1,norm2}`,
 * `transformer.decoder.layers.N.{self_attn,multihead_attn,linear1,linear2,norm1,norm2,norm3}`,
 * `transformer.decoder.norm`, `class_embed`, `bbox_embed.layers.{0,1,2}` — so detr's
 * `state_dict` loads with `strict: true`.
 *
 * **Skips.** DETR adds the sine positions to the queries and keys of every attention (not to
 * the values, not once at the input), so its layers are not `nn.TransformerEncoderLayer`s; they
 * are written here from the same residual blocks ({@link DETRAttentionSkip} is the zoo's
 * {@link AttentionSkip} with positions; the FFN is the zoo's {@link FeedForwardSkip}), each a
 * core `Skip`: `skip: false` removes every Transformer residual (the backbone keeps its own;
 * pass `backbone: { skip: false }` for those).
 */
import {
  BatchNorm2d,
  Conv2d,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  Skip,
  add,
  concat,
  contiguous,
  init,
  mul,
  permute,
  relu,
  reshape,
  rsqrt,
  sigmoid,
  slice,
  sub,
  tensor,
  unsqueeze,
  zeros,
  ones,
  type AttentionCallOptions,
  type Branches,
  type Tensor,
} from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { Detector } from './detection.js';
import type { Detections, PostprocessOptions } from './detection-postprocess.js';
import { DETR_LOSS_WEIGHTS, setCriterion, weightedSetLoss, type SetCriterionOptions } from './detr-loss.js';
import type { InputSpec } from './model.js';
import { ResNet, type ResNetOptions } from './resnet.js';
import { AttentionSkip, FeedForwardSkip } from './transformer.js';

/**
 * BatchNorm2d with fixed statistics and affine parameters (detr's `FrozenBatchNorm2d`):
 * `y = x · w/√(running_var + ε) + (b − running_mean · w/√(running_var + ε))`. All four are
 * buffers (saved, never trained); there is no `num_batches_tracked`. Used where a pretrained
 * backbone trains with batches too small for batch statistics.
 */
export class FrozenBatchNorm2d extends Module {
  declare weight: Tensor;
  declare bias: Tensor;
  declare running_mean: Tensor;
  declare running_var: Tensor;
  readonly numFeatures: number;
  readonly eps: number;

  constructor(numFeatures: number, eps = 1e-5) {
    super();
    this.numFeatures = positiveInt('numFeatures', numFeatures, 'FrozenBatchNorm2d');
    this.eps = eps;
    this.registerBuffer('weight', ones([numFeatures]));
    this.registerBuffer('bias', zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
  }

  /** `[N, C, H, W]` → same. */
  override forward(x: Tensor): Tensor {
    const c = [1, this.numFeatures, 1, 1];
    const scale = mul(this.weight, rsqrt(add(this.running_var, this.eps)));
    const shift = sub(this.bias, mul(this.running_mean, scale));
    return add(mul(x, reshape(scale, c)), reshape(shift, c));
  }
}

/**
 * Replaces every {@link BatchNorm2d} below `module` by a {@link FrozenBatchNorm2d} of the same
 * width (detr builds its ResNet with `norm_layer=FrozenBatchNorm2d`); returns `module`.
 */
export function freezeBatchNorm<M extends Module>(module: M): M {
  for (const { module: parent } of module.walk()) {
    for (const [name, child] of parent.namedChildren()) {
      // Only children registered on `parent` itself (an inline child's own are visited with it).
      if (child instanceof BatchNorm2d && Reflect.get(parent, name) === child) {
        parent.registerModule(name, new FrozenBatchNorm2d(child.numFeatures, child.eps));
        child.dispose();
      }
    }
  }
  return module;
}

/**
 * detr's `PositionEmbeddingSine(numPosFeats, temperature 10000, normalize=True)` for an
 * unpadded `h × w` map: `[h·w, 2·numPosFeats]` row-major positions, the `y` features then the
 * `x` features, each `sin`/`cos` interleaved of `(i + 1)/(size + 1e-6) · 2π / 10000^(2⌊c/2⌋/F)`.
 */
export function positionEmbeddingSine(h: number, w: number, numPosFeats: number, temperature = 10000): Float32Array {
  const f = numPosFeats;
  const out = new Float32Array(h * w * 2 * f);
  const scale = 2 * Math.PI;
  const dim = Float64Array.from({ length: f }, (_, c) => temperature ** ((2 * Math.floor(c / 2)) / f));
  for (let i = 0; i < h; i++) {
    const y = ((i + 1) / (h + 1e-6)) * scale;
    for (let j = 0; j < w; j++) {
      const x = ((j + 1) / (w + 1e-6)) * scale;
      const o = (i * w + j) * 2 * f;
      for (let c = 0; c < f; c++) {
        out[o + c] = c % 2 === 0 ? Math.sin(y / dim[c]!) : Math.cos(y / dim[c]!);
        out[o + f + c] = c % 2 === 0 ? Math.sin(x / dim[c]!) : Math.cos(x / dim[c]!);
      }
    }
  }
  return out;
}

/**
 * `backbone.1`: the sine positions of a feature map (no parameters). Positions depend only on
 * the map's size, so they are computed on the host once per size and cached.
 */
export class PositionEmbeddingSine extends Module {
  readonly numPosFeats: number;
  readonly #cache = new Map<string, Float32Array>();

  constructor(numPosFeats: number) {
    super();
    this.numPosFeats = positiveInt('numPosFeats', numPosFeats, 'PositionEmbeddingSine');
  }

  /** `[N, C, h, w]` features → `[1, h·w, 2·numPosFeats]` positions (batch-first, broadcast over N). */
  override forward(features: Tensor): Tensor {
    const [, , h, w] = features.shape as [number, number, number, number];
    const key = `${h}x${w}`;
    let pos = this.#cache.get(key);
    if (!pos) this.#cache.set(key, (pos = positionEmbeddingSine(h, w, this.numPosFeats)));
    return tensor(pos, [1, h * w, 2 * this.numPosFeats]);
  }
}

/** detr's `Backbone`: `body`, the ResNet (its last stage is the output). */
export class DETRBackbone extends Module {
  declare body: ResNet;

  constructor(body: ResNet) {
    super();
    this.body = body;
  }

  /** `[N, C, H, W]` → the last stage's `[N, C5, ⌈H/32⌉, ⌈W/32⌉]`. */
  override forward(x: Tensor): Tensor {
    return this.body.forwardStages(x).at(-1)!;
  }
}

/** detr's `Joiner`: `0` the backbone, `1` the position embedding. */
export class Joiner extends Module {
  constructor(backbone: DETRBackbone, position: PositionEmbeddingSine) {
    super();
    this.registerModule('0', backbone);
    this.registerModule('1', position);
  }

  /** The backbone (`backbone.0`). */
  get backbone(): DETRBackbone {
    return Reflect.get(this, '0') as DETRBackbone;
  }

  /** The position embedding (`backbone.1`). */
  get position(): PositionEmbeddingSine {
    return Reflect.get(this, '1') as PositionEmbeddingSine;
  }

  /** Images → the last feature map and its positions `[1, h·w, dModel]`. */
  features(x: Tensor): { features: Tensor; pos: Tensor } {
    const features = this.backbone.call(x);
    return { features, pos: this.position.call(features) };
  }

  override forward(x: Tensor): Tensor {
    return this.backbone.call(x);
  }
}

/**
 * An attention residual as DETR writes it: positions are added to the queries and keys, not to
 * the values. Self-attention: `q = k = h + pos`, `v = h`; cross-attention: `q = h + queryPos`,
 * `k = memory + memoryPos`, `v = memory` — with `h = x` (post-LN) or `LN(x)` (pre-LN).
 * Names as {@link AttentionSkip}'s.
 */
export class DETRAttentionSkip extends AttentionSkip {
  /** `pos` is added to the queries (and to the keys of self-attention); `memoryPos` to the memory keys. */
  override forward(x: Tensor, shortcutInput?: Tensor | null, masks: AttentionCallOptions = {}, memory?: Tensor, pos?: Tensor, memoryPos?: Tensor): Tensor {
    // Skip's forward passes every further argument to branches(); AttentionSkip's takes four.
    return Skip.prototype.forward.call(this, x, shortcutInput, masks, memory, pos, memoryPos);
  }

  protected override branches(x: Tensor, _s: Tensor, masks: AttentionCallOptions = {}, memory?: Tensor, pos?: Tensor, memoryPos?: Tensor): Branches {
    if (this.cross && !memory) throw new Error('DETRAttentionSkip: cross-attention needs the memory [N, S, dModel]');
    const h = this.normFirst ? this.norm.call(x) : x;
    const q = pos ? add(h, pos) : h;
    if (!this.cross) return { main: this.residualDropout.call(this.attention.call(q, q, h, masks)) };
    const k = memoryPos ? add(memory!, memoryPos) : memory!;
    return { main: this.residualDropout.call(this.attention.call(q, k, memory!, masks)) };
  }
}

/** Options of DETR's Transformer layers. */
export interface DETRLayerOptions {
  /** FFN width (default 2048). */
  dimFeedforward?: number;
  /** Dropout (default 0.1). */
  dropout?: number;
  /** Pre-LN (detr's `normalize_before`; default false: post-LN, as the paper). */
  normalizeBefore?: boolean;
}

/** detr's `TransformerEncoderLayer`: positions on q/k, then the FFN; names as `nn.TransformerEncoderLayer`'s. */
export class DETREncoderLayer extends Module {
  declare attn_skip: DETRAttentionSkip;
  declare ff_skip: FeedForwardSkip;

  constructor(dModel: number, nhead: number, options: DETRLayerOptions = {}) {
    super();
    const dropout = options.dropout ?? 0.1;
    const pre = options.normalizeBefore ?? false;
    this.registerModule('attn_skip', new DETRAttentionSkip(dModel, nhead, dropout, 1e-5, pre), { inline: true });
    this.registerModule('ff_skip', new FeedForwardSkip(dModel, options.dimFeedforward ?? 2048, dropout, 'relu', 1e-5, pre), { inline: true });
  }

  /** `src` `[N, S, d]`, `pos` `[1 or N, S, d]` → `[N, S, d]`. */
  override forward(src: Tensor, pos: Tensor, masks: AttentionCallOptions = {}): Tensor {
    return this.ff_skip.call(this.attn_skip.call(src, null, masks, undefined, pos));
  }
}

/** detr's `TransformerDecoderLayer`: self-attention (query positions), cross-attention (memory positions), FFN. */
export class DETRDecoderLayer extends Module {
  declare self_attn_skip: DETRAttentionSkip;
  declare cross_attn_skip: DETRAttentionSkip;
  declare ff_skip: FeedForwardSkip;

  constructor(dModel: number, nhead: number, options: DETRLayerOptions = {}) {
    super();
    const dropout = options.dropout ?? 0.1;
    const pre = options.normalizeBefore ?? false;
    this.registerModule('self_attn_skip', new DETRAttentionSkip(dModel, nhead, dropout, 1e-5, pre, { index: 1 }), { inline: true });
    this.registerModule('cross_attn_skip', new DETRAttentionSkip(dModel, nhead, dropout, 1e-5, pre, { cross: true, index: 2 }), { inline: true });
    this.registerModule('ff_skip', new FeedForwardSkip(dModel, options.dimFeedforward ?? 2048, dropout, 'relu', 1e-5, pre, 3), { inline: true });
  }

  /** `tgt` `[N, Q, d]`, `memory` `[N, S, d]`, `pos` (memory) and `queryPos` → `[N, Q, d]`. */
  override forward(tgt: Tensor, memory: Tensor, pos: Tensor, queryPos: Tensor, masks: AttentionCallOptions = {}): Tensor {
    const x = this.self_attn_skip.call(tgt, null, {}, undefined, queryPos);
    return this.ff_skip.call(this.cross_attn_skip.call(x, null, masks, memory, queryPos, pos));
  }
}

/** detr's `TransformerEncoder`: `layers.N`, and `norm` only when pre-LN (post-LN has none). */
export class DETREncoder extends Module {
  declare layers: ModuleList;
  declare norm: LayerNorm | null;

  constructor(layers: readonly DETREncoderLayer[], norm: LayerNorm | null) {
    super();
    this.layers = new ModuleList([...layers]);
    this.norm = norm;
  }

  override forward(src: Tensor, pos: Tensor): Tensor {
    let x = src;
    for (const layer of this.layers) x = (layer as DETREncoderLayer).call(x, pos);
    return this.norm ? this.norm.call(x) : x;
  }
}

/** detr's `TransformerDecoder` (`return_intermediate=True`): `layers.N`, `norm` applied to every layer's output. */
export class DETRDecoder extends Module {
  declare layers: ModuleList;
  declare norm: LayerNorm;

  constructor(layers: readonly DETRDecoderLayer[], norm: LayerNorm) {
    super();
    this.layers = new ModuleList([...layers]);
    this.norm = norm;
  }

  /** Every layer's normalised output, `[N, L, Q, d]`. */
  override forward(tgt: Tensor, memory: Tensor, pos: Tensor, queryPos: Tensor): Tensor {
    let x = tgt;
    const outs: Tensor[] = [];
    for (const layer of this.layers) {
      x = (layer as DETRDecoderLayer).call(x, memory, pos, queryPos);
      outs.push(unsqueeze(this.norm.call(x), 1));
    }
    return concat(outs, 1);
  }
}

/** detr's `Transformer`: `encoder`, `decoder`; weights of rank ≥ 2 xavier-uniform. */
export class DETRTransformer extends Module {
  declare encoder: DETREncoder;
  declare decoder: DETRDecoder;
  readonly dModel: number;

  constructor(dModel: number, nhead: number, numEncoderLayers: number, numDecoderLayers: number, options: DETRLayerOptions = {}) {
    super();
    this.dModel = dModel;
    const pre = options.normalizeBefore ?? false;
    this.encoder = new DETREncoder(
      Array.from({ length: numEncoderLayers }, () => new DETREncoderLayer(dModel, nhead, options)),
      pre ? new LayerNorm(dModel) : null,
    );
    this.decoder = new DETRDecoder(
      Array.from({ length: numDecoderLayers }, () => new DETRDecoderLayer(dModel, nhead, options)),
      new LayerNorm(dModel),
    );
    // detr's Transformer._reset_parameters; replaced, not written in place (shape-only backends).
    for (const { module } of this.walk({ dedupe: true })) {
      for (const [name, p] of module.namedParameters({ recurse: false })) {
        if (p.rank < 2) continue;
        module.registerParameter(name, init.xavierUniform(p.shape));
        p.dispose();
      }
    }
  }

  /**
   * `src` `[N, S, d]` (flattened features), `pos` `[1 or N, S, d]`, `queryEmbed` `[Q, d]` →
   * every decoder layer's output `[N, L, Q, d]`. The decoder starts from zeros (the queries
   * enter only as positions).
   */
  override forward(src: Tensor, pos: Tensor, queryEmbed: Tensor): Tensor {
    const [n] = src.shape as [number, number, number];
    const [q, d] = queryEmbed.shape as [number, number];
    const memory = this.encoder.call(src, pos);
    return this.decoder.call(zeros([n, q, d]), memory, pos, reshape(queryEmbed, [1, q, d]));
  }
}

/** detr's `MLP`: `layers.0 … layers.{numLayers−1}` Linear, ReLU between. */
export class DETRMLP extends Module {
  declare layers: ModuleList;

  constructor(inputDim: number, hiddenDim: number, outputDim: number, numLayers: number) {
    super();
    const dims = [inputDim, ...Array.from({ length: numLayers - 1 }, () => hiddenDim), outputDim];
    this.layers = new ModuleList(dims.slice(0, -1).map((d, i) => new Linear(d, dims[i + 1]!)));
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    const n = this.layers.length;
    [...this.layers].forEach((layer, i) => (y = i < n - 1 ? relu(layer.call(y)) : layer.call(y)));
    return y;
  }
}

/** Options of {@link DETR}. */
export interface DETROptions extends CommonOptions {
  /** The ResNet (default ResNet-50: `{ block: 'bottleneck', layers: [3, 4, 6, 3] }`). */
  backbone?: ResNetOptions;
  /** Frozen batch norm in the backbone (default true, detr's: it fine-tunes an ImageNet ResNet). */
  frozenBatchNorm?: boolean;
  /** Freeze `conv1` and `layer1` (default true, as detr trains; false when training from scratch). */
  freezeStem?: boolean;
  /** Transformer width (default 256). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** FFN width (default 2048). */
  dimFeedforward?: number;
  /** Dropout in the Transformer (default 0.1). */
  dropout?: number;
  /** Pre-LN layers (default false: post-LN, as the paper). */
  normalizeBefore?: boolean;
  /** Object queries: the most objects one image can have (default 100). */
  numQueries?: number;
  /** Weight of the no-object class in the classification loss (default 0.1). */
  eosCoef?: number;
  /** Train every decoder layer's output too (default true: the paper's auxiliary losses). */
  auxLoss?: boolean;
}

/**
 * DETR (`detr_resnet50` by default: ResNet-50 with frozen batch norm, 256 wide, 8 heads, 6 + 6
 * post-LN layers, FFN 2048, 100 queries, 91 classes + no-object: 41,524,768 parameters, of which
 * 41,302,368 train — conv1 and layer1 frozen). Input `[N, C, H, W]` (any size); `forward`
 * returns every decoder layer's outputs packed as `[N, L, Q, numClasses + 1 + 4]`: the class
 * logits (last column: no-object) and the sigmoid boxes `cx, cy, w, h` relative to the image;
 * {@link DETR.outputs} unpacks them into detr's dict. Detections come from
 * {@link DETR.postprocess} (detr's `PostProcess`: no NMS), the training loss from
 * {@link DETR.loss} (the Hungarian-matched set loss with auxiliary losses).
 */
export class DETR extends Detector {
  declare backbone: Joiner;
  declare input_proj: Conv2d;
  declare query_embed: Embedding;
  declare transformer: DETRTransformer;
  declare class_embed: Linear;
  declare bbox_embed: DETRMLP;
  readonly inputSpec: InputSpec;
  readonly numClasses: number;
  readonly numQueries: number;
  readonly dModel: number;
  readonly eosCoef: number;
  readonly auxLoss: boolean;
  /** detr's `PostProcess` keeps every query: no threshold, no NMS, `numQueries` per image. */
  readonly postprocessDefaults: Readonly<Required<PostprocessOptions>>;

  constructor(options: DETROptions = {}, name = 'detr') {
    super(name);
    const c = positiveInt('inChannels', options.inChannels ?? 3, name);
    this.numClasses = positiveInt('numClasses', options.numClasses ?? 91, name);
    const d = positiveInt('dModel', options.dModel ?? 256, name);
    const nhead = positiveInt('nhead', options.nhead ?? 8, name);
    if (d % nhead !== 0 || d % 2 !== 0) throw new Error(`${name}: dModel ${d} must be even and divisible by nhead ${nhead}`);
    this.dModel = d;
    this.numQueries = positiveInt('numQueries', options.numQueries ?? 100, name);
    this.eosCoef = options.eosCoef ?? 0.1;
    this.auxLoss = options.auxLoss ?? true;
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, minSize: 1, example: [1, c, 512, 512] };
    this.postprocessDefaults = { scoreThreshold: 0, nmsThreshold: 1, topkCandidates: this.numQueries, detectionsPerImage: this.numQueries };

    const body = new ResNet({ block: 'bottleneck', layers: [3, 4, 6, 3], ...options.backbone, inChannels: c, classifier: false }, `${name}.backbone.0.body`);
    if (options.frozenBatchNorm ?? true) freezeBatchNorm(body);
    if (options.freezeStem ?? true) {
      for (const [pname, p] of body.namedParameters()) if (!/^layer[2-9]/.test(pname)) p.requiresGrad = false;
    }
    this.backbone = new Joiner(new DETRBackbone(body), new PositionEmbeddingSine(d / 2));
    this.input_proj = new Conv2d(body.stageChannels.at(-1)!, d, 1);
    this.query_embed = new Embedding(this.numQueries, d);
    const layerOptions: DETRLayerOptions = {
      dimFeedforward: positiveInt('dimFeedforward', options.dimFeedforward ?? 2048, name),
      dropout: options.dropout ?? 0.1,
      normalizeBefore: options.normalizeBefore ?? false,
    };
    this.transformer = new DETRTransformer(
      d,
      nhead,
      positiveInt('numEncoderLayers', options.numEncoderLayers ?? 6, name),
      positiveInt('numDecoderLayers', options.numDecoderLayers ?? 6, name),
      layerOptions,
    );
    this.class_embed = new Linear(d, this.numClasses + 1);
    this.bbox_embed = new DETRMLP(d, d, 4, 3);
    const skips = [...this.transformer.encoder.layers, ...this.transformer.decoder.layers].flatMap((l) =>
      l instanceof DETREncoderLayer
        ? [l.attn_skip, l.ff_skip]
        : [(l as DETRDecoderLayer).self_attn_skip, (l as DETRDecoderLayer).cross_attn_skip, (l as DETRDecoderLayer).ff_skip],
    );
    applySkip(skips, options.skip);
  }

  /** Decoder layers `L` (the packed output's second axis). */
  get numDecoderLayers(): number {
    return this.transformer.decoder.layers.length;
  }

  /** Every decoder layer's hidden states `[N, L, Q, dModel]` for a `[N, C, H, W]` batch. */
  hiddenStates(x: Tensor): Tensor {
    this.checkInput(x);
    const { features, pos } = this.backbone.features(x);
    const src = this.input_proj.call(features);
    const [n, d, h, w] = src.shape as [number, number, number, number];
    const seq = reshape(contiguous(permute(src, [0, 2, 3, 1])), [n, h * w, d]);
    return this.transformer.call(seq, pos, this.query_embed.weight);
  }

  /** `[N, L, Q, numClasses + 5]`: per decoder layer, class logits then sigmoid `cx, cy, w, h`. */
  override forward(x: Tensor): Tensor {
    const hs = this.hiddenStates(x);
    return concat([this.class_embed.call(hs), sigmoid(this.bbox_embed.call(hs))], -1);
  }

  /** Throws unless `packed` is this model's output; returns `[N, L, Q, C]`. */
  private checkPacked(op: string, packed: Tensor): [number, number, number, number] {
    const k = this.numClasses + 5;
    if (packed.rank !== 4 || packed.shape[1] !== this.numDecoderLayers || packed.shape[2] !== this.numQueries || packed.shape[3] !== k) {
      throw new Error(
        `${this.modelName}.${op}: expected the output of forward, [N, ${this.numDecoderLayers}, ${this.numQueries}, ${k}]; got [${packed.shape.join(', ')}]`,
      );
    }
    return packed.shape as [number, number, number, number];
  }

  /**
   * detr's output dict from the packed output (views): `pred_logits` `[N, Q, numClasses + 1]`
   * and `pred_boxes` `[N, Q, 4]` of the last layer, `aux_outputs` of the others; `logits` and
   * `boxes` are all layers', `[N, L, Q, ·]`.
   */
  outputs(packed: Tensor): {
    pred_logits: Tensor;
    pred_boxes: Tensor;
    aux_outputs: { pred_logits: Tensor; pred_boxes: Tensor }[];
    logits: Tensor;
    boxes: Tensor;
  } {
    const [n, l, q] = this.checkPacked('outputs', packed);
    const k = this.numClasses + 1;
    const logits = slice(packed, [0, 0, 0, 0], [n, l, q, k]);
    const boxes = slice(packed, [0, 0, 0, k], [n, l, q, 4]);
    const layer = (t: Tensor, i: number, c: number): Tensor => reshape(slice(t, [0, i, 0, 0], [n, 1, q, c]), [n, q, c]);
    return {
      pred_logits: layer(logits, l - 1, k),
      pred_boxes: layer(boxes, l - 1, 4),
      aux_outputs: Array.from({ length: l - 1 }, (_, i) => ({ pred_logits: layer(logits, i, k), pred_boxes: layer(boxes, i, 4) })),
      logits,
      boxes,
    };
  }

  /** The criterion options of this model (classes, `eosCoef`, detr's matching costs 1/5/2). */
  get criterion(): SetCriterionOptions {
    return { numClasses: this.numClasses, eosCoef: this.eosCoef, costClass: 1, costBbox: 5, costGiou: 2 };
  }

  /**
   * detr's `SetCriterion` losses (`loss_ce`, `loss_bbox`, `loss_giou`, and `loss_ce_0`, … for
   * the auxiliary layers unless `auxLoss` is off), unweighted. Pixel targets are normalised to
   * the image (`cx, cy, w, h` / `[W, H, W, H]`) on the host; the matching reads the costs back
   * synchronously (`dataSync`: backends with synchronous readback, cpu and wasm).
   *
   * @param packed - the output of `forward`.
   * @param targets - `[N, Kmax, 5]` rows `[x1, y1, x2, y2, label]` in pixels, padding -1.
   * @param imageSize - `[height, width]` of the batch.
   */
  lossComponents(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Record<string, Tensor> {
    const [n, l, q] = this.checkPacked('lossComponents', packed);
    const { logits, boxes } = this.outputs(packed);
    const normalised = pixelTargetsToDETR(targets, imageSize, n, `${this.modelName}.lossComponents`);
    const from = this.auxLoss ? 0 : l - 1;
    const pick = (t: Tensor, c: number): Tensor => slice(t, [0, from, 0, 0], [n, l - from, q, c]);
    const { losses } = setCriterion(pick(logits, this.numClasses + 1), pick(boxes, 4), normalised, this.criterion);
    normalised.dispose();
    return losses;
  }

  /** The total training loss: {@link DETR.lossComponents} weighted by detr's `weight_dict` (CE 1, L1 5, GIoU 2). */
  override loss(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Tensor {
    return weightedSetLoss(this.lossComponents(packed, targets, imageSize), DETR_LOSS_WEIGHTS);
  }

  /**
   * detr's `PostProcess` on the last decoder layer: per query, the most probable object class
   * (softmax over the classes and no-object, no-object excluded) and its probability as the
   * score, the box scaled to pixels `x1, y1, x2, y2`. Scores strictly above `scoreThreshold`,
   * best first, at most `detectionsPerImage` (no NMS: the set loss already discourages
   * duplicates). Reads `packed` back once.
   */
  override async postprocess(packed: Tensor, imageSize: readonly [number, number], options: PostprocessOptions = {}): Promise<Detections[]> {
    const [n, l, q, k] = this.checkPacked('postprocess', packed);
    const threshold = options.scoreThreshold ?? this.postprocessDefaults.scoreThreshold;
    const perImage = options.detectionsPerImage ?? this.postprocessDefaults.detectionsPerImage;
    const values = await packed.data();
    const [h, w] = imageSize;
    const c = this.numClasses + 1;
    const out: Detections[] = [];
    for (let b = 0; b < n; b++) {
      const found: { score: number; label: number; box: [number, number, number, number] }[] = [];
      for (let i = 0; i < q; i++) {
        const o = ((b * l + (l - 1)) * q + i) * k;
        let top = -Infinity;
        for (let j = 0; j < c; j++) top = Math.max(top, values[o + j]!);
        let total = 0;
        let best = 0;
        let label = 0;
        for (let j = 0; j < c; j++) {
          const e = Math.exp(values[o + j]! - top);
          total += e;
          if (j < c - 1 && e > best) [best, label] = [e, j];
        }
        const score = best / total;
        if (!(score > threshold)) continue;
        const [cx, cy, bw, bh] = [values[o + c]!, values[o + c + 1]!, values[o + c + 2]!, values[o + c + 3]!];
        found.push({ score, label, box: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h] });
      }
      found.sort((a, b2) => b2.score - a.score);
      const kept = found.slice(0, perImage);
      out.push({
        boxes: Float32Array.from(kept.flatMap((f) => f.box)),
        scores: Float32Array.from(kept, (f) => f.score),
        labels: Int32Array.from(kept, (f) => f.label),
      });
    }
    return out;
  }
}

/**
 * `@skipnet/data`'s pixel targets `[N, Kmax, 5]` (`x1, y1, x2, y2, label`, padding -1) →
 * DETR's `[N, Kmax, 5]` (`cx, cy, w, h` relative to the image, label; padding -1), on the host.
 */
export function pixelTargetsToDETR(targets: Tensor, imageSize: readonly [number, number], batch: number, op = 'pixelTargetsToDETR'): Tensor {
  if (targets.rank !== 3 || targets.shape[0] !== batch || targets.shape[2] !== 5 || targets.dtype !== 'float32') {
    throw new Error(
      `${op}: targets must be float32 [N, Kmax, 5] rows [x1, y1, x2, y2, label] in pixels with N = ${batch}; got ${targets.dtype} [${targets.shape.join(', ')}]`,
    );
  }
  const [h, w] = imageSize;
  const v = targets.dataSync();
  const out = new Float32Array(v.length).fill(-1);
  for (let r = 0; r < v.length / 5; r++) {
    const o = r * 5;
    if (v[o + 4]! < 0) continue;
    const [x1, y1, x2, y2] = [v[o]!, v[o + 1]!, v[o + 2]!, v[o + 3]!];
    out.set([(x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h, v[o + 4]!], o);
  }
  return tensor(out, [...targets.shape]);
}
