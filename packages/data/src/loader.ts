import { collate, type Collate } from './dataset.js';
import { collateDetection } from './detection.js';
import { Rng } from './random.js';
import type { Transform } from './transforms.js';
import type { Batch, Dataset, Sample, Task } from './types.js';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch (a positive integer). */
  batchSize: number;
  /** Reshuffle the sample order every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed of both the shuffle and the per-sample transform streams (default 0). */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Per-sample transform (augmentation), applied before stacking. */
  transform?: Transform;
  /**
   * Stacks a batch's (transformed) samples. Default: `collateDetection` when the dataset's
   * `task` is `'detection'` (boxes padded to the batch's largest count), else `collate`.
   */
  collate?: Collate;
  /**
   * Assemble batch `b + 1` while the consumer works on batch `b` (default true). Assembly
   * runs as a macrotask, so it overlaps whenever the consumer awaits (a backend readback, a
   * timer, I/O).
   */
  prefetch?: boolean;
}

/** Options of {@link DataLoader.epoch}. */
export interface EpochOptions {
  /** First batch to produce (default 0); batches before it are skipped without being assembled. */
  startBatch?: number;
}

// Stream keys that keep shuffle draws and per-sample transform draws independent.
const SHUFFLE_STREAM = 0x5348;
const TRANSFORM_STREAM = 0x5846;

type Deferred = <T>(fn: () => T) => Promise<T>;

/**
 * Runs `fn` on a later macrotask. setImmediate (Node) runs right after pending I/O; in
 * browsers setTimeout(0) is the portable fallback. A microtask would not do: it would run
 * before the consumer's own awaited work had a chance to start, so nothing would overlap.
 */
const defer: Deferred = (fn) =>
  new Promise((resolve, reject) => {
    const run = (): void => {
      try {
        resolve(fn());
      } catch (e) {
        reject(e);
      }
    };
    const si = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
    if (si) si(run);
    else setTimeout(run, 0);
  });

/**
 * Batches a map-style dataset, with seeded shuffling, per-sample transforms and
 * prefetching (PyTorch's `DataLoader` without worker processes).
 *
 * Determinism: the order of epoch `e` is a Fisher–Yates permutation drawn from
 * `new Rng(seed, SHUFFLE_STREAM, e)` (sfc32; see `Rng`), and the transform of dataset
 * sample `i` in epoch `e` gets `new Rng(seed, TRANSFORM_STREAM, e, i)`. Neither depends on
 * batch size, on which batches were consumed, or on the process, so
 * `loader.epoch(e, { startBatch: k })` continues exactly where an interrupted run stopped.
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, transform: horizontalFlip() });
 * for (let e = 0; e < epochs; e++) {
 *   for await (const batch of loader.epoch(e)) step(batch);
 * }
 */
export class DataLoader {
  /** The wrapped dataset. */
  readonly dataset: Dataset<Sample>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** Seed of shuffle and transforms. */
  readonly seed: number;
  /** Whether the final partial batch is dropped. */
  readonly dropLast: boolean;
  private readonly transform: Transform | undefined;
  private readonly collate: Collate;
  private readonly prefetch: boolean;
  private cachedOrder: { epoch: number; order: Int32Array } | undefined;

  /** Wraps `dataset`; see {@link DataLoaderOptions}. */
  constructor(dataset: Dataset<Sample>, options: DataLoaderOptions) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.dataset = dataset;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.transform = options.transform;
    const task = (dataset as { task?: Task }).task;
    this.collate = options.collate ?? (task === 'detection' ? collateDetection : (samples) => collate(samples));
    this.prefetch = options.prefetch ?? true;
    // Validate the seed once here rather than on the first epoch.
    new Rng(this.seed);
  }

  /** Batches per epoch: `floor(n / batchSize)` with `dropLast`, else `ceil(n / batchSize)`. */
  get numBatches(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The dataset indices of epoch `epoch` in visiting order (identity when not shuffling). */
  order(epoch: number): Int32Array {
    return this.orderOf(epoch).slice();
  }

  private orderOf(epoch: number): Int32Array {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader: epoch must be a non-negative integer, got ${epoch}`);
    if (this.cachedOrder?.epoch !== epoch) {
      const n = this.dataset.length;
      const order = this.shuffle ? new Rng(this.seed, SHUFFLE_STREAM, epoch).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      this.cachedOrder = { epoch, order };
    }
    return this.cachedOrder.order;
  }

  private checkBatch(b: number): void {
    const n = this.numBatches;
    if (!Number.isInteger(b) || b < 0 || b >= n) throw new RangeError(`DataLoader: batch ${b} out of range [0, ${n})`);
  }

  /** Dataset indices of batch `b` of epoch `epoch`. */
  batchIndices(epoch: number, b: number): number[] {
    this.checkBatch(b);
    const order = this.orderOf(epoch);
    const end = Math.min(order.length, (b + 1) * this.batchSize);
    return Array.from(order.subarray(b * this.batchSize, end));
  }

  /** Assembles batch `b` of epoch `epoch` synchronously (transforms applied, samples stacked). */
  batch(epoch: number, b: number): Batch {
    const indices = this.batchIndices(epoch, b);
    const samples = indices.map((i) => {
      const sample = this.dataset.get(i);
      return this.transform ? this.transform(sample, new Rng(this.seed, TRANSFORM_STREAM, epoch, i)) : sample;
    });
    return { ...this.collate(samples), indices };
  }

  /**
   * The batches of epoch `epoch`, from `options.startBatch` on. With prefetching, batch
   * `b + 1` is scheduled before batch `b` is handed over, so it is built while the consumer
   * awaits; errors from a prefetched batch surface when that batch is requested.
   */
  async *epoch(epoch: number, options: EpochOptions = {}): AsyncGenerator<Batch, void, undefined> {
    const start = options.startBatch ?? 0;
    const n = this.numBatches;
    if (!Number.isInteger(start) || start < 0 || start > n) {
      throw new RangeError(`DataLoader: startBatch must be an integer in [0, ${n}], got ${start}`);
    }
    this.orderOf(epoch); // validate the epoch now, not inside a deferred task
    if (!this.prefetch) {
      for (let b = start; b < n; b++) yield this.batch(epoch, b);
      return;
    }
    let cancelled = false;
    const schedule = (b: number): Promise<Batch | undefined> => {
      const p = defer(() => (cancelled ? undefined : this.batch(epoch, b)));
      // Mark as handled so an abandoned prefetch cannot raise an unhandled rejection;
      // awaiting `p` below still rethrows the error.
      p.catch(() => undefined);
      return p;
    };
    let next = start < n ? schedule(start) : undefined;
    try {
      for (let b = start; b < n; b++) {
        const current = (await next!)!;
        next = b + 1 < n ? schedule(b + 1) : undefined;
        yield current;
      }
    } finally {
      cancelled = true;
    }
  }
}
