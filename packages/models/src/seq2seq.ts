/**
 * The encoder–decoder Transformer (Vaswani et al. 2017) with PyTorch's `nn.Transformer` names
 * and layout, so its `state_dict` loads with `strict: true`: `encoder.layers.N.*`,
 * `encoder.norm.*`, `decoder.layers.N.*` (`self_attn`, `multihead_attn`, `linear1`, `linear2`,
 * `norm1`–`norm3`), `decoder.norm.*`. Like `nn.Transformer` it maps already-embedded sequences
 * to features: token embeddings, positions and an output projection belong to the model that
 * uses it.
 *
 * Every residual (two per encoder layer, three per decoder layer) is a core `Skip`;
 * `setSkips(model, false)` makes the plain twin.
 */
import { LayerNorm, Module, ModuleList, init, setSkips, type AttentionCallOptions, type Tensor } from '@skipnet/core';
import { positiveInt } from './common.js';
import {
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  checkSequence,
  type TransformerDecoderCallOptions,
  type TransformerEncoderLayerOptions,
} from './transformer.js';

/** Options of {@link Transformer}: `nn.Transformer`'s keyword arguments (defaults: the base model). */
export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Model width (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Whether the residual skips are present (default true); false is the plain twin. */
  skip?: boolean;
}

/** Masks of one {@link TransformerEncoder} call, as `nn.TransformerEncoder.forward` takes them. */
export interface TransformerEncoderCallOptions {
  /** Self-attention mask `[S, S]` or `[N·nhead, S, S]` (float32 added, int32 blocks where non-zero). */
  mask?: Tensor;
  /** `[N, S]` int32, non-zero marks padded source positions. */
  srcKeyPaddingMask?: Tensor;
  /** Source position i attends to positions ≤ i only. */
  isCausal?: boolean;
}

/** Masks of one {@link Transformer} call: `nn.Transformer.forward`'s, by their PyTorch names. */
export interface TransformerCallOptions extends TransformerDecoderCallOptions {
  /** Encoder self-attention mask `[S, S]` or `[N·nhead, S, S]`. */
  srcMask?: Tensor;
  /** `[N, S]` int32, non-zero marks padded source positions (encoder keys). */
  srcKeyPaddingMask?: Tensor;
  /** Encoder position i attends to positions ≤ i only. */
  srcIsCausal?: boolean;
}

/** `nn.TransformerEncoder`: `layers.N` encoder layers, then the optional final `norm`. `[N, S, d]` → same. */
export class TransformerEncoder extends Module {
  declare layers: ModuleList;
  declare norm: LayerNorm | null;

  constructor(layers: readonly TransformerEncoderLayer[], norm: LayerNorm | null = null) {
    super();
    this.layers = new ModuleList([...layers]);
    this.norm = norm;
  }

  /** `src` `[N, S, dModel]`; masks are checked by each layer. */
  override forward(src: Tensor, options: TransformerEncoderCallOptions = {}): Tensor {
    const masks: AttentionCallOptions = {
      ...(options.mask ? { attnMask: options.mask } : {}),
      ...(options.srcKeyPaddingMask ? { keyPaddingMask: options.srcKeyPaddingMask } : {}),
      ...(options.isCausal ? { isCausal: true } : {}),
    };
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).call(x, masks);
    return this.norm ? this.norm.call(x) : x;
  }
}

/** `nn.TransformerDecoder`: `layers.N` decoder layers, then the optional final `norm`. `[N, T, d]` → same. */
export class TransformerDecoder extends Module {
  declare layers: ModuleList;
  declare norm: LayerNorm | null;

  constructor(layers: readonly TransformerDecoderLayer[], norm: LayerNorm | null = null) {
    super();
    this.layers = new ModuleList([...layers]);
    this.norm = norm;
  }

  /** `tgt` `[N, T, dModel]`, `memory` `[N, S, dModel]`; masks are checked by each layer. */
  override forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderCallOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).call(x, memory, options);
    return this.norm ? this.norm.call(x) : x;
  }
}

