/**
 * Sequence metrics that judge what a model generates rather than its teacher-forced logits.
 */
import type { Tensor } from '@skipnet/core';
import { HitRate } from './metrics.js';

/** Options of {@link ExactMatch}. */
export interface ExactMatchOptions {
  /**
   * Generates the output sequences of a batch from the model input `[N, …]` (e.g. greedy
   * decoding of a translation model): one token list per row, without `<bos>` and `<eos>`.
   */
  decode: (inputs: Tensor) => Promise<ArrayLike<number>[]>;
  /** Target id that ends a reference sequence. */
  eos: number;
  /** Target value of padding past `<eos>` (default -100). */
  ignoreIndex?: number;
  /** Log key (default `'exactMatch'`). */
  name?: string;
}

/**
 * Fraction of samples whose generated sequence equals the reference exactly: the reference of
 * a row is its targets `[T]` up to the first `<eos>` (or padding), the prediction what
 * `decode` returns for its input. The logits are not used — the model generates from its own
 * predictions, as at inference, so one wrong token fails the whole sample.
 */
export class ExactMatch extends HitRate {
  readonly name: string;
  private readonly options: ExactMatchOptions;

  /** @param options see {@link ExactMatchOptions}. */
  constructor(options: ExactMatchOptions) {
    super();
    this.options = options;
    this.name = options.name ?? 'exactMatch';
  }

  async update(_logits: Tensor, targets: Tensor, inputs?: Tensor): Promise<void> {
    if (!inputs) throw new Error(`${this.name}: needs the batch's inputs to decode (update(logits, targets, inputs))`);
    const [n, t] = targets.shape as [number, number];
    if (targets.rank !== 2) throw new Error(`${this.name}: expected targets [N, T], got [${targets.shape.join(', ')}]`);
    const [y, predicted] = await Promise.all([targets.data(), this.options.decode(inputs)]);
    if (predicted.length !== n) throw new Error(`${this.name}: decode returned ${predicted.length} sequences for a batch of ${n}`);
    const ignore = this.options.ignoreIndex ?? -100;
    for (let i = 0; i < n; i++) {
      const reference: number[] = [];
      for (let k = 0; k < t; k++) {
        const id = y[i * t + k]!;
        if (id === this.options.eos || id === ignore) break;
        reference.push(id);
      }
      const p = predicted[i]!;
      this.total++;
      if (p.length === reference.length && reference.every((id, k) => p[k] === id)) this.correct++;
    }
  }
}
