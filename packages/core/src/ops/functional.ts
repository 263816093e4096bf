/** Normalisation, softmax, dropout, embedding, attention and losses. */
import { opScope, type BackendEntry } from '../engine.js';
import { withGrad } from '../engine.js';
import { fmt, normAxis } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { arange, rand, tensor } from './creation.js';
import {
  abs,
  activationGrad,
  add,
  cast,
  div,
  eq,
  exp,
  ge,
  log,
  lt,
  maximum,
  mul,
  ne,
  neg,
  pow,
  relu,
  rsqrt,
  rsub,
  sigmoid,
  square,
  sub,
  where,
} from './elementwise.js';
import { logSumExp, max, mean, sum, variance } from './reduce.js';
import { contiguous, gather, permute, reshape } from './shape.js';
import { matmul } from './linalg.js';
import { entryOf, wrap } from './util.js';

/** Writes `source` (broadcast) into the dense tensor `target` in place (no gradient). */
export function assign(target: Tensor, source: Tensor): void {
  const entry = entryOf('assign', target, source);
  if (!target.isContiguous) throw new Error('assign: the target must be a dense tensor (not a view)');
  entry.backend.kernels.assign({ target: dense(target, 'assign'), source: source.view('assign') }, {});
}

/**
 * The residual merge `act(a + b)` (a ResNet block's `relu(out + identity)`). Uses the
 * backend's fused `addAct` kernel when it has one and shapes match; composite otherwise.
 */
export function addActivation(a: Tensor, b: Tensor, activation: 'none' | 'relu' = 'relu'): Tensor {
  return opScope(() => {
    const entry = entryOf('addActivation', a, b);
    const k = entry.backend.kernels;
    const same = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]) && a.dtype === 'float32' && b.dtype === 'float32';
    if (!k.addAct || !same) return activation === 'relu' ? relu(add(a, b)) : add(a, b);
    const ac = contiguous(a);
    const bc = contiguous(b);
    const y = wrap(entry, k.addAct({ a: dense(ac, 'addActivation'), b: dense(bc, 'addActivation') }, { activation }), a.shape, 'float32');
    return record(y, 'addActivation', [ac, bc], (g) => {
      const gy = activation === 'relu' ? activationGrad(g, y, 'relu') : g;
      return [gy, gy];
    });
  });
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Use batch statistics and update the running buffers (default false). */
  training?: boolean;
  /** Running-average factor for the buffers (PyTorch's convention, default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation over all axes but the channel axis 1 (`[N, C]` or `[N, C, H, W]`).
 * In training mode, normalises with the batch statistics and updates `runningMean` /
 * `runningVar` in place (unbiased variance), as PyTorch does.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  return opScope(() => {
    if (x.rank < 2) throw new Error(`batchNorm: input must be [N,C,...], got ${fmt(x.shape)}`);
    const c = x.shape[1]!;
    for (const [name, t] of [
      ['runningMean', runningMean],
      ['runningVar', runningVar],
      ['weight', weight],
      ['bias', bias],
    ] as const) {
      if (t && (t.rank !== 1 || t.shape[0] !== c)) throw new Error(`batchNorm: ${name} ${fmt(t.shape)} must be [${c}] for input ${fmt(x.shape)}`);
    }
    const eps = options.eps ?? 1e-5;
    const training = options.training ?? false;
    const entry = entryOf('batchNorm', x, runningMean, runningVar, weight, bias);
    const k = entry.backend.kernels;
    if (k.batchNorm && k.batchNormStats && k.batchNormBackward && [x, runningMean, runningVar, weight, bias].every((t) => !t || t.dtype === 'float32')) {
      return fusedBatchNorm(entry, x, runningMean, runningVar, weight, bias, training, eps, options.momentum ?? 0.1);
    }
    const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    let mu: Tensor;
    let varT: Tensor;
    if (training || !runningMean || !runningVar) {
      const count = x.size / c;
      if (training && count <= 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
      mu = mean(x, axes, true);
      varT = variance(x, axes, true, 0);
      if (training && runningMean && runningVar) {
        const m = options.momentum ?? 0.1;
        withGrad(false, () => updateRunningStats(runningMean, runningVar, reshape(mu, [c]), reshape(varT, [c]), m, count));
      }
    } else {
      mu = reshape(runningMean, bshape);
      varT = reshape(runningVar, bshape);
    }
    let y = mul(sub(x, mu), rsqrt(add(varT, eps)));
    if (weight) y = mul(y, reshape(weight, bshape));
    if (bias) y = add(y, reshape(bias, bshape));
    return y;
  });
}

/**
 * PyTorch's running-statistics update, in place: an exponential average of the batch mean, and
 * of the batch variance made unbiased over the `count` values per channel.
 */
