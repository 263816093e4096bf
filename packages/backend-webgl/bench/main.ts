/**
 * The bench page: times skipnet's webgl backend against tfjs-webgl used directly, in one page
 * (one WebGL context, one tfjs engine), on the same 3×3 convolution and a small ResNet training
 * step. Every timed iteration ends with an awaited readback, so queued GPU work is included.
 * Results go to `window.__bench` for `bench/run.mjs` and into the page.
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
  clone,
  conv2d,
  crossEntropy,
  flatten,
  keep,
  manualSeed,
  randint,
  randn,
  registerBackend,
  relu,
  setBackend,
  sum,
  tidy,
  type Tensor,
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

/** One implementation of a workload: a call that ends in an awaited readback, and its rate. */
interface Impl {
  readonly name: string;
  readonly run: () => Promise<void>;
  readonly rate: (ms: number) => string;
}

/**
 * Times implementations of one workload interleaved (one call of each per round, so load from
 * other processes hits them alike), after `warm` untimed rounds that compile the shaders;
 * records each one's median.
 */
async function compare(workload: string, impls: readonly Impl[], warm = 2): Promise<void> {
  const minRounds = quick ? 3 : 7;
  const minMs = quick ? 1000 : 6000;
  for (let i = 0; i < warm; i++) for (const m of impls) await m.run();
  const ts: number[][] = impls.map(() => []);
  const start = performance.now();
  for (let round = 0; round < 100 && (round < minRounds || performance.now() - start < minMs); round++) {
    for (let k = 0; k < impls.length; k++) {
      const t0 = performance.now();
      await impls[k]!.run();
      ts[k]!.push(performance.now() - t0);
    }
  }
  impls.forEach((m, k) => {
    const v = ts[k]!.sort((a, b) => a - b);
    const ms = v[Math.floor(v.length / 2)]!;
    rows.push({ workload, impl: m.name, ms, runs: v.length, rate: m.rate(ms) });
  });
  out.textContent = rows.map((x) => `${x.workload.padEnd(44)} ${x.impl.padEnd(48)} ${x.ms.toFixed(2).padStart(9)} ms  ${x.rate}`).join('\n');
}

const gflops =
  (flop: number) =>
  (ms: number): string =>
    `${(flop / ms / 1e6).toFixed(2)} GFLOP/s`;
const images =
  (n: number) =>
  (ms: number): string =>
    `${((n * 1000) / ms).toFixed(1)} images/s`;

/** Reads a tensor back and frees it. */
async function drain(t: Tensor | tf.Tensor): Promise<void> {
  await t.data();
  t.dispose();
}

async function convBench(): Promise<void> {
  const [N, C, H, W, OC] = [8, 16, 32, 32, 16];
  const flop = 2 * N * OC * H * W * C * 9;
  const what = `conv 3×3 N=${N} C=${C}→${OC} ${H}×${W}`;
  const x = randn([N, C, H, W], { seed: 1 });
  const w = randn([OC, C, 3, 3], { seed: 2, std: 0.1 });
  // Alternatives for groups = 1: this package's direct NCHW program, tfjs's NCHW kernel.
  const xh = x.storage.handle as WebglHandle;
  const wh = w.storage.handle as WebglHandle;
  const geo = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
  const direct = (): tf.Tensor =>
    tf.tidy(() =>
      runProgram(
        new GroupedConv2DProgram([N, C, H, W], [OC, C, 3, 3], [N, OC, H, W], geo, false, 'none'),
        [tf.reshape(xh.t, [N, C, H, W]), tf.reshape(wh.t, [OC, C, 3, 3])],
        'float32',
      ),
    );
  // The alternative for groups = 1: tfjs's own Conv2D kernel in NCHW.
  const tfjsNchw = (): tf.Tensor =>
    tf.tidy(() =>
      tf.conv2d(
        tf.reshape(xh.t, [N, C, H, W]) as tf.Tensor4D,
        tf.transpose(tf.reshape(wh.t, [OC, C, 3, 3]), [2, 3, 1, 0]) as tf.Tensor4D,
        1,
        [
          [0, 0],
          [0, 0],
          [1, 1],
          [1, 1],
        ],
        'NCHW',
      ),
    );
  const xt = tf.randomNormal([N, H, W, C]) as tf.Tensor4D;
  const wt = tf.mul(tf.randomNormal([3, 3, C, OC]), 0.1) as tf.Tensor4D;
  await compare(what, [
    { name: 'skipnet webgl (im2col + matmul)', run: () => drain(conv2d(x, w, null, { padding: 1 })), rate: gflops(flop) },
    { name: 'alternative: direct NCHW program', run: () => drain(direct()), rate: gflops(flop) },
    { name: 'alternative: tfjs Conv2D kernel in NCHW', run: () => drain(tfjsNchw()), rate: gflops(flop) },
    { name: 'tfjs-webgl NHWC', run: () => drain(tf.conv2d(xt, wt, 1, 'same')), rate: gflops(flop) },
  ]);

  // Forward + both backward passes.
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
    await drain(gw!);
    gx!.dispose();
  };
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
  const theirs = async (): Promise<void> => {
    const [gx, gw] = g([xt, wt]);
    await gx!.data();
    await drain(gw!);
    gx!.dispose();
  };
  await compare(`${what} fwd+bwd`, [
    { name: 'skipnet webgl', run: ours, rate: gflops(3 * flop) },
    { name: 'tfjs-webgl NHWC', run: theirs, rate: gflops(3 * flop) },
  ]);
  [x, w, xg, wg].forEach((t) => t.dispose());
  tf.dispose([xt, wt]);
}

