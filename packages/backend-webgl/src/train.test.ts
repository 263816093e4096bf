/**
 * A small ResNet-style conv net (conv-bn-relu stem, one residual block merged by the fused
 * add+relu, max pool, a grouped conv, global average pool, linear) trains on this backend in
 * the browser: its loss falls over 20 SGD steps with momentum, and neither skipnet's live
 * tensors nor tfjs's tensor count grows from step to step.
 */
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Linear,
  MaxPool2d,
  Module,
  SGD,
  addActivation,
  crossEntropy,
  flatten,
  manualSeed,
  add,
  memory,
  randn,
  registerBackend,
  relu,
  removeBackend,
  setBackend,
  tensor,
  tidy,
  type Tensor,
} from '@skipnet/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebglBackend, type WebglBackend } from './index.js';
import { testOptions } from './test/env.js';

class BasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  constructor(c: number) {
    super();
    this.conv1 = new Conv2d(c, c, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(c);
    this.conv2 = new Conv2d(c, c, 3, { padding: 1, bias: false, groups: 2 });
    this.bn2 = new BatchNorm2d(c);
  }
  override forward(x: Tensor): Tensor {
    const h = relu(this.bn1.call(this.conv1.call(x)));
    // The residual merge relu(main + x): one fused program on this backend.
    return addActivation(this.bn2.call(this.conv2.call(h)), x, 'relu');
  }
}

class TinyResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  maxpool: MaxPool2d;
  layer1: BasicBlock;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;
  constructor(classes: number) {
    super();
    this.conv1 = new Conv2d(1, 8, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(8);
    this.maxpool = new MaxPool2d(2);
    this.layer1 = new BasicBlock(8);
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.fc = new Linear(8, classes);
  }
  override forward(x: Tensor): Tensor {
    const h = this.maxpool.call(relu(this.bn1.call(this.conv1.call(x))));
    return this.fc.call(flatten(this.avgpool.call(this.layer1.call(h)), 1));
  }
}

let backend: WebglBackend;
beforeAll(async () => {
  registerBackend('webgl-train', async () => (backend = await createWebglBackend(testOptions)));
  await setBackend('webgl-train');
});
afterAll(() => removeBackend('webgl-train'));

it('a small ResNet trains for 20 steps: loss falls, skipnet and tfjs tensor counts stay flat', async () => {
  manualSeed(3);
  const net = new TinyResNet(3);
  const opt = new SGD(net.namedParameters(), { lr: 0.1, momentum: 0.9 });
  // Three classes told apart by where a bright square sits (top-left, centre, bottom-right).
  const n = 12;
  const img = new Float32Array(n * 8 * 8);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels.push(c);
    const o = [0, 2, 4][c]!;
    for (let r = 0; r < 4; r++) for (let k = 0; k < 4; k++) img[i * 64 + (o + r) * 8 + (o + k)] = 1;
  }
  const noise = randn([n, 1, 8, 8], { seed: 5, std: 0.1 });
  const clean = tensor(img, [n, 1, 8, 8]);
  const x = add(clean, noise);
  clean.dispose();
  noise.dispose();
  const y = tensor(labels, [n], { dtype: 'int32' });

  const step = (): Tensor =>
    tidy(() => {
      const loss = crossEntropy(net.call(x), y);
      loss.backward();
      opt.step();
      net.zeroGrad();
      return loss;
    });

  const losses: number[] = [];
  const first = step();
  losses.push(await first.item());
  first.dispose();
  // Momentum buffers exist from the first step on; everything after it must be flat.
  const ours = memory();
  const tfjs = backend.tfjsMemory().numTensors;
  for (let i = 1; i < 20; i++) {
    const l = step();
    losses.push(await l.item());
    l.dispose();
    expect(backend.tfjsMemory().numTensors, `tfjs tensors after step ${i + 1}`).toBe(tfjs);
  }
  expect(memory().tensors).toBe(ours.tensors);
  expect(memory().bytes).toBe(ours.bytes);
  expect(losses.every(Number.isFinite)).toBe(true);
  const early = (losses[0]! + losses[1]!) / 2;
  const late = (losses[18]! + losses[19]!) / 2;
  expect(late, `losses ${losses.map((v) => v.toFixed(3)).join(' ')}`).toBeLessThan(early * 0.5);
  console.log(`train: loss ${losses[0]!.toFixed(4)} → ${losses[19]!.toFixed(4)}; tfjs tensors ${tfjs}, skipnet tensors ${ours.tensors}`);

  x.dispose();
  y.dispose();
  net.dispose();
  opt.dispose();
});