function updateRunningStats(runningMean: Tensor, runningVar: Tensor, mean: Tensor, biasedVar: Tensor, momentum: number, count: number): void {
  assign(runningMean, add(mul(runningMean, 1 - momentum), mul(mean, momentum)));
  assign(runningVar, add(mul(runningVar, 1 - momentum), mul(biasedVar, (momentum * count) / Math.max(count - 1, 1))));
}

/**
 * batchNorm through the backend's fused kernels: one statistics pass (training), one normalising
 * pass, and one backward kernel for all three gradients, instead of a dozen elementwise ops.
 */
function fusedBatchNorm(
  entry: BackendEntry,
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  eps: number,
  momentum: number,
): Tensor {
  const k = entry.backend.kernels;
  const c = x.shape[1]!;
  const xc = contiguous(x);
  const batchStats = training || !runningMean || !runningVar;
  const { mean: mu, invstd } = withGrad(false, () => {
    if (!batchStats) return { mean: contiguous(runningMean!), invstd: rsqrt(add(runningVar!, eps)) };
    const count = x.size / c;
    if (training && count <= 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
    const r = k.batchNormStats!({ x: dense(xc, 'batchNorm') }, {});
    const m = wrap(entry, r.mean, [c], 'float32');
    const v = wrap(entry, r.variance, [c], 'float32');
    if (training && runningMean && runningVar) updateRunningStats(runningMean, runningVar, m, v, momentum, count);
    return { mean: m, invstd: rsqrt(add(v, eps)) };
  });
  const wc = weight ? contiguous(weight) : null;
  const bc = bias ? contiguous(bias) : null;
  const y = wrap(
    entry,
    k.batchNorm!(
      {
        x: dense(xc, 'batchNorm'),
        mean: dense(mu, 'batchNorm'),
        invstd: dense(invstd, 'batchNorm'),
        ...(wc ? { weight: dense(wc, 'batchNorm') } : {}),
        ...(bc ? { bias: dense(bc, 'batchNorm') } : {}),
      },
      {},
    ),
    x.shape,
    'float32',
  );
  const inputs = [xc, ...(wc ? [wc] : []), ...(bc ? [bc] : [])];
  return record(y, 'batchNorm', inputs, (g) => {
    const r = k.batchNormBackward!(
      {
        dy: dense(contiguous(g), 'batchNorm'),
        x: dense(xc, 'batchNorm'),
        mean: dense(mu, 'batchNorm'),
        invstd: dense(invstd, 'batchNorm'),
        ...(wc ? { weight: dense(wc, 'batchNorm') } : {}),
      },
      { batchStats },
    );
    const dx = wrap(entry, r.dx, x.shape, 'float32');
    const dw = wrap(entry, r.dweight, [c], 'float32');
    const db = wrap(entry, r.dbias, [c], 'float32');
    if (!wc) dw.dispose();
    if (!bc) db.dispose();
    return [dx, ...(wc ? [dw] : []), ...(bc ? [db] : [])];
  });
}

/**
 * Normalises each row of `[rows, D]` data by its own mean and biased variance: batch
 * normalisation of the `[1, rows, D]` view (rows as channels, statistics from the data), so
 * layer and group normalisation share batch norm's fused kernels where the backend has them.
 */
function normalizeRows(x: Tensor, rows: number, eps: number): Tensor {
  const d = rows === 0 ? 0 : x.size / rows;
  return reshape(batchNorm(reshape(x, [1, rows, d]), null, null, null, null, { eps }), x.shape);
}

/** Layer normalisation over the trailing `normalizedShape` dims (biased variance). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return opScope(() => {
    const k = normalizedShape.length;
    const tail = x.shape.slice(x.rank - k);
    if (k > x.rank || tail.some((d, i) => d !== normalizedShape[i])) {
      throw new Error(`layerNorm: input ${fmt(x.shape)} does not end with normalized shape ${fmt(normalizedShape)}`);
    }
    const d = tail.reduce((a, b) => a * b, 1);
    let y = normalizeRows(x, d === 0 ? 0 : x.size / d, eps);
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  });
}

/** Group normalisation: channels split into `groups`, each normalised over its channels and space. */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return opScope(() => {
    if (x.rank < 2) throw new Error(`groupNorm: input must be [N,C,...], got ${fmt(x.shape)}`);
    const c = x.shape[1]!;
    if (c % groups !== 0) throw new Error(`groupNorm: ${groups} groups do not divide ${c} channels`);
    let y = normalizeRows(x, x.shape[0]! * groups, eps);
    const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
    if (weight) y = mul(y, reshape(weight, bshape));
    if (bias) y = add(y, reshape(bias, bshape));
    return y;
  });
}

