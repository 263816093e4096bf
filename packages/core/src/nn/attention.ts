/** Multi-head attention with PyTorch's packed parameter names. */
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, cast, contiguous, full, linear, narrow, permute, reshape, scaledDotProductAttention, split, transpose, where } from '../ops/index.js';
import { Module, parameter } from './module.js';
import { Linear } from './layers.js';
import { xavierUniform } from './init.js';

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Learn the in/out projection biases (default true). */
  bias?: boolean;
  /** Inputs are `[N, L, E]` (true) or PyTorch's default `[L, N, E]` (false). */
  batchFirst?: boolean;
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
}

/** Per-call options of {@link MultiheadAttention.forward}. */
export interface AttentionCallOptions {
  /**
   * `[L, S]` or `[N·heads, L, S]`: float32 is added to the scores (−Infinity blocks);
   * int32 blocks where non-zero (PyTorch's boolean mask, `true` = not allowed).
   */
  attnMask?: Tensor;
  /** `[N, S]` int32, non-zero marks padding keys to ignore. */
  keyPaddingMask?: Tensor;
  /** Mask future positions (query i sees keys j ≤ i). */
  isCausal?: boolean;
}

/**
 * Multi-head scaled dot-product attention, `softmax(QKᵀ/√d)V` per head, as PyTorch's
 * `nn.MultiheadAttention`: parameters `in_proj_weight` `[3E, E]` (xavier-uniform),
 * `in_proj_bias` `[3E]` (0) and `out_proj` (Linear E→E, bias 0), so its keys match PyTorch's.
 * Query `[L, N, E]` (`[N, L, E]` with `batchFirst`), key/value `[S, N, E]` → `[L, N, E]`.
 * Returns the output only (PyTorch's `need_weights=False`).
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  in_proj_weight: Tensor;
  in_proj_bias: Tensor | null;
  out_proj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    const bias = options.bias ?? true;
    this.in_proj_weight = parameter(xavierUniform([3 * embedDim, embedDim]));
    this.in_proj_bias = bias ? parameter(full([3 * embedDim], 0)) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias, biasInit: 0 });
  }

  /** Self-attention when `key`/`value` are omitted. */
  override forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: AttentionCallOptions = {}): Tensor {
    const e = this.embedDim;
    if (query.rank !== 3 || query.shape[2] !== e)
      throw new Error(`MultiheadAttention: query must be [${this.batchFirst ? 'N, L' : 'L, N'}, ${e}], got ${fmt(query.shape)}`);
    // Work batch-first: [N, L, E].
    const toBF = (t: Tensor): Tensor => (this.batchFirst ? t : transpose(t, 0, 1));
    const q0 = toBF(query);
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    if (query === key && key === value) {
      // One packed projection for self-attention.
      [q, k, v] = split(linear(q0, this.in_proj_weight, this.in_proj_bias), 3, -1) as [Tensor, Tensor, Tensor];
    } else {
      const w = (i: number): Tensor => narrow(this.in_proj_weight, 0, i * e, e);
      const b = (i: number): Tensor | null => (this.in_proj_bias ? narrow(this.in_proj_bias, 0, i * e, e) : null);
      q = linear(q0, w(0), b(0));
      k = linear(toBF(key), w(1), b(1));
      v = linear(toBF(value), w(2), b(2));
    }
    const n = q.shape[0]!;
    const l = q.shape[1]!;
    const s = k.shape[1]!;
    const heads = (t: Tensor, len: number): Tensor => permute(reshape(contiguous(t), [n, len, this.numHeads, this.headDim]), [0, 2, 1, 3]);
    let mask: Tensor | undefined;
    if (options.attnMask) {
      const m = options.attnMask;
      const additive = m.dtype === 'int32' ? where(m, -Infinity, 0) : m;
      mask = m.rank === 3 ? reshape(additive, [n, this.numHeads, l, s]) : additive;
    }
    if (options.keyPaddingMask) {
      const pad = reshape(where(cast(options.keyPaddingMask, 'int32'), -Infinity, 0), [n, 1, 1, s]);
      mask = mask ? add(mask, pad) : pad;
    }
    const attn = scaledDotProductAttention(heads(q, l), heads(k, s), heads(v, s), {
      ...(options.isCausal ? { causal: true } : {}),
      ...(mask ? { mask } : {}),
      ...(this.training && this.dropout > 0 ? { dropout: this.dropout } : {}),
    });
    const merged = reshape(contiguous(permute(attn, [0, 2, 1, 3])), [n, l, e]);
    // PyTorch applies out_proj functionally (hooks on out_proj do not fire); so do we.
    const out = linear(merged, this.out_proj.weight, this.out_proj.bias);
    return this.batchFirst ? out : transpose(out, 0, 1);
  }

  /** One node in traces (its out_proj is used functionally). @internal */
  override traceRole(): 'node' {
    return 'node';
  }

  override multiplyAdds(inputs: readonly Tensor[], output: Tensor): number {
    const e = this.embedDim;
    const q = inputs[0];
    const k = inputs[1] ?? q;
    if (!q || !k) return 0;
    const nl = q.size / e;
    const ns = k.size / e;
    const lenS = k.shape[this.batchFirst ? 1 : 0]!;
    // q, k, v and out projections, then scores and the weighted sum.
    return nl * e * e + 2 * ns * e * e + output.size * e + 2 * nl * lenS * e;
  }
}
