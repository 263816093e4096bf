/** End to end on the reference backend: a small MLP learns two interleaving moons. */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  keep,
  linear,
  memory,
  randn,
  registerBackend,
  setBackend,
  tanh,
  tensor,
  tidy,
  crossEntropy,
  argmax,
  eq,
  mean,
  cast,
  uniformAt,
} from '@skipnet/core';
import { createCpuBackend } from './index.js';

/** sklearn's make_moons: two half circles, offset and interleaved, with Gaussian noise. */
function twoMoons(n: number, noise: number, seed: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * uniformAt(seed, 1, i);
    // Box–Muller noise from the same counter-based generator.
    const g = (k: number) => Math.sqrt(-2 * Math.log(uniformAt(seed, 2, 2 * i + k) + 1e-12)) * Math.cos(2 * Math.PI * uniformAt(seed, 3, 2 * i + k));
    x[2 * i] = (label === 0 ? Math.cos(t) : 1 - Math.cos(t)) + noise * g(0);
    x[2 * i + 1] = (label === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * g(1);
    y[i] = label;
  }
  return { x, y };
}

describe('two moons', () => {
  it('a 2-32-32-2 tanh MLP reaches ≥ 99% accuracy, with a flat memory profile', async () => {
    registerBackend('cpu', createCpuBackend);
    await setBackend('cpu');
    const { x, y } = twoMoons(400, 0.1, 7);
    const X = keep(tensor(x, [400, 2]));
    const Y = keep(tensor(y, [400], { dtype: 'int32' }));
    const init = (shape: number[], fanIn: number, seed: number) => keep(tidy(() => randn(shape, { seed }).mul(1 / Math.sqrt(fanIn))).requiresGrad_());
    const params = [
      init([32, 2], 2, 1),
      keep(tensor(new Float32Array(32), [32]).requiresGrad_()),
      init([32, 32], 32, 2),
      keep(tensor(new Float32Array(32), [32]).requiresGrad_()),
      init([2, 32], 32, 3),
      keep(tensor(new Float32Array(2), [2]).requiresGrad_()),
    ];
    const [w1, b1, w2, b2, w3, b3] = params as [typeof X, typeof X, typeof X, typeof X, typeof X, typeof X];
    const forward = () => linear(tanh(linear(tanh(linear(X, w1, b1)), w2, b2)), w3, b3);
    const opt = new Adam(params, { lr: 0.02 });
    let before = 0;
    for (let step = 0; step < 400; step++) {
      if (step === 1) before = memory().tensors;
      tidy(() => crossEntropy(forward(), Y).backward());
      opt.step();
      opt.zeroGrad();
    }
    expect(memory().tensors).toBe(before);
    const acc = tidy(() => mean(cast(eq(argmax(forward(), 1), Y), 'float32')));
    const accuracy = await acc.item();
    expect(accuracy).toBeGreaterThanOrEqual(0.99);
    [acc, X, Y, ...params].forEach((t) => t.dispose());
    opt.dispose();
  }, 60_000);
});