/** Softmax along `axis` (default last), numerically stable. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return opScope(() => {
    const a = normAxis('softmax', axis, x.rank);
    const entry = entryOf('softmax', x);
    const k = entry.backend.kernels;
    const y = withGrad(false, () => {
      if (k.softmax && a === x.rank - 1) return wrap(entry, k.softmax({ x: dense(contiguous(x), 'softmax') }, {}), x.shape, 'float32');
      const e = exp(sub(x, max(x, a, true)));
      return div(e, sum(e, a, true));
    });
    return record(y, 'softmax', [x], (g) => [mul(y, sub(g, sum(mul(g, y), a, true)))]);
  });
}

/** Log-softmax along `axis` (default last), numerically stable. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return opScope(() => {
    const a = normAxis('logSoftmax', axis, x.rank);
    const entry = entryOf('logSoftmax', x);
    const k = entry.backend.kernels;
    const y = withGrad(false, () => {
      if (k.logSoftmax && a === x.rank - 1) return wrap(entry, k.logSoftmax({ x: dense(contiguous(x), 'logSoftmax') }, {}), x.shape, 'float32');
      return sub(x, logSumExp(x, a, true));
    });
    return record(y, 'logSoftmax', [x], (g) => [sub(g, mul(exp(y), sum(g, a, true)))]);
  });
}

/** Zeroes each element with probability `p` and scales the rest by `1/(1-p)` when training. */
export function dropout(x: Tensor, p = 0.5, training = true, seed?: number): Tensor {
  return opScope(() => {
    if (p < 0 || p >= 1) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
    if (!training || p === 0) return x;
    const keepMask = withGrad(false, () => div(cast(ge(rand(x.shape, seed === undefined ? {} : { seed }), p), 'float32'), 1 - p));
    return mul(x, keepMask);
  });
}

/** Rows of `weight` `[num, dim]` picked by int32 `indices` (any shape) → `[...indices.shape, dim]`. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  return opScope(() => {
    if (indices.dtype !== 'int32') throw new Error(`embedding: indices must be int32, got ${indices.dtype}`);
    if (weight.rank !== 2) throw new Error(`embedding: weight must be [num, dim], got ${fmt(weight.shape)}`);
    const rows = gather(weight, reshape(indices, [-1]), 0);
    return reshape(rows, [...indices.shape, weight.shape[1]!]);
  });
}

/** Options of {@link scaledDotProductAttention}. */
export interface AttentionOptions {
  /** Mask future positions (query i attends to keys j ≤ i). */
  causal?: boolean;
  /** Additive mask broadcastable to `[..., Lq, Lk]` (use -Infinity to block). */
  mask?: Tensor;
  /** Dropout on the attention weights (training only). */
  dropout?: number;
  /** Seed for that dropout. */
  seed?: number;
}