async function groupedBench(): Promise<void> {
  const [N, C, H, G] = [8, 64, 16, 8];
  const flop = 2 * N * C * H * H * (C / G) * 9;
  const x = randn([N, C, H, H], { seed: 5 });
  const w = randn([C, C / G, 3, 3], { seed: 6, std: 0.1 });
  const xt = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
  const wt = tf.split(tf.mul(tf.randomNormal([3, 3, C / G, C]), 0.1), G, 3) as tf.Tensor4D[];
  await compare(`grouped conv 3×3 N=${N} C=${C} groups=${G} ${H}×${H}`, [
    { name: 'skipnet webgl (im2col + batched matmul)', run: () => drain(conv2d(x, w, null, { padding: 1, groups: G })), rate: gflops(flop) },
    // tfjs has no grouped convolution: split the channels, one conv per group, concat.
    {
      name: 'tfjs-webgl NHWC (split, conv per group, concat)',
      run: () =>
        drain(
          tf.tidy(() =>
            tf.concat(
              tf.split(xt, G, 3).map((xi, gi) => tf.conv2d(xi as tf.Tensor4D, wt[gi]!, 1, 'same')),
              3,
            ),
          ),
        ),
      rate: gflops(flop),
    },
  ]);
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
    await drain(loss);
  };

  // The same network in tfjs, NHWC, batch statistics by tf.moments, momentum SGD.
  const v = (shape: [number, number, number, number], std: number) => tf.variable(tf.mul(tf.randomNormal(shape), std) as tf.Tensor4D);
  const P = {
    w1: v([3, 3, 3, C], 0.2),
    g1: tf.variable(tf.ones([C])),
    b1: tf.variable(tf.zeros([C])),
    w2: v([3, 3, C, C], 0.1),
    g2: tf.variable(tf.ones([C])),
    b2: tf.variable(tf.zeros([C])),
    w3: v([3, 3, C, C], 0.1),
    g3: tf.variable(tf.ones([C])),
    b3: tf.variable(tf.zeros([C])),
    fw: tf.variable(tf.mul(tf.randomNormal([C, K]), 0.2) as tf.Tensor2D),
    fb: tf.variable(tf.zeros([K])),
  };
  const bn = (h: tf.Tensor4D, g: tf.Variable, b: tf.Variable): tf.Tensor4D => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
  };
  const xt = tf.randomNormal([N, S, S, 3]) as tf.Tensor4D;
  const yt = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: N }, (_, i) => i % K),
      'int32',
    ),
    K,
  );
  const topt = tf.train.momentum(0.05, 0.9);
  const loss = (): tf.Scalar => {
    let h = tf.relu(bn(tf.conv2d(xt, P.w1, 1, 'same'), P.g1, P.b1));
    const r = tf.relu(bn(tf.conv2d(h, P.w2, 1, 'same'), P.g2, P.b2));
    h = tf.relu(tf.add<tf.Tensor4D>(bn(tf.conv2d(r, P.w3, 1, 'same'), P.g3, P.b3), h));
    h = tf.maxPool(h, 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.mean(h, [1, 2]), P.fw), P.fb);
    return tf.losses.softmaxCrossEntropy(yt, logits) as tf.Scalar;
  };
  const theirs = (): Promise<void> => drain(topt.minimize(loss, true)!);

  await compare(what, [
    { name: 'skipnet webgl (NCHW)', run: ours, rate: images(N) },
    { name: 'tfjs-webgl (NHWC)', run: theirs, rate: images(N) },
  ]);
  [x, y].forEach((t) => t.dispose());
  opt.dispose();
  net.dispose();
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
