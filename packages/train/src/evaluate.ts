/**
 * Where batches come from, and the two loops that only read a model: `evaluateBatches` (loss
 * and metrics) and `predictBatches` (outputs). `Trainer.evaluate` and `Trainer.predict` are
 * these, in eval mode.
 */
import { concat, noGrad, tidy, Tensor } from '@skipnet/core';
import { toTensors, type Batch } from '@skipnet/data';
import type { EvalResult } from './events.js';
import type { LossFn } from './loss.js';
import type { Metric } from './metrics.js';

/**
 * A training data source that can start any epoch at any batch: `@skipnet/data`'s
 * `DataLoader` is one. The optional fields are recorded in checkpoints and checked on resume.
 */
export interface EpochSource {
  /** The batches of epoch `epoch` (0-based), from `options.startBatch` on. */
  epoch(epoch: number, options?: { startBatch?: number }): AsyncIterable<Batch>;
  /** Batches per epoch. */
  readonly numBatches: number;
  /** Seed of the shuffle/augmentation streams. */
  readonly seed?: number;
  /** Samples per batch. */
  readonly batchSize?: number;
  /** Whether epochs are shuffled. */
  readonly shuffle?: boolean;
  /** Whether the last partial batch is dropped. */
  readonly dropLast?: boolean;
}

/** Batches to evaluate or predict: an {@link EpochSource} (its epoch 0 is used) or any iterable of batches. */
export type BatchSource = EpochSource | AsyncIterable<Batch> | Iterable<Batch>;

function isEpochSource(s: BatchSource): s is EpochSource {
  return typeof (s as { epoch?: unknown }).epoch === 'function';
}

/** The batches of a source: epoch 0 of an {@link EpochSource}, or the iterable itself. */
export function batchesOf(s: BatchSource): AsyncIterable<Batch> | Iterable<Batch> {
  return isEpochSource(s) ? s.epoch(0) : s;
}

function isBatch(v: unknown): v is Batch {
  return typeof v === 'object' && v !== null && Array.isArray((v as Batch).xShape) && ArrayBuffer.isView((v as Batch).x);
}

/** Every metric's current value by name, with the further figures of those that report some. */
export function computeAll(metrics: readonly Metric[]): Record<string, number> {
  return Object.fromEntries(metrics.flatMap((m) => [[m.name, m.compute()] as const, ...Object.entries(m.figures?.() ?? {})]));
}

/**
 * Mean loss (weighted by batch size) and `metrics` of `forward` over `data`, without
 * gradients; each batch's tensors are freed before the next. The metrics are updated in place.
 */
export async function evaluateBatches(forward: (x: Tensor) => Tensor, loss: LossFn, metrics: readonly Metric[], data: BatchSource): Promise<EvalResult> {
  const t0 = performance.now();
  let lossSum = 0;
  let samples = 0;
  for await (const batch of batchesOf(data)) {
    const out = tidy(() =>
      noGrad(() => {
        const { x, y } = toTensors(batch);
        const logits = forward(x);
        return { loss: loss(logits, y), logits, y, x };
      }),
    );
    try {
      const n = batch.xShape[0] ?? 0;
      lossSum += (await out.loss.data())[0]! * n;
      samples += n;
      for (const m of metrics) await m.update(out.logits, out.y, out.x);
    } finally {
      out.loss.dispose();
      out.logits.dispose();
      out.y.dispose();
      out.x.dispose();
    }
  }
  const secs = (performance.now() - t0) / 1000;
  return { loss: lossSum / samples, metrics: computeAll(metrics), samples, imagesPerSec: secs > 0 ? samples / secs : 0 };
}

/**
 * Outputs of `forward` without gradients: for a tensor, one forward; for a batch or a source
 * of batches, the outputs concatenated along the batch axis. The caller owns the result.
 * @param caller named in the error for a source without batches.
 */
export async function predictBatches(forward: (x: Tensor) => Tensor, input: Tensor | Batch | BatchSource, caller = 'predictBatches'): Promise<Tensor> {
  if (input instanceof Tensor) return tidy(() => noGrad(() => forward(input)));
  const source: BatchSource = isBatch(input) ? [input] : input;
  const parts: Tensor[] = [];
  try {
    for await (const batch of batchesOf(source)) parts.push(tidy(() => noGrad(() => forward(toTensors(batch).x))));
    if (parts.length === 0) throw new Error(`${caller}: the source yielded no batches`);
    if (parts.length === 1) return parts.pop()!;
    return concat(parts, 0);
  } finally {
    for (const t of parts) t.dispose();
  }
}
