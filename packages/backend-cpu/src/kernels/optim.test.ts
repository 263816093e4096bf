import { describe, it } from 'vitest';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { dense, k, read } from '../test/helpers.js';

const n = 37;

describe('sgdStep', () => {
  const configs = [
    { momentum: 0, weightDecay: 0, nesterov: false },
    { momentum: 0, weightDecay: 0.1, nesterov: false },
    { momentum: 0.9, weightDecay: 0, nesterov: false },
    { momentum: 0.9, weightDecay: 5e-4, nesterov: false },
    { momentum: 0.8, weightDecay: 0.01, nesterov: true },
  ];
  for (const cfg of configs) {
    it(`matches torch.optim.SGD over 4 steps (${JSON.stringify(cfg)})`, () => {
      const lr = 0.05;
      const p0 = randomArray(n);
      const param = dense(p0.slice(), [n]);
      const velocity = dense(new Float32Array(n), [n]);
      const p = Float64Array.from(p0);
      const v = new Float64Array(n);
      for (let step = 0; step < 4; step++) {
        const g = randomArray(n);
        k.sgdStep({ param, grad: dense(g, [n]), ...(cfg.momentum > 0 ? { velocity } : {}) }, { lr, ...cfg, firstStep: step === 0 });
        for (let i = 0; i < n; i++) {
          let d = g[i]! + cfg.weightDecay * p[i]!;
          if (cfg.momentum > 0) {
            v[i] = step === 0 ? d : cfg.momentum * v[i]! + d;
            d = cfg.nesterov ? d + cfg.momentum * v[i]! : v[i]!;
          }
          p[i]! -= lr * d;
        }
      }
      assertClose(read(param.handle), p, { atol: 1e-6, rtol: 1e-5 }, 'param');
      if (cfg.momentum > 0) assertClose(read(velocity.handle), v, { atol: 1e-6, rtol: 1e-5 }, 'velocity');
    });
  }
});

describe('adamStep', () => {
  for (const decoupled of [false, true]) {
    for (const weightDecay of [0, 0.05]) {
      it(`matches torch.optim.${decoupled ? 'AdamW' : 'Adam'} over 5 steps (weightDecay ${weightDecay})`, () => {
        const lr = 0.01,
          beta1 = 0.9,
          beta2 = 0.999,
          eps = 1e-8;
        const p0 = randomArray(n);
        const param = dense(p0.slice(), [n]);
        const m = dense(new Float32Array(n), [n]);
        const v = dense(new Float32Array(n), [n]);
        const p = Float64Array.from(p0),
          mr = new Float64Array(n),
          vr = new Float64Array(n);
        for (let step = 1; step <= 5; step++) {
          const g = randomArray(n);
          k.adamStep({ param, grad: dense(g, [n]), m, v }, { lr, beta1, beta2, eps, weightDecay, decoupled, step });
          for (let i = 0; i < n; i++) {
            let gi = g[i]!;
            if (decoupled) p[i]! *= 1 - lr * weightDecay;
            else gi += weightDecay * p[i]!;
            mr[i] = beta1 * mr[i]! + (1 - beta1) * gi;
            vr[i] = beta2 * vr[i]! + (1 - beta2) * gi * gi;
            const mhat = mr[i]! / (1 - beta1 ** step);
            const vhat = vr[i]! / (1 - beta2 ** step);
            p[i]! -= (lr * mhat) / (Math.sqrt(vhat) + eps);
          }
        }
        assertClose(read(param.handle), p, { atol: 1e-6, rtol: 1e-5 }, 'param');
        assertClose(read(m.handle), mr, { atol: 1e-7, rtol: 1e-5 }, 'm');
        assertClose(read(v.handle), vr, { atol: 1e-9, rtol: 1e-5 }, 'v');
      });
    }
  }
});