/** `softmax(q·kᵀ/√d + mask) · v` for `q` `[..., Lq, d]`, `k` `[..., Lk, d]`, `v` `[..., Lk, dv]`. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  return opScope(() => {
    const d = q.shape[q.rank - 1]!;
    if (k.shape[k.rank - 1] !== d) throw new Error(`scaledDotProductAttention: query ${fmt(q.shape)} and key ${fmt(k.shape)} widths differ`);
    if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) throw new Error(`scaledDotProductAttention: key ${fmt(k.shape)} and value ${fmt(v.shape)} lengths differ`);
    let scores = mul(matmul(q, k, false, true), 1 / Math.sqrt(d));
    if (options.causal) {
      const lq = q.shape[q.rank - 2]!;
      const lk = k.shape[k.rank - 2]!;
      const m = new Float32Array(lq * lk);
      for (let i = 0; i < lq; i++) for (let j = i + 1; j < lk; j++) m[i * lk + j] = -Infinity;
      scores = add(scores, tensor(m, [lq, lk]));
    }
    if (options.mask) scores = add(scores, options.mask);
    let attn = softmax(scores, -1);
    if (options.dropout) attn = dropout(attn, options.dropout, true, options.seed);
    return matmul(attn, v);
  });
}

/** How a loss reduces over elements. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Applies a loss's {@link Reduction}. @internal */
export function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? mean(loss) : reduction === 'sum' ? sum(loss) : loss;
}

/** Throws unless `a` and `b` have the same shape, naming the op and both shapes. @internal */
export function assertSameShape(op: string, a: Tensor, b: Tensor, aName = 'input', bName = 'target'): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: ${aName} ${fmt(a.shape)} and ${bName} ${fmt(b.shape)} must have the same shape`);
  }
}

/** One-hot float32 encoding of int32 class indices: `[...shape, numClasses]`. */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return opScope(() => {
    return cast(eq(reshape(indices, [...indices.shape, 1]), arange(0, numClasses, 1, { dtype: 'int32' })), 'float32');
  });
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Mix the target with the uniform distribution by this much (default 0). */
  labelSmoothing?: number;
  /** Target value that contributes nothing (default -100, like PyTorch; e.g. 255 for void pixels). */
  ignoreIndex?: number;
  /** 'mean' over non-ignored targets (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/**
 * Cross-entropy of logits `[N, C]` (or `[N, C, H, W]` for segmentation) against int32 class
 * targets `[N]` (or `[N, H, W]`).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return opScope(() => {
    if (logits.rank < 2) throw new Error(`crossEntropy: logits must be [N,C,...], got ${fmt(logits.shape)}`);
    if (target.dtype !== 'int32') throw new Error(`crossEntropy: targets must be int32 class indices, got ${target.dtype}`);
    const c = logits.shape[1]!;
    const expected = [logits.shape[0]!, ...logits.shape.slice(2)];
    if (target.rank !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`crossEntropy: target ${fmt(target.shape)} does not match logits ${fmt(logits.shape)} (expected ${fmt(expected)})`);
    }
    const ignoreIndex = options.ignoreIndex ?? -100;
    const backend = entryOf('crossEntropy', logits, target).backend;
    if (backend.readSync && target.isContiguous) {
      const t = backend.readSync(target.storage.handle, 'int32', target.size);
      for (let i = 0; i < t.length; i++) {
        const v = t[i]!;
        if (v !== ignoreIndex && (v < 0 || v >= c)) throw new Error(`crossEntropy: target ${v} is out of range for ${c} classes (ignoreIndex=${ignoreIndex})`);
      }
    }
    const perm = [0, ...logits.shape.slice(2).map((_, i) => i + 2), 1];
    const flat = reshape(logits.rank === 2 ? logits : permute(logits, perm), [-1, c]);
    const t = reshape(target, [-1]);
    const logp = logSoftmax(flat, -1);
    const nll = neg(sum(mul(logp, oneHot(t, c)), -1));
    const eps = options.labelSmoothing ?? 0;
    let loss = eps > 0 ? add(mul(nll, 1 - eps), mul(neg(mean(logp, -1)), eps)) : nll;
    const reduction = options.reduction ?? 'mean';
    const valid = cast(ne(t, ignoreIndex), 'float32');
    loss = mul(loss, valid);
    if (reduction === 'none') return reshape(loss, target.shape);
    if (reduction === 'sum') return sum(loss);
    return div(sum(loss), maximum(sum(valid), 1));
  });
}

/** Negative log-likelihood of log-probabilities `[N, C]` against int32 targets `[N]`. */
export function nllLoss(logProbs: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return opScope(() => {
    const c = logProbs.shape[1]!;
    return reduceLoss(neg(sum(mul(logProbs, oneHot(target, c)), -1)), reduction);
  });
}

/** Mean squared error. */
export function mse(pred: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return opScope(() => {
    if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
      throw new Error(`mse: prediction ${fmt(pred.shape)} and target ${fmt(target.shape)} differ`);
    }
    const d = sub(pred, target);
    return reduceLoss(mul(d, d), reduction);
  });
}

/** Binary cross-entropy on logits, stable for large |x|: `max(x,0) - x·t + log(1 + e^{-|x|})`. */
export function bceWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return opScope(() => {
    if (logits.shape.length !== target.shape.length || logits.shape.some((d, i) => d !== target.shape[i])) {
      throw new Error(`bceWithLogits: logits ${fmt(logits.shape)} and target ${fmt(target.shape)} differ`);
    }
    const tf = cast(target, 'float32');
    const loss = withGrad(false, () => add(sub(relu(logits), mul(logits, tf)), log(add(exp(neg(abs(logits))), 1))));
    const out = record(loss, 'bceWithLogits', [logits], (g) => [mul(g, sub(sigmoid(logits), tf))]);
    return reduceLoss(out, reduction);
  });
}

/** Mean absolute error, `|input − target|` (torch.nn.functional.l1_loss). */
export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return opScope(() => {
    assertSameShape('l1Loss', input, target);
    return reduceLoss(abs(sub(input, target)), reduction);
  });
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
  /** Default 'mean', as torch.nn.functional. */
  reduction?: Reduction;
}

/**
 * Smooth L1 loss as torch.nn.functional.smooth_l1_loss: with `d = |input − target|`, `0.5·d²/β`
 * where `d < β` and `d − 0.5·β` elsewhere; `β = 0` is the L1 loss. Gradient `(input − target)/β`
 * inside, `sign(input − target)` outside (0 where they are equal).
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  return opScope(() => {
    assertSameShape('smoothL1Loss', input, target);
    const beta = options.beta ?? 1;
    if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be >= 0, got ${beta}`);
    const reduction = options.reduction ?? 'mean';
    const d = sub(input, target);
    const ad = abs(d);
    if (beta === 0) return reduceLoss(ad, reduction);
    return reduceLoss(where(lt(ad, beta), mul(square(d), 0.5 / beta), sub(ad, 0.5 * beta)), reduction);
  });
}

