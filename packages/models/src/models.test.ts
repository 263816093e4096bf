/**
 * Forward and backward of every architecture on small inputs on the cpu backend: output
 * shapes (segmentation nets at full resolution), a gradient on every parameter, no leaked
 * tensors, and the skip edges that `graph` reports for the model and its plain twin.
 * Widths and depths are shrunk through the builders' own options so each case runs in
 * well under a second.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { convTranspose2d, countSkips, crossEntropy, graph, manualSeed, memory, mean, ones, randint, randn, slice, tidy, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { bilinearKernel, createModel, type Model, FPNSegmentation } from './index.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

interface Case {
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly input: number[];
  readonly output: number[];
  /** Classification targets per sample (pixels for segmentation, tokens for GPT). */
  readonly loss?: 'mean';
  readonly dtype?: 'int32';
}

const tinyResNet = { widths: [4, 8, 8, 8], inChannels: 1, numClasses: 10 };

const CASES: Case[] = [
  { name: 'resnet18', options: tinyResNet, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'resnet34', options: tinyResNet, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'resnet50', options: { ...tinyResNet, widths: [4, 4, 4, 4] }, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'resnext50_32x4d', options: { widths: [16, 16, 16, 16], numClasses: 5 }, input: [2, 3, 32, 32], output: [2, 5] },
  { name: 'wide_resnet50_2', options: { widths: [2, 2, 2, 2], numClasses: 5 }, input: [2, 3, 32, 32], output: [2, 5] },
  { name: 'preact_resnet18', options: tinyResNet, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'preact_resnet50', options: { ...tinyResNet, widths: [4, 4, 4, 4] }, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'plain18', options: tinyResNet, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'resnet20', options: { inChannels: 1 }, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'plain20', options: { inChannels: 1 }, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'cifar_resnet', options: { depth: 14, shortcut: 'B', widths: [4, 8, 16] }, input: [2, 3, 32, 32], output: [2, 10] },
  { name: 'cifar_resnet', options: { depth: 14, preact: true, widths: [4, 8, 16] }, input: [2, 3, 32, 32], output: [2, 10] },
  {
    name: 'densenet',
    options: { imageSize: 28, inChannels: 1, growthRate: 4, blockConfig: [2, 2, 2, 2], numInitFeatures: 8, numClasses: 10 },
    input: [2, 1, 28, 28],
    output: [2, 10],
  },
  { name: 'densenet', options: { growthRate: 4, blockConfig: [2, 2, 2, 2], numInitFeatures: 8, numClasses: 7 }, input: [2, 3, 32, 32], output: [2, 7] },
  { name: 'densenet_bc_100', options: { growthRate: 2, inChannels: 1 }, input: [2, 1, 16, 16], output: [2, 10] },
  { name: 'fcn8s', options: { baseWidth: 4, fcWidth: 16, inChannels: 1, numClasses: 3 }, input: [2, 1, 28, 28], output: [2, 3, 28, 28] },
  { name: 'fcn8s_resnet18', options: { backbone: { widths: [4, 8, 8, 8] }, numClasses: 3 }, input: [2, 3, 40, 36], output: [2, 3, 40, 36] },
  { name: 'unet', options: { baseWidth: 4 }, input: [1, 1, 28, 28], output: [1, 2, 28, 28] },
  { name: 'unet', options: { baseWidth: 4, upMode: 'bilinear', batchNorm: true, inChannels: 3, numClasses: 4 }, input: [2, 3, 33, 30], output: [2, 4, 33, 30] },
  {
    name: 'fpn_resnet18',
    options: { backbone: { widths: [4, 8, 8, 8] }, fpnChannels: 8, headChannels: 8, numClasses: 3, inChannels: 1 },
    input: [2, 1, 28, 28],
    output: [2, 3, 28, 28],
  },
  { name: 'transformer_encoder', options: { dModel: 16, nhead: 2, numLayers: 2, dropout: 0 }, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'transformer_encoder_pre_ln', options: { dModel: 16, nhead: 2, numLayers: 2, activation: 'gelu' }, input: [2, 1, 28, 28], output: [2, 10] },
  { name: 'gpt', options: { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 }, input: [2, 8], output: [2, 8, 11], dtype: 'int32' },
  {
    name: 'vit',
    options: { imageSize: 28, patchSize: 7, numLayers: 2, numHeads: 2, hiddenDim: 16, mlpDim: 32, inChannels: 1, numClasses: 10 },
    input: [2, 1, 28, 28],
    output: [2, 10],
  },
  { name: 'mlp', options: { depth: 4, width: 16 }, input: [2, 1, 28, 28], output: [2, 10] },
];

function input(c: Case): Tensor {
  return c.dtype === 'int32' ? randint(0, c.output[c.output.length - 1]!, c.input) : randn(c.input);
}

/** Cross-entropy against random classes of the output's shape (pixels, tokens or samples). */
function lossOf(out: Tensor): Tensor {
  const classes = out.rank === 3 ? out.shape[2]! : out.shape[1]!;
  if (out.rank === 3) {
    // GPT: [B, T, V] → mean over tokens of the per-token cross-entropy.
    const [b, t, v] = out.shape as [number, number, number];
    return crossEntropy(out.reshape([b * t, v]), randint(0, classes, [b * t]));
  }
  const target = randint(0, classes, [out.shape[0]!, ...out.shape.slice(2)]);
  return crossEntropy(out, target);
}

