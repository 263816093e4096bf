/**
 * The bench page: times skipnet's webgl backend against tfjs-webgl used directly, in one page
 * (one WebGL context, one tfjs engine), on the same 3×3 convolution and a small ResNet training
 * step. Every timed iteration ends with an awaited readback, so queued GPU work is included.
 * Results go to `window.__bench` for `bench/run.mjs` and into the page.
 */
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, SGD, addActivation, clone, conv2d, crossEntropy, flatten, keep, manualSeed,
  randint, randn, registerBackend, relu, setBackend, sum, tidy, type Tensor,
} from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createWebglBackend, type WebglHandle } from '../src/index.js';
import { runProgram } from '../src/context.js';
import { GroupedConv2DProgram } from '../src/programs/conv.js';

/** One timed workload. */
interface Row {
  workload: string;
  impl: string;
  ms: number;
  runs: number;
  rate: string;
}

declare global {
  interface Window {
    __bench?: { done: boolean; rows: Row[]; renderer: string; precision: number; userAgent: string; error?: string };
  }
}

const out = document.getElementById('out')!;
const rows: Row[] = [];
const params = new URLSearchParams(location.search);
const quick = params.has('quick');

/** Median wall time of `fn` (each call awaits its readback) after `warm` untimed calls. */
async function time(fn: () => Promise<void>, warm = 3, minRuns = quick ? 3 : 5, minMs = quick ? 500 : 2000): Promise<{ ms: number; runs: number }> {
  for (let i = 0; i < warm; i++) await fn();
  const ts: number[] = [];
  const start = performance.now();
  while (ts.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
    if (ts.length >= 200) break;
  }
  ts.sort((a, b) => a - b);
  return { ms: ts[Math.floor(ts.length / 2)]!, runs: ts.length };
}

function record(workload: string, impl: string, r: { ms: number; runs: number }, rate: string): void {
  rows.push({ workload, impl, ms: r.ms, runs: r.runs, rate });
  out.textContent = rows.map((x) => `${x.workload.padEnd(44)} ${x.impl.padEnd(48)} ${x.ms.toFixed(2).padStart(9)} ms  ${x.rate}`).join('\n');
}

const gflops = (flop: number, ms: number): string => `${(flop / ms / 1e6).toFixed(2)} GFLOP/s`;

async function convBench(): Promise<void> {
  const [N, C, H, W, OC] = [8, 16, 32, 32, 16];
  const flop = 2 * N * OC * H * W * C * 9;
  const what = `conv 3×3 N=${N} C=${C}→${OC} ${H}×${W}`;
  const x = randn([N, C, H, W], { seed: 1 });
  const w = randn([OC, C, 3, 3], { seed: 2, std: 0.1 });
  const read = async (t: Tensor): Promise<void> => {
    await t.data();
    t.dispose();
  };

  record(what, 'skipnet webgl (tfjs NCHW kernel)', await time(() => read(conv2d(x, w, null, { padding: 1 }))), '');
  rows.at(-1)!.rate = gflops(flop, rows.at(-1)!.ms);

  // The alternative for groups = 1: this package's direct NCHW program.
  const xh = x.storage.handle as WebglHandle;
  const wh = w.storage.handle as WebglHandle;
  const direct = async (): Promise<void> => {
    const y = tf.tidy(() =>
      runProgram(new GroupedConv2DProgram([N, C, H, W], [OC, C, 3, 3], [N, OC, H, W], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }, false, 'none'),
        [tf.reshape(xh.t, [N, C, H, W]), tf.reshape(wh.t, [OC, C, 3, 3])], 'float32'));
    await y.data();
    y.dispose();
  };
  const rd = await time(direct);
  record(what, 'skipnet direct NCHW program', rd, gflops(flop, rd.ms));

  const xt = tf.randomNormal([N, H, W, C]) as tf.Tensor4D;
  const wt = tf.mul(tf.randomNormal([3, 3, C, OC]), 0.1) as tf.Tensor4D;
  const tfjs = async (): Promise<void> => {
    const y = tf.conv2d(xt, wt, 1, 'same');
    await y.data();
    y.dispose();
  };
  const rt = await time(tfjs);
  record(what, 'tfjs-webgl NHWC', rt, gflops(flop, rt.ms));

  // Forward + both backward passes.
  const wb = `${what} fwd+bwd`;
  const xg = keep(clone(x).requiresGrad_());
  const wg = keep(clone(w).requiresGrad_());
  const ours = async (): Promise<void> => {
    const [gx, gw] = tidy(() => {
      sum(conv2d(xg, wg, null, { padding: 1 })).backward();
      const r = [xg.grad!, wg.grad!];
      xg.grad = null;
      wg.grad = null;
      return r;
    });
    await gx!.data();
    await gw!.data();
    gx!.dispose();
    gw!.dispose();
  };
  const ro = await time(ours);
  record(wb, 'skipnet webgl', ro, gflops(3 * flop, ro.ms));
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
  const tfjsB = async (): Promise<void> => {
    const [gx, gw] = g([xt, wt]);
    await gx!.data();
    await gw!.data();
    tf.dispose([gx!, gw!]);
  };
  const rb = await time(tfjsB);
  record(wb, 'tfjs-webgl NHWC', rb, gflops(3 * flop, rb.ms));
  [x, w, xg, wg].forEach((t) => t.dispose());
  tf.dispose([xt, wt]);
}

