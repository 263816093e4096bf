/** Test fixtures: tiny hand-written models and seeded toy datasets (the backend comes from `useBackend`). */
import { assign, conv2d, dropout, embedding, flatten, keep, linear, mul, noGrad, randn, relu, tensor, zeros, type Tensor } from '@skipnet/core';
import { DataLoader, Rng, datasetFromArrays, type Dataset, type Sample } from '@skipnet/data';
import type { TrainableModelBase } from '../model.js';

/** A model made of named keep-ed leaves, with strict state-dict loading by copy. */
abstract class TinyModel implements TrainableModelBase {
  training = true;
  protected readonly tensors = new Map<string, Tensor>();
  protected param(name: string, t: Tensor): Tensor {
    const p = keep(t).requiresGrad_();
    this.tensors.set(name, p);
    return p;
  }
  train(): void {
    this.training = true;
  }
  eval(): void {
    this.training = false;
  }
  namedParameters(): [string, Tensor][] {
    return [...this.tensors];
  }
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.tensors);
  }
  loadStateDict(dict: Record<string, Tensor>, options: { strict: boolean }): void {
    const missing = [...this.tensors.keys()].filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !this.tensors.has(k));
    if (options.strict && (missing.length || unexpected.length)) throw new Error(`loadStateDict: missing [${missing}] unexpected [${unexpected}]`);
    noGrad(() => {
      for (const [k, p] of this.tensors) if (dict[k]) assign(p, dict[k]);
    });
  }
  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
  }
}

/** Two-layer MLP `in → hidden → out` with ReLU and optional dropout (core's global generator). */
export class TinyMlp extends TinyModel {
  private readonly w1: Tensor;
  private readonly b1: Tensor;
  private readonly w2: Tensor;
  private readonly b2: Tensor;
  constructor(
    inF: number,
    hidden: number,
    out: number,
    private readonly options: { seed?: number; dropout?: number } = {},
  ) {
    super();
    const seed = options.seed ?? 1;
    this.w1 = this.param('fc1.weight', randn([hidden, inF], { seed, std: 1 / Math.sqrt(inF) }));
    this.b1 = this.param('fc1.bias', zeros([hidden]));
    this.w2 = this.param('fc2.weight', randn([out, hidden], { seed: seed + 1000, std: 1 / Math.sqrt(hidden) }));
    this.b2 = this.param('fc2.bias', zeros([out]));
  }
  forward(x: Tensor): Tensor {
    let h = relu(linear(flatten(x, 1), this.w1, this.b1));
    if (this.options.dropout) h = dropout(h, this.options.dropout, this.training);
    return linear(h, this.w2, this.b2);
  }
}

/** Per-pixel classifier: a 1×1 convolution `[N, 1, H, W] → [N, C, H, W]`. */
export class TinySeg extends TinyModel {
  private readonly w: Tensor;
  private readonly b: Tensor;
  constructor(classes: number, seed = 5) {
    super();
    this.w = this.param('conv.weight', randn([classes, 1, 1, 1], { seed }));
    this.b = this.param('conv.bias', zeros([classes]));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.w, this.b);
  }
}

/** Bigram language model: embedding then a linear head, `[N, T] → [N, T, V]`. */
export class TinyLm extends TinyModel {
  private readonly emb: Tensor;
  private readonly head: Tensor;
  constructor(vocab: number, dim: number, seed = 9) {
    super();
    this.emb = this.param('embed.weight', randn([vocab, dim], { seed }));
    this.head = this.param('head.weight', randn([vocab, dim], { seed: seed + 1, std: 1 / Math.sqrt(dim) }));
  }
  forward(x: Tensor): Tensor {
    return linear(embedding(x, this.emb), this.head);
  }
}

/** Three Gaussian blobs in `features` dimensions: a classification dataset with int32 labels. */
export function blobs(n = 96, features = 4, seed = 11): Dataset<Sample> {
  const rng = new Rng(seed);
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let f = 0; f < features; f++) x[i * features + f] = (f % 3 === c ? 2 : 0) + rng.normal() * 0.7;
  }
  return datasetFromArrays({ x, xShape: [n, features], y, yShape: [n] });
}

/** Loader over {@link blobs}: 6 batches of 16, shuffled with `seed`. */
export function blobLoader(seed = 7, dataset = blobs()): DataLoader {
  return new DataLoader(dataset, { batchSize: 16, shuffle: true, seed });
}

/** Segmentation scenes `[1, H, W]` whose mask is 1 where the pixel is bright. */
export function brightMasks(n = 16, size = 4, seed = 3): Dataset<Sample> {
  const rng = new Rng(seed);
  const x = new Float32Array(n * size * size);
  const y = new Int32Array(n * size * size);
  for (let i = 0; i < x.length; i++) {
    const on = rng.float() < 0.5;
    y[i] = on ? 1 : 0;
    x[i] = (on ? 1 : -1) + rng.normal() * 0.3;
  }
  return datasetFromArrays({ x, xShape: [n, 1, size, size], y, yShape: [n, size, size] });
}

/** Token windows of the cyclic sequence `0, 1, …, V−1, 0, …` with next-token targets. */
export function cyclicTokens(n = 24, t = 6, vocab = 5): Dataset<Sample> {
  const x = new Int32Array(n * t);
  const y = new Int32Array(n * t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      x[i * t + j] = (i + j) % vocab;
      y[i * t + j] = (i + j + 1) % vocab;
    }
  }
  return datasetFromArrays({ x, xShape: [n, t], y, yShape: [n, t] });
}

/** Reads every tensor of a state dict into plain arrays (for bitwise comparisons). */
export async function readDict(dict: Record<string, Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(dict)) out[k] = Array.from(await t.data());
  return out;
}

/** One learnable box `[x1, y1, x2, y2]`, predicted for every image: output `[N, 4]`. */
export class TinyBoxModel extends TinyModel {
  private readonly box: Tensor;
  constructor(start: readonly number[] = [0, 0, 4, 4]) {
    super();
    this.box = this.param('box', tensor(Float32Array.from(start), [1, 4]));
  }
  forward(x: Tensor): Tensor {
    // x is [N, 1] of ones: the product broadcasts the box to every image.
    return mul(x, this.box);
  }
}
