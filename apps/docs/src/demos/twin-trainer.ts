/**
 * A demo model and, optionally, its plain twin, trained side by side on the same batches:
 * classification on MNIST digits or segmentation on `shapes` scenes. Each step runs inside
 * `tidy`; losses and batch accuracies are read back once per step.
 */
import { Adam, argmax, cast, crossEntropy, eq, manualSeed, mean, noGrad, stack, tensor, tidy, type Module, type Tensor } from '@skipnet/core';
import type { Digits } from './data.js';
import { digitBatch, shapesBatch } from './data.js';
import { buildDemoModel, DIGIT_SIDE, SHAPES_SIDE, type DemoModelSpec } from './models.js';

export type Task = 'classify' | 'segment';

export interface Run {
  label: string;
  model: Module;
  optimizer: Adam;
  losses: number[];
  /** Accuracy on each training batch (pixel accuracy for segmentation). */
  accuracy: number[];
}

export interface TwinOptions {
  task: Task;
  spec: DemoModelSpec;
  /** Train the plain twin too. */
  compare: boolean;
  batchSize?: number;
  seed?: number;
  digits?: Digits;
}

export class TwinTrainer {
  readonly runs: Run[];
  readonly task: Task;
  readonly batchSize: number;
  step = 0;
  #digits: Digits | undefined;
  #disposed = false;

  constructor(options: TwinOptions) {
    this.task = options.task;
    this.batchSize = options.batchSize ?? (options.task === 'segment' ? 8 : 16);
    this.#digits = options.digits;
    if (options.task === 'classify' && !options.digits) throw new Error('TwinTrainer: classification needs digits');
    const make = (skip: boolean): Run => {
      manualSeed(options.seed ?? 0); // the twins start from the same weights
      const model = buildDemoModel(options.spec, skip);
      model.train();
      return { label: skip ? 'with skips' : 'plain twin', model, optimizer: new Adam(model.parameters(), { lr: options.spec.lr }), losses: [], accuracy: [] };
    };
    this.runs = options.compare ? [make(true), make(false)] : [make(true)];
  }

  #batch(): { x: Float32Array; y: Int32Array; xShape: number[]; yShape: number[] } {
    const n = this.batchSize;
    if (this.task === 'classify') {
      const { x, y } = digitBatch(this.#digits!, this.step * n, n);
      return { x, y, xShape: [n, 1, DIGIT_SIDE, DIGIT_SIDE], yShape: [n] };
    }
    // A fresh stream of scenes: indices 1000+ keep the fixed preview scenes (0…) unseen.
    const { x, y } = shapesBatch(1000 + this.step * n, n);
    return { x, y, xShape: [n, 3, SHAPES_SIDE, SHAPES_SIDE], yShape: [n, SHAPES_SIDE, SHAPES_SIDE] };
  }

  async trainStep(): Promise<void> {
    if (this.#disposed) return;
    const b = this.#batch();
    const out: Tensor[] = this.runs.map((run) =>
      tidy(() => {
        const x = tensor(b.x, b.xShape);
        const y = tensor(b.y, b.yShape, { dtype: 'int32' });
        run.optimizer.zeroGrad();
        const logits = run.model.call(x);
        const loss = crossEntropy(logits, y);
        loss.backward();
        run.optimizer.step();
        const acc = noGrad(() => mean(cast(eq(argmax(logits, 1), y), 'float32')));
        return stack([loss, acc]);
      }),
    );
    for (let i = 0; i < out.length; i++) {
      const v = await out[i]!.data();
      out[i]!.dispose();
      this.runs[i]!.losses.push(v[0]!);
      this.runs[i]!.accuracy.push(v[1]!);
    }
    this.step++;
  }

  /** Predicted masks `[n, 32, 32]` of each run for scenes `x` `[n, 3, 32, 32]` (eval mode). */
  async predictMasks(x: Float32Array, n: number): Promise<Int32Array[]> {
    const outs = this.runs.map((run) =>
      tidy(() => {
        run.model.eval();
        try {
          return noGrad(() => argmax(run.model.call(tensor(x, [n, 3, SHAPES_SIDE, SHAPES_SIDE])), 1));
        } finally {
          run.model.train();
        }
      }),
    );
    const masks: Int32Array[] = [];
    for (const t of outs) {
      masks.push(Int32Array.from(await t.data()));
      t.dispose();
    }
    return masks;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const r of this.runs) {
      r.optimizer.dispose();
      r.model.dispose();
    }
  }
}
