/**
 * A GPT decoder (Radford et al. 2019) with nanoGPT's module names, so nanoGPT checkpoints
 * load: `transformer.wte`, `transformer.wpe`, `transformer.h.0.ln_1`,
 * `transformer.h.0.attn.c_attn`, `transformer.h.0.attn.c_proj`, `transformer.h.0.ln_2`,
 * `transformer.h.0.mlp.c_fc`, `transformer.h.0.mlp.c_proj`, `transformer.ln_f`, `lm_head`.
 *
 * Pre-LN blocks with causal self-attention, written as nanoGPT writes them (see {@link gptBlock}):
 * both residuals of a block are core `residual` skips registered inline (`attn_skip`,
 * `mlp_skip` in traces).
 *
 * **Weight tying.** `lm_head.weight` IS `transformer.wte.weight` (one tensor, built once). As
 * in PyTorch, {@link Module.stateDict} lists it under both names, and
 * {@link Module.numParameters} counts it once (GPT-2 small: 124,439,808). {@link GPT.loadStateDict}
 * accepts a dict with both keys (nanoGPT's `state_dict()`) or with only one of them (files
 * written by `safetensors.torch.save_model`, which keeps one name per shared tensor), and
 * ignores nanoGPT's non-learned causal-mask buffers `*.attn.bias` / `*.attn.masked_bias`.
 */
import {
  Dropout,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  Sequential,
  add,
  arange,
  contiguous,
  permute,
  reshape,
  residual,
  scaledDotProductAttention,
  setSkips,
  split,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDict,
  type Tensor,
} from '@skipnet/core';
import { positiveInt } from './common.js';
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

/**
 * nanoGPT's `Block`, as its `forward` reads — `x = x + attn(ln_1(x))`, then
 * `x = x + mlp(ln_2(x))` — two residual skips registered inline: parameter names `ln_1.*`,
 * `attn.*`, `ln_2.*`, `mlp.*`; `attn_skip` and `mlp_skip` only in traces.
 */
export function gptBlock(nEmbd: number, nHead: number, dropout: number, bias: boolean, projStd: number): Sequential {
  return Sequential.inline({
    attn_skip: residual({ ln_1: new LayerNorm(nEmbd, { bias }), attn: new CausalSelfAttention(nEmbd, nHead, dropout, bias, projStd) }),
    mlp_skip: residual({ ln_2: new LayerNorm(nEmbd, { bias }), mlp: new MLP(nEmbd, dropout, bias, projStd) }),
  });
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
    t.h = new ModuleList(Array.from({ length: nLayer }, () => gptBlock(d, nHead, dropout, bias, projStd)));
    t.ln_f = new LayerNorm(d, { bias });
    this.transformer = t;
    // Tied: the head's "init" hands back the embedding itself, so the weight exists once.
    this.lm_head = new Linear(d, config.vocabSize, { bias: false, init: () => t.wte.weight });
    if (options.skip === false) setSkips(this, false);
  }

  override forward(idx: Tensor): Tensor {
    this.checkInput(idx);
    const t = idx.shape[1]!;
    const pos = arange(0, t, 1, { dtype: 'int32' });
    let x = this.transformer.drop.call(add(this.transformer.wte.call(idx), this.transformer.wpe.call(pos)));
    for (const block of this.transformer.h) x = block.call(x);
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