async function groupedBench(): Promise<void> {
  const [N, C, H, G] = [8, 64, 16, 8];
  const flop = 2 * N * C * H * H * (C / G) * 9;
  const what = `grouped conv 3×3 N=${N} C=${C} groups=${G} ${H}×${H}`;
  const x = randn([N, C, H, H], { seed: 5 });
  const w = randn([C, C / G, 3, 3], { seed: 6, std: 0.1 });
  const ro = await time(async () => {
    const y = conv2d(x, w, null, { padding: 1, groups: G });
    await y.data();
    y.dispose();
  });
  record(what, 'skipnet webgl (im2col + batched matmul)', ro, gflops(flop, ro.ms));
  // tfjs has no grouped convolution: split the channels, one conv per group, concat.
  const xt = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
  const wt = tf.split(tf.mul(tf.randomNormal([3, 3, C / G, C]), 0.1), G, 3) as tf.Tensor4D[];
  const rt = await time(async () => {
    const y = tf.tidy(() => tf.concat(tf.split(xt, G, 3).map((xi, g) => tf.conv2d(xi as tf.Tensor4D, wt[g]!, 1, 'same')), 3));
    await y.data();
    y.dispose();
  });
  record(what, 'tfjs-webgl NHWC (split, conv per group, concat)', rt, gflops(flop, rt.ms));
  [x, w].forEach((t) => t.dispose());
  tf.dispose([xt, ...wt]);
}

