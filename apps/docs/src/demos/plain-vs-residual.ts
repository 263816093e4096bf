/**
 * The plain-vs-residual experiment (He et al. 2015, Fig. 1 and 6) at browser size: a deep MLP
 * of blocks `x + tanh(W x + b)` and its plain twin `tanh(W x + b)`, built from the same seed
 * (identical initial weights), trained side by side on the same MNIST batches with Adam.
 * Each step records both losses and, per layer, the L2 norm of the weight gradient — the
 * data of the demo's loss curves and gradient-flow heatmaps.
 */
import { Adam, crossEntropy, manualSeed, noGrad, setSkips, sqrt, stack, sum, mul, tensor, tidy, type Module, type Tensor } from '@skipnet/core';
import type { Digits } from './data.js';
import { digitBatch } from './data.js';
import { deepMlp } from './models.js';

export interface Twin {
  model: Module;
  optimizer: Adam;
  /** Loss per step. */
  losses: number[];
  /** Per step, the gradient norm of each layer's weight (stem, blocks…, head). */
  gradNorms: number[][];
  /** Weight tensors whose gradient norms are recorded, in layer order. */
  weights: Tensor[];
}

export interface SessionOptions {
  depth: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
}

/** Layer labels of the heatmap rows: `stem`, `blocks.0` … `blocks.{depth-1}`, `head`. */
export function layerLabels(depth: number): string[] {
  return ['stem', ...Array.from({ length: depth }, (_, i) => `blocks.${i}`), 'head'];
}

function weightsOf(model: Module): Tensor[] {
  return model
    .namedParameters()
    .filter(([n]) => n.endsWith('weight'))
    .map(([, p]) => p);
}

export class PlainVsResidual {
  readonly plain: Twin;
  readonly residual: Twin;
  readonly depth: number;
  readonly batchSize: number;
  step = 0;
  #disposed = false;

  constructor(
    private readonly data: Digits,
    options: SessionOptions,
  ) {
    this.depth = options.depth;
    this.batchSize = options.batchSize ?? 32;
    const make = (skip: boolean): Twin => {
      manualSeed(options.seed ?? 0); // both twins start from the same weights
      const model = deepMlp(this.depth, skip);
      model.train();
      return { model, optimizer: new Adam(model.parameters(), { lr: options.lr ?? 1e-3 }), losses: [], gradNorms: [], weights: weightsOf(model) };
    };
    this.plain = make(false);
    this.residual = make(true);
  }

  /** Switches one block's skip in the residual network (the plain twin has none). */
  setBlockSkip(block: number, enabled: boolean): void {
    setSkips(this.residual.model, enabled, `blocks.${block}`);
  }

  /** Which blocks of the residual network currently have their skip on. */
  blockSkips(): boolean[] {
    const out: boolean[] = [];
    for (const [path, s] of this.residual.model.walk().map((v) => [v.path, v.module] as const)) {
      const m = /^blocks\.(\d+)$/.exec(path);
      if (m && 'skip' in s) out[Number(m[1])] = Boolean((s as { skip: boolean }).skip);
    }
    return out;
  }

  /** One training step of both networks on the same batch. */
  async trainStep(): Promise<void> {
    if (this.#disposed) return;
    const { x, y } = digitBatch(this.data, this.step * this.batchSize, this.batchSize);
    const results: [Tensor, Tensor][] = [];
    for (const twin of [this.plain, this.residual]) {
      results.push(
        tidy(() => {
          const xt = tensor(x, [this.batchSize, x.length / this.batchSize]);
          const yt = tensor(y, [this.batchSize], { dtype: 'int32' });
          twin.optimizer.zeroGrad();
          const loss = crossEntropy(twin.model.call(xt), yt);
          loss.backward();
          const norms = noGrad(() => stack(twin.weights.map((w) => (w.grad ? sqrt(sum(mul(w.grad, w.grad))) : tensor([0])))));
          twin.optimizer.step();
          return [loss, norms] as [Tensor, Tensor];
        }),
      );
    }
    const twins = [this.plain, this.residual];
    for (let i = 0; i < 2; i++) {
      const [loss, norms] = results[i]!;
      const [l, n] = await Promise.all([loss.data(), norms.data()]);
      loss.dispose();
      norms.dispose();
      twins[i]!.losses.push(l[0]!);
      twins[i]!.gradNorms.push(Array.from(n));
    }
    this.step++;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of [this.plain, this.residual]) {
      t.optimizer.dispose();
      t.model.dispose();
    }
  }
}