/** Options of {@link sigmoidFocalLoss}. */
export interface SigmoidFocalLossOptions {
  /** Weight of the positives, `1 − alpha` of the negatives; negative: no weighting (default 0.25). */
  alpha?: number;
  /** Exponent of the modulating factor `(1 − p_t)` (default 2). */
  gamma?: number;
  /** Default 'none', as torchvision. */
  reduction?: Reduction;
}

/**
 * The focal loss of RetinaNet, as torchvision.ops.sigmoid_focal_loss: per element
 * `α_t · (1 − p_t)^γ · BCE(logits, targets)` with `p = σ(logits)`, `p_t = p·t + (1 − p)(1 − t)` and
 * `α_t = α·t + (1 − α)(1 − t)`. `targets` (same shape, float 0/1 or soft labels) get no gradient.
 *
 * The cross-entropy is the stable logits form of {@link bceWithLogits}, and `1 − p_t` is taken
 * as `t·σ(−x) + (1 − t)·σ(x)` — equal to torchvision's, without the cancellation of `1 − p_t`
 * that rounds confident negatives' factor to 0 in float32.
 */
export function sigmoidFocalLoss(logits: Tensor, targets: Tensor, options: SigmoidFocalLossOptions = {}): Tensor {
  return opScope(() => {
    assertSameShape('sigmoidFocalLoss', logits, targets, 'logits', 'targets');
    const alpha = options.alpha ?? 0.25;
    const gamma = options.gamma ?? 2;
    if (!(gamma >= 0)) throw new Error(`sigmoidFocalLoss: gamma must be >= 0, got ${gamma}`);
    const t = cast(targets, 'float32');
    const ce = bceWithLogits(logits, t, 'none');
    const oneMinusPt = add(mul(t, sigmoid(neg(logits))), mul(rsub(1, t), sigmoid(logits)));
    const factor = gamma === 2 ? square(oneMinusPt) : gamma === 1 ? oneMinusPt : gamma === 0 ? null : pow(oneMinusPt, gamma);
    let loss = factor ? mul(ce, factor) : ce;
    if (alpha >= 0) loss = mul(add(mul(t, alpha), mul(rsub(1, t), 1 - alpha)), loss);
    return reduceLoss(loss, options.reduction ?? 'none');
  });
}