class Block extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  constructor(c: number) {
    super();
    this.conv1 = new Conv2d(c, c, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(c);
    this.conv2 = new Conv2d(c, c, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(c);
  }
  override forward(x: Tensor): Tensor {
    return addActivation(this.bn2.call(this.conv2.call(relu(this.bn1.call(this.conv1.call(x))))), x, 'relu');
  }
}

class SmallResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  layer1: Block;
  maxpool: MaxPool2d;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;
  constructor(c: number, classes: number) {
    super();
    this.conv1 = new Conv2d(3, c, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(c);
    this.layer1 = new Block(c);
    this.maxpool = new MaxPool2d(2);
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.fc = new Linear(c, classes);
  }
  override forward(x: Tensor): Tensor {
    const h = this.maxpool.call(this.layer1.call(relu(this.bn1.call(this.conv1.call(x)))));
    return this.fc.call(flatten(this.avgpool.call(h), 1));
  }
}

async function resnetBench(): Promise<void> {
  const [N, S, C, K] = [16, 16, 16, 10];
  const what = `ResNet step N=${N} 3×${S}×${S} C=${C}`;
  manualSeed(1);
  const net = new SmallResNet(C, K);
  const opt = new SGD(net.namedParameters(), { lr: 0.05, momentum: 0.9 });
  const x = randn([N, 3, S, S], { seed: 3 });
  const y = randint(0, K, [N], { seed: 4 });
  const ours = async (): Promise<void> => {
    const loss = tidy(() => {
      const l = crossEntropy(net.call(x), y);
      l.backward();
      opt.step();
      net.zeroGrad();
      return l;
    });
    await loss.data();
    loss.dispose();
  };
  const ro = await time(ours, 3, quick ? 3 : 5);
  record(what, 'skipnet webgl (NCHW)', ro, `${((N * 1000) / ro.ms).toFixed(1)} images/s`);
  [x, y].forEach((t) => t.dispose());
  opt.dispose();
  net.dispose();

  // The same network in tfjs, NHWC, batch statistics by tf.moments, momentum SGD.
  const v = (shape: [number, number, number, number], std: number) => tf.variable(tf.mul(tf.randomNormal(shape), std) as tf.Tensor4D);
  const P = {
    w1: v([3, 3, 3, C], 0.2), g1: tf.variable(tf.ones([C])), b1: tf.variable(tf.zeros([C])),
    w2: v([3, 3, C, C], 0.1), g2: tf.variable(tf.ones([C])), b2: tf.variable(tf.zeros([C])),
    w3: v([3, 3, C, C], 0.1), g3: tf.variable(tf.ones([C])), b3: tf.variable(tf.zeros([C])),
    fw: tf.variable(tf.mul(tf.randomNormal([C, K]), 0.2) as tf.Tensor2D), fb: tf.variable(tf.zeros([K])),
  };
  const bn = (h: tf.Tensor4D, g: tf.Variable, b: tf.Variable): tf.Tensor4D => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
  };
  const xt = tf.randomNormal([N, S, S, 3]) as tf.Tensor4D;
  const yt = tf.oneHot(tf.tensor1d(Array.from({ length: N }, (_, i) => i % K), 'int32'), K);
  const topt = tf.train.momentum(0.05, 0.9);
  const loss = (): tf.Scalar => {
    let h = tf.relu(bn(tf.conv2d(xt, P.w1, 1, 'same'), P.g1, P.b1));
    const r = tf.relu(bn(tf.conv2d(h, P.w2, 1, 'same'), P.g2, P.b2));
    h = tf.relu(tf.add<tf.Tensor4D>(bn(tf.conv2d(r, P.w3, 1, 'same'), P.g3, P.b3), h));
    h = tf.maxPool(h, 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.mean(h, [1, 2]), P.fw), P.fb);
    return tf.losses.softmaxCrossEntropy(yt, logits) as tf.Scalar;
  };
  const tfjs = async (): Promise<void> => {
    const l = topt.minimize(loss, true)!;
    await l.data();
    l.dispose();
  };
  const rt = await time(tfjs, 3, quick ? 3 : 5);
  record(what, 'tfjs-webgl (NHWC)', rt, `${((N * 1000) / rt.ms).toFixed(1)} images/s`);
  topt.dispose();
  tf.dispose([xt, yt, ...Object.values(P)]);
}

async function main(): Promise<void> {
  registerBackend('webgl', () => createWebglBackend());
  await setBackend('webgl');
  const backend = await createWebglBackend();
  window.__bench = { done: false, rows, renderer: backend.device.renderer, precision: backend.floatPrecision, userAgent: navigator.userAgent };
  backend.dispose();
  await convBench();
  await groupedBench();
  await resnetBench();
  window.__bench.done = true;
}

main().catch((e: unknown) => {
  window.__bench = { done: true, rows, renderer: '', precision: 0, userAgent: navigator.userAgent, error: String((e as Error)?.stack ?? e) };
  out.textContent = `error: ${String(e)}`;
});
