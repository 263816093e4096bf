/**
 * The names demo: a character-level GPT (the zoo's `gpt`, 4 blocks of width 64, context 16)
 * trained on the `names` list with Adam, sampling new names as it learns. The vocabulary is
 * @skipnet/data's: `.` (id 0) starts and ends every name, then `-` and `a`…`z`.
 */
import { Adam, crossEntropy, manualSeed, noGrad, reshape, softmax, tensor, tidy, type Module, type Tensor } from '@skipnet/core';
import { createModel } from '@skipnet/models';

export const VOCAB = ['.', '-', ...'abcdefghijklmnopqrstuvwxyz'];
const ID = new Map(VOCAB.map((c, i) => [c, i] as const));

export interface NamesGptOptions {
  blockSize?: number;
  nLayer?: number;
  nEmbd?: number;
  nHead?: number;
  batchSize?: number;
  lr?: number;
  skip?: boolean;
  seed?: number;
}

/** A small deterministic generator (mulberry32) for batches and sampling. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class NamesGpt {
  readonly model: Module;
  readonly optimizer: Adam;
  readonly blockSize: number;
  readonly batchSize: number;
  readonly losses: number[] = [];
  step = 0;
  #stream: Int32Array;
  #rand: () => number;
  #disposed = false;

  constructor(names: readonly string[], options: NamesGptOptions = {}) {
    this.blockSize = options.blockSize ?? 16;
    this.batchSize = options.batchSize ?? 32;
    const ids: number[] = [0];
    for (const name of names) {
      for (const ch of name) {
        const id = ID.get(ch);
        if (id !== undefined) ids.push(id);
      }
      ids.push(0);
    }
    this.#stream = Int32Array.from(ids);
    this.#rand = mulberry32(options.seed ?? 1);
    manualSeed(options.seed ?? 0);
    this.model = createModel('gpt', {
      vocabSize: VOCAB.length,
      blockSize: this.blockSize,
      nLayer: options.nLayer ?? 4,
      nHead: options.nHead ?? 4,
      nEmbd: options.nEmbd ?? 64,
      skip: options.skip ?? true,
    });
    this.model.train();
    this.optimizer = new Adam(this.model.parameters(), { lr: options.lr ?? 3e-3 });
  }

  async trainStep(): Promise<void> {
    if (this.#disposed) return;
    const t = this.blockSize;
    const n = this.batchSize;
    const x = new Int32Array(n * t);
    const y = new Int32Array(n * t);
    for (let b = 0; b < n; b++) {
      const start = Math.floor(this.#rand() * (this.#stream.length - t - 1));
      x.set(this.#stream.subarray(start, start + t), b * t);
      y.set(this.#stream.subarray(start + 1, start + t + 1), b * t);
    }
    const loss = tidy(() => {
      this.optimizer.zeroGrad();
      const logits = this.model.call(tensor(x, [n, t], { dtype: 'int32' })); // [n, t, V]
      const l = crossEntropy(reshape(logits, [n * t, VOCAB.length]), tensor(y, [n * t], { dtype: 'int32' }));
      l.backward();
      this.optimizer.step();
      return l;
    });
    this.losses.push(await loss.item());
    loss.dispose();
    this.step++;
  }

  /** Samples `count` names (temperature `temp`), all in parallel, up to `blockSize` characters. */
  async sample(count: number, temp = 0.8): Promise<string[]> {
    const seqs: number[][] = Array.from({ length: count }, () => [0]);
    const done = new Array<boolean>(count).fill(false);
    this.model.eval();
    try {
      for (let pos = 0; pos < this.blockSize - 1 && done.some((d) => !d); pos++) {
        const len = pos + 1;
        const flat = Int32Array.from(seqs.flatMap((s) => s.slice(-len)));
        const probs: Tensor = tidy(() =>
          noGrad(() => {
            const logits = this.model.call(tensor(flat, [count, len], { dtype: 'int32' })); // [count, len, V]
            const lastRow = reshape(logits, [count * len, VOCAB.length]);
            return softmax(reshape(lastRow, [count, len, VOCAB.length]).div(temp), -1);
          }),
        );
        const p = await probs.data();
        probs.dispose();
        for (let i = 0; i < count; i++) {
          if (done[i]) {
            seqs[i]!.push(0); // keep every row the same length
            continue;
          }
          const base = (i * len + len - 1) * VOCAB.length;
          let r = this.#rand();
          let next = VOCAB.length - 1;
          for (let v = 0; v < VOCAB.length; v++) {
            r -= p[base + v]!;
            if (r <= 0) {
              next = v;
              break;
            }
          }
          seqs[i]!.push(next);
          if (next === 0) done[i] = true;
        }
      }
    } finally {
      this.model.train();
    }
    return seqs.map((s) => {
      const end = s.indexOf(0, 1);
      return s
        .slice(1, end < 0 ? undefined : end)
        .map((id) => VOCAB[id])
        .join('');
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.optimizer.dispose();
    this.model.dispose();
  }
}
