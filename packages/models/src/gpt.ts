/**
 * A GPT decoder (Radford et al. 2019) with nanoGPT's module names, so nanoGPT checkpoints
 * load: `transformer.wte`, `transformer.wpe`, `transformer.h.0.ln_1`,
 * `transformer.h.0.attn.c_attn`, `transformer.h.0.attn.c_proj`, `transformer.h.0.ln_2`,
 * `transformer.h.0.mlp.c_fc`, `transformer.h.0.mlp.c_proj`, `transformer.ln_f`, `lm_head`.
 *
 * Pre-LN blocks with causal self-attention; both residuals of a block are core {@link Skip}s
 * registered inline (`attn_skip`, `mlp_skip` in traces).
 *
 * **Weight tying.** `lm_head.weight` IS `transformer.wte.weight` (one tensor, built once). As
 * in PyTorch, {@link Module.stateDict} lists it under both names, and
 * {@link Module.numParameters} counts it once (GPT-2 small: 124,439,808). {@link GPT.loadStateDict}
 * accepts a dict with both keys (nanoGPT's `state_dict()`) or with only one of them (files
 * written by `safetensors.torch.save_model`, which keeps one name per shared tensor), and
 * ignores nanoGPT's non-learned causal-mask buffers `*.attn.bias` / `*.attn.masked_bias`.
 */
import {
  Dropout, Embedding, GELU, LayerNorm, Linear, Module, ModuleList, Skip, add, arange, contiguous, permute, reshape,
  scaledDotProductAttention, split, type LoadStateDictOptions, type LoadStateDictResult, type StateDict, type Tensor,
} from '@skipnet/core';
import { applySkip, positiveInt } from './common.js';
import { Model, type InputSpec } from './model.js';

/** GPT configuration (nanoGPT's `GPTConfig`). */
export interface GPTOptions {
  /** Vocabulary size — the model's output classes (default 50257, GPT-2's). */
  vocabSize?: number;
  /** Longest context (default 1024). */
  blockSize?: number;
  /** Blocks (default 12). */
  nLayer?: number;
  /** Attention heads (default 12). */
  nHead?: number;
  /** Width (default 768). */
  nEmbd?: number;
  /** Dropout (default 0). */
  dropout?: number;
  /** Biases in Linear and LayerNorm layers (default true, as GPT-2). */
  bias?: boolean;
  /** Whether the residual skips are present (default true); false is the plain twin. */
  skip?: boolean;
}

/** Multi-head causal self-attention: packed `c_attn` (d → 3d) and output `c_proj`. `[B, T, d]` → `[B, T, d]`. */
export class CausalSelfAttention extends Module {
  declare c_attn: Linear;
  declare c_proj: Linear;
  declare attn_dropout: Dropout;
  declare resid_dropout: Dropout;
  readonly nHead: number;
  readonly dropout: number;

  constructor(nEmbd: number, nHead: number, dropout: number, bias: boolean, projStd: number) {
    super();
    if (nEmbd % nHead !== 0) throw new Error(`CausalSelfAttention: nEmbd ${nEmbd} must be divisible by nHead ${nHead}`);
    this.c_attn = new Linear(nEmbd, 3 * nEmbd, { bias, init: { normal: 0.02 } });
    this.c_proj = new Linear(nEmbd, nEmbd, { bias, init: { normal: projStd } });
    this.attn_dropout = new Dropout(dropout);
    this.resid_dropout = new Dropout(dropout);
    this.nHead = nHead;
    this.dropout = dropout;
  }

  override forward(x: Tensor): Tensor {
    const [b, t, c] = x.shape as [number, number, number];
    const hd = c / this.nHead;
    const heads = (u: Tensor): Tensor => permute(reshape(contiguous(u), [b, t, this.nHead, hd]), [0, 2, 1, 3]);
    const [q, k, v] = split(this.c_attn.call(x), 3, 2) as [Tensor, Tensor, Tensor];
    const y = scaledDotProductAttention(heads(q), heads(k), heads(v), {
      causal: true,
      ...(this.training && this.dropout > 0 ? { dropout: this.dropout } : {}),
    });
    return this.resid_dropout.call(this.c_proj.call(reshape(contiguous(permute(y, [0, 2, 1, 3])), [b, t, c])));
  }
}

/** The MLP: `c_fc` (d → 4d), GELU, `c_proj` (4d → d), dropout. */
export class MLP extends Module {
  declare c_fc: Linear;
  declare gelu: GELU;
  declare c_proj: Linear;
  declare dropout: Dropout;

  constructor(nEmbd: number, dropout: number, bias: boolean, projStd: number) {
    super();
    this.c_fc = new Linear(nEmbd, 4 * nEmbd, { bias, init: { normal: 0.02 } });
    // nanoGPT uses the exact GELU (nn.GELU()).
    this.gelu = new GELU();
    this.c_proj = new Linear(4 * nEmbd, nEmbd, { bias, init: { normal: projStd } });
    this.dropout = new Dropout(dropout);
  }

  override forward(x: Tensor): Tensor {
    return this.dropout.call(this.c_proj.call(this.gelu.call(this.c_fc.call(x))));
  }
}

/** `x + attn(ln_1(x))`. */
export class GPTAttentionSkip extends Skip {
  declare ln_1: LayerNorm;
  declare attn: CausalSelfAttention;