describe('forward and backward on the cpu backend', () => {
  for (const c of CASES) {
    it(`${c.name} ${JSON.stringify(c.options)}: ${JSON.stringify(c.input)} → ${JSON.stringify(c.output)}`, () => {
      manualSeed(1);
      const before = memory().tensors;
      const model = createModel(c.name, c.options);
      const x = input(c);
      tidy(() => {
        const y = model.call(x);
        expect(y.shape).toEqual(c.output);
        lossOf(y).backward();
      });
      // Every parameter took part (FCN's zero-initialised score layers still pass gradients on).
      // In a plain twin only the unused projection shortcuts get none.
      const missing = model
        .namedParameters()
        .filter(([, p]) => !p.grad)
        .map(([n]) => n);
      const plain = c.name.startsWith('plain') || c.options.skip === false;
      expect(plain ? missing.filter((n) => !/\.downsample\./.test(n)) : missing).toEqual([]);
      for (const [, p] of model.namedParameters()) expect(p.grad?.dataSync().every(Number.isFinite) ?? true).toBe(true);
      // Eval mode runs too (running BN statistics, no dropout).
      model.eval();
      tidy(() => expect(model.call(x).shape).toEqual(c.output));
      x.dispose();
      model.zeroGrad();
      model.dispose();
      expect(memory().tensors).toBe(before);
    });
  }

  it('FPN returns P2–P5 at strides 4, 8, 16 and 32', () => {
    const model = createModel('fpn_resnet18', { backbone: { widths: [4, 8, 8, 8] }, fpnChannels: 8, headChannels: 8 }) as FPNSegmentation;
    const x = randn([1, 3, 64, 64]);
    tidy(() => {
      const ps = model.pyramid(x);
      expect(ps.map((p) => p.shape)).toEqual([
        [1, 8, 16, 16],
        [1, 8, 8, 8],
        [1, 8, 4, 4],
        [1, 8, 2, 2],
      ]);
    });
    x.dispose();
    model.dispose();
  });
});

describe('FCN-8s upsampling', () => {
  it('starts as bilinear interpolation: a constant map stays constant away from the border', () => {
    tidy(() => {
      const w = bilinearKernel(2, 4);
      const y = convTranspose2d(ones([1, 2, 4, 4]), w, null, { stride: 2, padding: 1 });
      expect(y.shape).toEqual([1, 2, 8, 8]);
      const inner = slice(y, [0, 0, 1, 1], [1, 2, 6, 6]).dataSync();
      for (const v of inner) expect(v).toBeCloseTo(1, 6);
    });
  });
});

describe('graph shows the skip edges, and the plain twins have none', () => {
  const cases: [string, Record<string, unknown>, number[], number][] = [
    // [model, options, input, skip connections]
    ['resnet20', { inChannels: 1 }, [1, 1, 28, 28], 9],
    ['resnet18', tinyResNet, [1, 1, 28, 28], 8],
    ['densenet', { growthRate: 2, blockConfig: [3, 2], numInitFeatures: 4 }, [1, 3, 32, 32], 5],
    ['unet', { baseWidth: 2 }, [1, 1, 16, 16], 4],
    ['fcn8s', { baseWidth: 2, fcWidth: 4 }, [1, 3, 32, 32], 2],
    ['fpn_resnet18', { backbone: { widths: [2, 2, 2, 2] }, fpnChannels: 2, headChannels: 2 }, [1, 3, 32, 32], 8 + 3],
    ['fcn8s_resnet18', { backbone: { widths: [2, 2, 2, 2] } }, [1, 3, 32, 32], 8 + 2],
    ['transformer_encoder', { dModel: 8, nhead: 2, numLayers: 2 }, [1, 1, 28, 28], 4],
    ['gpt', { vocabSize: 5, blockSize: 4, nLayer: 3, nHead: 1, nEmbd: 4 }, [1, 4], 6],
    ['vit', { imageSize: 8, patchSize: 4, numLayers: 2, numHeads: 1, hiddenDim: 4, mlpDim: 4 }, [1, 3, 8, 8], 4],
  ];
  for (const [name, options, shape, skips] of cases) {
    it(`${name}: ${skips} skip edges; plain twin: 0`, () => {
      const dtype = name === 'gpt' ? 'int32' : 'float32';
      const model: Model = createModel(name, options);
      expect(countSkips(model)).toBe(skips);
      const g = graph(model, shape, { dtype });
      const merges = new Set(g.skipEdges.map((e) => e.to));
      expect(merges.size).toBe(skips);
      // Every skip edge ends at a merge node of the matching kind.
      for (const e of g.skipEdges) expect(g.nodes[e.to]!.type).toMatch(/\((add|concat)\)$/);
      model.dispose();
      const plain: Model = createModel(name, { ...options, skip: false });
      expect(countSkips(plain)).toBe(0);
      expect(graph(plain, shape, { dtype }).skipEdges).toEqual([]);
      plain.dispose();
    });
  }
});

describe('plain twins', () => {
  it('share every parameter name and shape with the residual model', async () => {
    for (const [res, plain] of [
      ['resnet20', 'plain20'],
      ['resnet18', 'plain18'],
    ] as const) {
      const a = createModel(res, res === 'resnet18' ? tinyResNet : {});
      const b = createModel(plain, plain === 'plain18' ? tinyResNet : {});
      const shapes = (m: Model): [string, readonly number[]][] => m.namedParameters().map(([n, p]) => [n, p.shape]);
      expect(shapes(b)).toEqual(shapes(a));
      a.dispose();
      b.dispose();
    }
  });

  it('compute a different function from the same weights (the bypass is really gone)', () => {
    manualSeed(3);
    const a = createModel('resnet20', { inChannels: 1 });
    const b = createModel('plain20', { inChannels: 1 });
    b.loadStateDict(a.stateDict());
    const x = randn([2, 1, 12, 12]);
    tidy(() => {
      const diff = mean(a.call(x).sub(b.call(x)).abs()).itemSync();
      expect(diff).toBeGreaterThan(1e-3);
    });
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