/**
 * `nn.Transformer(batch_first=True)`: an encoder of `numEncoderLayers` layers and a decoder of
 * `numDecoderLayers`, each stack ending in a LayerNorm (`encoder.norm`, `decoder.norm`, present
 * in post-LN too, as PyTorch builds it). `forward(src [N, S, d], tgt [N, T, d], masks)` →
 * `[N, T, d]`. Weights of rank ≥ 2 are xavier-uniform, as `nn.Transformer._reset_parameters`.
 * The base configuration (the defaults) has 44,140,544 parameters, PyTorch's count.
 *
 * ```ts
 * const model = new Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128 });
 * const out = model.call(src, tgt, { tgtMask: generateSquareSubsequentMask(tgt.shape[1]!), srcKeyPaddingMask });
 * ```
 */
export class Transformer extends Module {
  declare encoder: TransformerEncoder;
  declare decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;

  constructor(options: TransformerOptions = {}) {
    super();
    const where = 'Transformer';
    const d = positiveInt('dModel', options.dModel ?? 512, where);
    const nhead = positiveInt('nhead', options.nhead ?? 8, where);
    if (d % nhead !== 0) throw new Error(`${where}: dModel ${d} must be divisible by nhead ${nhead}`);
    const numEncoder = positiveInt('numEncoderLayers', options.numEncoderLayers ?? 6, where);
    const numDecoder = positiveInt('numDecoderLayers', options.numDecoderLayers ?? 6, where);
    positiveInt('dimFeedforward', options.dimFeedforward ?? 2048, where);
    this.dModel = d;
    this.nhead = nhead;
    const eps = options.layerNormEps ?? 1e-5;
    const encoderLayers = Array.from({ length: numEncoder }, () => new TransformerEncoderLayer(d, nhead, options));
    const decoderLayers = Array.from({ length: numDecoder }, () => new TransformerDecoderLayer(d, nhead, options));
    this.encoder = new TransformerEncoder(encoderLayers, new LayerNorm(d, { eps }));
    this.decoder = new TransformerDecoder(decoderLayers, new LayerNorm(d, { eps }));
    // nn.Transformer._reset_parameters: xavier-uniform for every parameter of rank > 1.
    // Parameters are replaced (not written in place) so a shape-only backend can build it too.
    for (const { module } of this.walk({ dedupe: true })) {
      for (const [name, p] of module.namedParameters({ recurse: false })) {
        if (p.rank < 2) continue;
        module.registerParameter(name, init.xavierUniform(p.shape));
        p.dispose();
      }
    }
    if (options.skip === false) setSkips(this, false);
  }

  /**
   * `src` `[N, S, dModel]` (encoder input), `tgt` `[N, T, dModel]` (decoder input) →
   * `[N, T, dModel]`, with `nn.Transformer.forward`'s masks. Shapes are checked before any
   * compute, naming the offending tensor's shape.
   */
  override forward(src: Tensor, tgt: Tensor, options: TransformerCallOptions = {}): Tensor {
    checkSequence('Transformer', 'src', src, this.dModel);
    checkSequence('Transformer', `tgt (batch ${src.shape[0]} as src)`, tgt, this.dModel, src.shape[0]);
    const memory = this.encode(src, options);
    return this.decode(tgt, memory, options);
  }

  /** The encoder alone: `src` `[N, S, dModel]` → memory `[N, S, dModel]` (for step-by-step decoding). */
  encode(src: Tensor, options: Pick<TransformerCallOptions, 'srcMask' | 'srcKeyPaddingMask' | 'srcIsCausal'> = {}): Tensor {
    checkSequence('Transformer', 'src', src, this.dModel);
    return this.encoder.call(src, {
      ...(options.srcMask ? { mask: options.srcMask } : {}),
      ...(options.srcKeyPaddingMask ? { srcKeyPaddingMask: options.srcKeyPaddingMask } : {}),
      ...(options.srcIsCausal ? { isCausal: true } : {}),
    });
  }

  /** The decoder alone: `tgt` `[N, T, dModel]` over `memory` `[N, S, dModel]` → `[N, T, dModel]`. */
  decode(tgt: Tensor, memory: Tensor, options: TransformerDecoderCallOptions = {}): Tensor {
    const { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal } = options;
    return this.decoder.call(tgt, memory, {
      ...(tgtMask ? { tgtMask } : {}),
      ...(memoryMask ? { memoryMask } : {}),
      ...(tgtKeyPaddingMask ? { tgtKeyPaddingMask } : {}),
      ...(memoryKeyPaddingMask ? { memoryKeyPaddingMask } : {}),
      ...(tgtIsCausal ? { tgtIsCausal } : {}),
      ...(memoryIsCausal ? { memoryIsCausal } : {}),
    });
  }
}
