import { describe, expect, it } from 'vitest';
import { datasetFromArrays } from './dataset.js';
import { DataLoader } from './loader.js';
import { Rng } from './random.js';
import type { Transform } from './transforms.js';
import type { Batch, Dataset, Sample } from './types.js';

/** n samples; x = [i, -i], y = i. */
function numbered(n: number): Dataset<Sample> {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return datasetFromArrays({ x, xShape: [n, 2], y: Int32Array.from({ length: n }, (_, i) => i), yShape: [n] });
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

const labels = (batches: Batch[]): number[][] => batches.map((b) => Array.from(b.y));

/** Adds a per-sample random offset, to make augmentation visible. */
const jitter: Transform = (s, rng) => ({ ...s, x: Float32Array.from(s.x, (v) => v + rng.float()) });

describe('DataLoader', () => {
  it('batches in dataset order, keeping or dropping the last partial batch', async () => {
    const keep = new DataLoader(numbered(10), { batchSize: 4 });
    expect(keep.numBatches).toBe(3);
    const batches = await collect(keep.epoch(0));
    expect(labels(batches)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(batches[2]!.xShape).toEqual([2, 2]);
    expect(Array.from(batches[2]!.x)).toEqual([8, -8, 9, -9]);
    expect(batches[1]!.indices).toEqual([4, 5, 6, 7]);

    const drop = new DataLoader(numbered(10), { batchSize: 4, dropLast: true });
    expect(drop.numBatches).toBe(2);
    expect(labels(await collect(drop.epoch(0)))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(numbered(8), { batchSize: 4, dropLast: true }).numBatches).toBe(2);
  });

  it('shuffles deterministically per (seed, epoch): a permutation each epoch, new each epoch', async () => {
    const make = (seed: number) => new DataLoader(numbered(50), { batchSize: 8, shuffle: true, seed });
    const a0 = labels(await collect(make(1).epoch(0))).flat();
    const b0 = labels(await collect(make(1).epoch(0))).flat();
    const a1 = labels(await collect(make(1).epoch(1))).flat();
    const c0 = labels(await collect(make(2).epoch(0))).flat();
    expect(a0).toEqual(b0);
    expect([...a0].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a1).not.toEqual(a0);
    expect(c0).not.toEqual(a0);
    // The documented recipe: Fisher–Yates from new Rng(seed, 0x5348, epoch).
    expect(a1).toEqual(Array.from(new Rng(1, 0x5348, 1).permutation(50)));
    expect(Array.from(make(1).order(1))).toEqual(a1);
  });

  it('seeds transforms per (seed, epoch, index), independent of batch size and order', async () => {
    const ds = numbered(12);
    const byIndex = (batches: Batch[]) => {
      const m = new Map<number, number>();
      for (const b of batches) b.indices!.forEach((i, k) => m.set(i, b.x[2 * k]!));
      return m;
    };
    const small = byIndex(await collect(new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 5, transform: jitter }).epoch(3)));
    const large = byIndex(await collect(new DataLoader(ds, { batchSize: 5, shuffle: false, seed: 5, transform: jitter }).epoch(3)));
    const other = byIndex(await collect(new DataLoader(ds, { batchSize: 5, seed: 5, transform: jitter }).epoch(4)));
    for (let i = 0; i < 12; i++) {
      expect(small.get(i)).toBe(large.get(i));
      expect(small.get(i)).toBe(Math.fround(i + new Rng(5, 0x5846, 3, i).float()));
      expect(other.get(i)).not.toBe(small.get(i));
    }
  });

  it('resumes mid-epoch with identical batches (startBatch)', async () => {
    const loader = new DataLoader(numbered(37), { batchSize: 5, shuffle: true, seed: 9, transform: jitter });
    const full = await collect(loader.epoch(2));
    const resumed = await collect(loader.epoch(2, { startBatch: 4 }));
    expect(resumed).toEqual(full.slice(4));
    expect(await collect(loader.epoch(2, { startBatch: loader.numBatches }))).toEqual([]);
    expect(loader.batch(2, 6)).toEqual(full[6]);
    await expect(collect(loader.epoch(2, { startBatch: 9 }))).rejects.toThrow(/startBatch must be an integer in \[0, 8\]/);
  });

  it('assembles the next batch while the consumer awaits (prefetch)', async () => {
    const events: string[] = [];
    const base = numbered(6);
    const logged: Dataset<Sample> = { length: 6, get: (i) => (events.push(`get ${i}`), base.get(i)) };
    const loader = new DataLoader(logged, { batchSize: 2 });
    for await (const b of loader.epoch(0)) {
      events.push(`start ${b.indices}`);
      await new Promise((r) => setTimeout(r, 5)); // e.g. awaiting a backend readback
      events.push(`end ${b.indices}`);
    }
    expect(events).toEqual(['get 0', 'get 1', 'start 0,1', 'get 2', 'get 3', 'end 0,1', 'start 2,3', 'get 4', 'get 5', 'end 2,3', 'start 4,5', 'end 4,5']);
  });

  it('assembles on demand without prefetch', async () => {
    const events: string[] = [];
    const base = numbered(4);
    const logged: Dataset<Sample> = { length: 4, get: (i) => (events.push(`get ${i}`), base.get(i)) };
    for await (const b of new DataLoader(logged, { batchSize: 2, prefetch: false }).epoch(0)) {
      events.push(`start ${b.indices}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(events).toEqual(['get 0', 'get 1', 'start 0,1', 'get 2', 'get 3', 'start 2,3']);
  });

  it('raises a prefetched error when that batch is requested, and stops work on break', async () => {
    const base = numbered(6);
    let calls = 0;
    const faulty: Dataset<Sample> = {
      length: 6,
      get: (i) => {
        calls++;
        if (i === 3) throw new Error('bad sample 3');
        return base.get(i);
      },
    };
    const seen: number[][] = [];
    await expect(
      (async () => {
        for await (const b of new DataLoader(faulty, { batchSize: 2 }).epoch(0)) seen.push(Array.from(b.y));
      })(),
    ).rejects.toThrow('bad sample 3');
    expect(seen).toEqual([[0, 1]]);

    calls = 0;
    for await (const _ of new DataLoader(numbered(6), { batchSize: 2 }).epoch(0)) break;
    for await (const _ of new DataLoader(faulty, { batchSize: 2 }).epoch(0)) break; // abandoned prefetch of batch 1 must not leak
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(2); // only batch 0 of the faulty loader was built
  });

  it('validates its arguments', () => {
    expect(() => new DataLoader(numbered(3), { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new DataLoader(numbered(3), { batchSize: 1, seed: 0.5 })).toThrow(/safe integer/);
    const loader = new DataLoader(numbered(3), { batchSize: 2 });
    expect(() => loader.order(-1)).toThrow(/epoch/);
    expect(() => loader.batch(0, 2)).toThrow(/batch 2 out of range \[0, 2\)/);
  });
});
