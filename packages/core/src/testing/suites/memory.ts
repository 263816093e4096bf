import { expect, it } from 'vitest';
import { keep, memory, noGrad, tidy } from '../../engine.js';
import * as ops from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import type { ConformanceSuite } from '../suite.js';

/** Training steps of a small conv net leave `memory()` flat; a disposed tensor fails with an error that says so. */
export const memorySuite: ConformanceSuite = {
  name: 'memory',
  title: 'memory',
  register(ctx) {
    const steps = ctx.memorySteps;
    it(`${steps} training steps of a small conv net leave memory() flat`, async () => {
      const params = tidy(() =>
        [
          ops.mul(ops.randn([4, 1, 3, 3], { seed: 1 }), 0.3),
          ops.zeros([4]),
          ops.ones([4]),
          ops.zeros([4]),
          ops.mul(ops.randn([3, 4 * 4 * 4], { seed: 2 }), 0.1),
          ops.zeros([3]),
        ].map((p) => keep(p.requiresGrad_())),
      );
      const runningMean = keep(ops.zeros([4]));
      const runningVar = keep(ops.ones([4]));
      const x = keep(ops.randn([8, 1, 8, 8], { seed: 3 }));
      const y = keep(ops.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], { dtype: 'int32' }));
      const step = (): Tensor =>
        tidy(() => {
          const [w1, b1, g, beta, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
          let h = ops.conv2d(x, w1, b1, { padding: 1 });
          h = ops.batchNorm(h, runningMean, runningVar, g, beta, { training: true });
          h = ops.maxPool2d(ops.relu(h), 2);
          const logits = ops.linear(ops.flatten(h, 1), w2, b2);
          const loss = ops.crossEntropy(logits, y);
          loss.backward();
          noGrad(() => {
            for (const p of params) {
              ops.assign(p, ops.sub(p, ops.mul(p.grad!, 0.1)));
              p.grad!.dispose();
              p.grad = null;
            }
          });
          return loss;
        });
      const first = step();
      const firstLoss = await first.item();
      first.dispose();
      const baseline = memory();
      let last = 0;
      for (let i = 1; i < steps; i++) {
        const l = step();
        if (i === steps - 1) last = await l.item();
        l.dispose();
      }
      const after = memory();
      expect(after.tensors).toBe(baseline.tensors);
      expect(after.bytes).toBe(baseline.bytes);
      expect(last).toBeLessThan(firstLoss);
      [...params, runningMean, runningVar, x, y].forEach((p) => p.dispose());
    });
    it('using a disposed tensor throws an error that says so', () => {
      const x = ops.ones([2]);
      x.dispose();
      expect(() => ops.add(x, 1)).toThrow(/disposed/);
    });
  },
};
