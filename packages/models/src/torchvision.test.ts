/**
 * torchvision / torch.nn / nanoGPT compatibility, proven with real weights: each fixture in
 * fixtures/models/ is a small model built from the library's own classes by
 * fixtures/generate_models.py (PyTorch 1.13, torchvision 0.14), saved as safetensors with its
 * keys verbatim, plus a fixed input and the eval-mode output. Each state dict loads with
 * `strict: true` into the matching skipnet model (built with the same small configuration
 * through the public builders) and the outputs match within 1e-4.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTensors, tidy, type Module, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { FPNSegmentation, TransformerEncoderLayer, createModel, type FPNDetector } from './index.js';
import { maxAbsDiff } from './test/helpers.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const dir = new URL('../../../fixtures/models/', import.meta.url);

function load(file: string): Record<string, Tensor> {
  return loadTensors(new Uint8Array(readFileSync(new URL(file, dir))), `fixtures/models/${file}`).tensors;
}

interface Fixture {
  /** Builds the skipnet model with the fixture's configuration. */
  readonly build: () => Module;
  /** Runs it: outputs by the names stored in `<case>.io.safetensors`. */
  readonly run?: (model: Module, x: Tensor) => Record<string, Tensor>;
  /** The module that loads the state dict (default: the model). */
  readonly target?: (model: Module) => Module;
}

const FIXTURES: Record<string, Fixture> = {
  resnet_basic: { build: () => createModel('resnet', { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 16, 32], numClasses: 5 }) },
  resnet_bottleneck: { build: () => createModel('resnet', { block: 'bottleneck', layers: [2, 1, 1, 1], widths: [4, 8, 8, 8], numClasses: 5 }) },
  resnext: {
    build: () => createModel('resnet', { block: 'bottleneck', layers: [1, 1, 1, 1], widths: [8, 8, 8, 8], groups: 4, widthPerGroup: 32, numClasses: 5 }),
  },
  wide_resnet: {
    build: () => createModel('resnet', { block: 'bottleneck', layers: [1, 1, 1, 1], widths: [4, 4, 4, 4], widthPerGroup: 128, inChannels: 1, numClasses: 5 }),
  },
  densenet: { build: () => createModel('densenet', { growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 2, numClasses: 5 }) },
  vit: { build: () => createModel('vit', { imageSize: 16, patchSize: 4, numLayers: 2, numHeads: 2, hiddenDim: 16, mlpDim: 32, numClasses: 5 }) },
  transformer_post_ln: { build: () => new TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0, normFirst: false }) },
  transformer_pre_ln: { build: () => new TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0, normFirst: true }) },
  gpt: { build: () => createModel('gpt', { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 }) },
  fpn: {
    build: () => new FPNSegmentation({ backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 8] }, fpnChannels: 8 }),
    target: (m) => (m as FPNSegmentation).backbone,
    run: (m, x) => {
      const [p2, p3, p4, p5] = (m as FPNSegmentation).pyramid(x) as [Tensor, Tensor, Tensor, Tensor];
      return { p2, p3, p4, p5 };
    },
  },
  // torchvision RetinaNet / FCOS: head(backbone(x)) on P3–P7 of a 64×48 batch.
  retinanet: {
    build: () => createModel('retinanet', { backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 16, 32] }, fpnChannels: 16, numClasses: 5 }),
    run: (m, x) => ({ ...(m as FPNDetector).headOutputs(x) }),
  },
  fcos: {
    build: () =>
      createModel('fcos', { backbone: { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 16, 32] }, fpnChannels: 32, headConvs: 2, numClasses: 5 }),
    run: (m, x) => ({ ...(m as FPNDetector).headOutputs(x) }),
  },
};

describe('torchvision weights load with strict: true and reproduce PyTorch outputs', () => {
  for (const [name, f] of Object.entries(FIXTURES)) {
    it(name, () => {
      const model = f.build();
      const target = f.target?.(model) ?? model;
      const state = load(`${name}.safetensors`);
      const io = load(`${name}.io.safetensors`);
      const result = target.loadStateDict(state, { strict: true });
      expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
      model.eval();
      tidy(() => {
        const outs = f.run ? f.run(model, io.input!) : { output: model.call(io.input!) };
        for (const [key, out] of Object.entries(outs)) {
          const expected = io[key]!;
          expect(out.shape, key).toEqual(expected.shape);
          expect(maxAbsDiff(out, expected), `${name}.${key}`).toBeLessThan(1e-4);
        }
      });
      // BN running statistics came from the checkpoint (torchvision trained them for 3 batches).
      const nbt = Object.entries(model.stateDict()).find(([k]) => k.endsWith('num_batches_tracked'));
      if (nbt) expect(nbt[1].dataSync()[0]).toBe(3);
      for (const t of [...Object.values(state), ...Object.values(io)]) t.dispose();
      model.dispose();
    });
  }

  it('a checkpoint of another configuration is rejected, naming every mismatch', () => {
    const model = createModel('resnet', { block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 16, 16], numClasses: 5 });
    const state = load('resnet_basic.safetensors');
    expect(() => model.loadStateDict(state, { strict: true })).toThrow(
      /shape mismatches .*\n.*layer4\.0\.conv1\.weight: checkpoint \[32,16,3,3\], model \[16,16,3,3\]/,
    );
    for (const t of Object.values(state)) t.dispose();
    model.dispose();
  });

  it('GPT loads a tied checkpoint stored under one name only (safetensors save_model style)', () => {
    const model = createModel('gpt', { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 });
    const state = load('gpt.safetensors');
    const io = load('gpt.io.safetensors');
    const { ['lm_head.weight']: head, ...rest } = state;
    model.loadStateDict(rest, { strict: true });
    model.eval();
    tidy(() => expect(maxAbsDiff(model.call(io.input!), io.output!)).toBeLessThan(1e-4));
    for (const t of [head!, ...Object.values(rest), ...Object.values(io)]) t.dispose();
    model.dispose();
  });
});
