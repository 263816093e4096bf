/**
 * Vision Transformer (Dosovitskiy et al. 2021) with torchvision's names, so torchvision's
 * `vit_b_16` weights load: `conv_proj` (patch embedding), `class_token`,
 * `encoder.pos_embedding`, `encoder.layers.encoder_layer_0.ln_1`,
 * `…self_attention.in_proj_weight`, `…ln_2`, `…mlp.0` / `…mlp.3`, `encoder.ln`, `heads.head`.
 *
 * Pre-LN encoder blocks ({@link encoderBlock}); both residuals are core `residual` skips registered inline.
 */
import {
  Conv2d,
  Dropout,
  GELU,
  LayerNorm,
  Linear,
  Module,
  MultiheadAttention,
  Sequential,
  add,
  concat,
  expand,
  full,
  init,
  narrow,
  parameter,
  permute,
  reshape,
  residual,
  setSkips,
  squeeze,
  type Shape,
  type Tensor,
} from '@skipnet/core';
import { positiveInt, type CommonOptions } from './common.js';
import { Model, type InputSpec } from './model.js';

/** torchvision ViTs use LayerNorm with ε = 1e-6. */
const EPS = 1e-6;

/** torchvision's `MLPBlock`: Linear, GELU, Dropout, Linear, Dropout (xavier-uniform weights, N(0, 1e-6) biases). */
function mlpBlock(hidden: number, mlpDim: number, dropout: number): Sequential {
  const linear = (i: number, o: number): Linear => {
    const l = new Linear(i, o, { init: (s: Shape) => init.xavierUniform(s) });
    l.bias?.dispose();
    l.bias = parameter(init.normal([o], 1e-6));
    return l;
  };
  return new Sequential(linear(hidden, mlpDim), new GELU(), new Dropout(dropout), linear(mlpDim, hidden), new Dropout(dropout));
}

/**
 * torchvision's `EncoderBlock`, as its `forward` reads — `x = x + dropout(self_attention(ln_1(x)))`,
 * then `x = x + mlp(ln_2(x))` — two residual skips registered inline (`attn_skip`,
 * `mlp_skip` only in traces). `[N, L, hidden]` → same.
 */
export function encoderBlock(heads: number, hidden: number, mlpDim: number, dropout: number, attentionDropout: number): Sequential {
  return Sequential.inline({
    attn_skip: residual({
      ln_1: new LayerNorm(hidden, { eps: EPS }),
      self_attention: new MultiheadAttention(hidden, heads, { batchFirst: true, dropout: attentionDropout }),
      dropout: new Dropout(dropout),
    }),
    mlp_skip: residual({ ln_2: new LayerNorm(hidden, { eps: EPS }), mlp: mlpBlock(hidden, mlpDim, dropout) }),
  });
}

/** torchvision's `Encoder`: learned positions, dropout, the blocks, a final LayerNorm. */
export class Encoder extends Module {
  declare pos_embedding: Tensor;
  declare dropout: Dropout;
  declare layers: Sequential;
  declare ln: LayerNorm;

  constructor(seqLength: number, numLayers: number, heads: number, hidden: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    this.pos_embedding = parameter(init.normal([1, seqLength, hidden], 0.02));
    this.dropout = new Dropout(dropout);
    const layers: Record<string, Sequential> = {};
    for (let i = 0; i < numLayers; i++) layers[`encoder_layer_${i}`] = encoderBlock(heads, hidden, mlpDim, dropout, attentionDropout);
    this.layers = new Sequential(layers);
    this.ln = new LayerNorm(hidden, { eps: EPS });
  }

  override forward(x: Tensor): Tensor {
    return this.ln.call(this.layers.call(this.dropout.call(add(x, this.pos_embedding))));
  }
}

/** Options of {@link VisionTransformer} (torchvision's arguments). */
export interface ViTOptions extends CommonOptions {
  /** Square input side (default 224). */
  imageSize?: number;
  /**
   * Patch side; must divide `imageSize`. Default 16, or — when 16 does not divide the image —
   * its largest divisor up to `imageSize/4` (at least 16 patches: 7 for 28×28 MNIST).
   */
  patchSize?: number;
  /** Encoder blocks (default 12). */
  numLayers?: number;
  /** Attention heads (default 12). */
  numHeads?: number;
  /** Width (default 768). */
  hiddenDim?: number;
  /** MLP width (default 3072). */
  mlpDim?: number;
  /** Dropout (default 0). */
  dropout?: number;
  /** Attention dropout (default 0). */
  attentionDropout?: number;
}

/** See {@link ViTOptions.patchSize}. */
function defaultPatch(imageSize: number): number {
  if (imageSize % 16 === 0) return 16;
  for (let p = Math.min(16, Math.floor(imageSize / 4)); p > 1; p--) if (imageSize % p === 0) return p;
  return 1;
}

/**
 * ViT. Input `[N, inChannels, imageSize, imageSize]` → `[N, numClasses]` (the class token's
 * final state through `heads.head`). Init as torchvision, except that the patch embedding is
 * drawn from a normal rather than a truncated normal of the same deviation.
 */
export class VisionTransformer extends Model {
  declare class_token: Tensor;
  declare conv_proj: Conv2d;
  declare encoder: Encoder;
  declare heads: Sequential;
  readonly inputSpec: InputSpec;
  readonly hiddenDim: number;
  readonly patchSize: number;

  constructor(options: ViTOptions = {}, name = 'vit') {
    super(name);
    const imageSize = positiveInt('imageSize', options.imageSize ?? 224, name);
    const patch = positiveInt('patchSize', options.patchSize ?? defaultPatch(imageSize), name);
    if (imageSize % patch !== 0) throw new Error(`${name}: imageSize ${imageSize} must be a multiple of patchSize ${patch}`);
    const c = positiveInt('inChannels', options.inChannels ?? 3, name);
    const hidden = positiveInt('hiddenDim', options.hiddenDim ?? 768, name);
    const numClasses = positiveInt('numClasses', options.numClasses ?? 1000, name);
    this.hiddenDim = hidden;
    this.patchSize = patch;
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, size: [imageSize, imageSize], example: [1, c, imageSize, imageSize] };
    this.class_token = parameter(full([1, 1, hidden], 0));
    const fanIn = c * patch * patch;
    this.conv_proj = new Conv2d(c, hidden, patch, { stride: patch, init: { normal: Math.sqrt(1 / fanIn) } });
    const seq = (imageSize / patch) ** 2 + 1;
    this.encoder = new Encoder(
      seq,
      positiveInt('numLayers', options.numLayers ?? 12, name),
      positiveInt('numHeads', options.numHeads ?? 12, name),
      hidden,
      positiveInt('mlpDim', options.mlpDim ?? 3072, name),
      options.dropout ?? 0,
      options.attentionDropout ?? 0,
    );
    // torchvision zero-initialises the head.
    this.heads = new Sequential({ head: new Linear(hidden, numClasses, { init: 'zeros' }) });
    if (options.skip === false) setSkips(this, false);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const n = x.shape[0]!;
    // [N, hidden, h, w] → [N, h·w, hidden]
    const p = this.conv_proj.call(x);
    const tokens = permute(reshape(p, [n, this.hiddenDim, -1]), [0, 2, 1]);
    const cls = expand(this.class_token, [n, 1, this.hiddenDim]);
    const y = this.encoder.call(concat([cls, tokens], 1));
    return this.heads.call(squeeze(narrow(y, 1, 0, 1), 1));
  }
}