  constructor(ln1: LayerNorm, attn: CausalSelfAttention) {
    super({ merge: 'add' });
    this.ln_1 = ln1;
    this.attn = attn;
  }

  protected override forwardMain(x: Tensor): Tensor {
    return this.attn.call(this.ln_1.call(x));
  }
}

/** `x + mlp(ln_2(x))`. */
export class GPTMlpSkip extends Skip {
  declare ln_2: LayerNorm;
  declare mlp: MLP;

  constructor(ln2: LayerNorm, mlp: MLP) {
    super({ merge: 'add' });
    this.ln_2 = ln2;
    this.mlp = mlp;
  }

  protected override forwardMain(x: Tensor): Tensor {
    return this.mlp.call(this.ln_2.call(x));
  }
}

/** One pre-LN block; names `ln_1`, `attn.*`, `ln_2`, `mlp.*` (the skips are inline). */
export class Block extends Module {
  declare attn_skip: GPTAttentionSkip;
  declare mlp_skip: GPTMlpSkip;

  constructor(nEmbd: number, nHead: number, dropout: number, bias: boolean, projStd: number) {
    super();
    this.registerModule('attn_skip', new GPTAttentionSkip(new LayerNorm(nEmbd, { bias }), new CausalSelfAttention(nEmbd, nHead, dropout, bias, projStd)), { inline: true });
    this.registerModule('mlp_skip', new GPTMlpSkip(new LayerNorm(nEmbd, { bias }), new MLP(nEmbd, dropout, bias, projStd)), { inline: true });
  }

  override forward(x: Tensor): Tensor {
    return this.mlp_skip.call(this.attn_skip.call(x));
  }
}

/** nanoGPT's `transformer` ModuleDict, as a module with typed members. */
export class GPTTransformer extends Module {
  declare wte: Embedding;
  declare wpe: Embedding;
  declare drop: Dropout;
  declare h: ModuleList;
  declare ln_f: LayerNorm;
}

const TIED = ['transformer.wte.weight', 'lm_head.weight'] as const;

/**
 * GPT. Input `[B, T]` int32 token ids (T ≤ blockSize) → logits `[B, T, vocabSize]`.
 * Init as nanoGPT: N(0, 0.02) weights, zero biases, residual projections N(0, 0.02/√(2·nLayer)).
 */
export class GPT extends Model {
  declare transformer: GPTTransformer;
  declare lm_head: Linear;
  readonly inputSpec: InputSpec;
  readonly config: Required<Omit<GPTOptions, 'skip'>>;

  constructor(options: GPTOptions = {}, name = 'gpt') {
    super(name);
    const config = {
      vocabSize: positiveInt('vocabSize', options.vocabSize ?? 50257, name),
      blockSize: positiveInt('blockSize', options.blockSize ?? 1024, name),
      nLayer: positiveInt('nLayer', options.nLayer ?? 12, name),
      nHead: positiveInt('nHead', options.nHead ?? 12, name),
      nEmbd: positiveInt('nEmbd', options.nEmbd ?? 768, name),
      dropout: options.dropout ?? 0,
      bias: options.bias ?? true,
    };
    this.config = config;
    this.inputSpec = { kind: 'tokens', dtype: 'int32', maxLength: config.blockSize, example: [1, config.blockSize] };
    const { nEmbd: d, nLayer, nHead, dropout, bias } = config;
    const projStd = 0.02 / Math.sqrt(2 * nLayer);
    const t = new GPTTransformer();
    t.wte = new Embedding(config.vocabSize, d, { std: 0.02 });
    t.wpe = new Embedding(config.blockSize, d, { std: 0.02 });
    t.drop = new Dropout(dropout);
    const blocks: Block[] = [];
    for (let i = 0; i < nLayer; i++) blocks.push(new Block(d, nHead, dropout, bias, projStd));
    t.h = new ModuleList(blocks);
    t.ln_f = new LayerNorm(d, { bias });
    this.transformer = t;
    // Tied: the head's "init" hands back the embedding itself, so the weight exists once.
    this.lm_head = new Linear(d, config.vocabSize, { bias: false, init: () => t.wte.weight });
    applySkip(blocks.flatMap((b) => [b.attn_skip, b.mlp_skip]), options.skip);
  }

  override forward(idx: Tensor): Tensor {
    this.checkInput(idx);
    const t = idx.shape[1]!;
    const pos = arange(0, t, 1, { dtype: 'int32' });
    let x = this.transformer.drop.call(add(this.transformer.wte.call(idx), this.transformer.wpe.call(pos)));
    for (const block of this.transformer.h) x = (block as Block).call(x);
    return this.lm_head.call(this.transformer.ln_f.call(x));
  }

  /**
   * Loads a state dict (see the module docs for tying): a missing one of the two tied keys is
   * filled from the other; when both are given, `transformer.wte.weight` is used for both.
   * nanoGPT's causal-mask buffers are ignored.
   */
  override loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const source = new Map<string, Tensor>(dict instanceof Map ? (dict as ReadonlyMap<string, Tensor>) : Object.entries(dict as StateDict));
    for (const k of [...source.keys()]) if (/(^|\.)attn\.(masked_)?bias$/.test(k)) source.delete(k);
    const tied = source.get(TIED[0]) ?? source.get(TIED[1]);
    if (tied) for (const k of TIED) source.set(k, tied);
    return super.loadStateDict(source, options);
  }
}
