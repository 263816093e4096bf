/**
 * The registry: exact parameter counts of the published architectures (built on the meta
 * backend, so no weight memory is allocated), torchvision/nanoGPT key names, build times,
 * unknown names, and input checks that fail before any compute.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, randn, setBackend, tidy, zeros } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { countParametersOf, createModel, listModels, modelInfo, onMeta, type Model } from './index.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

/** Published parameter counts (torchvision's model cards; He et al. 2015 Table 6; Huang et al. 2017; U-Net; nanoGPT). */
const COUNTS: [string, Record<string, unknown>, number][] = [
  ['resnet18', {}, 11_689_512],
  ['resnet34', {}, 21_797_672],
  ['resnet50', {}, 25_557_032],
  ['resnet101', {}, 44_549_160],
  ['resnet152', {}, 60_192_808],
  ['resnext50_32x4d', {}, 25_028_904],
  ['resnext101_32x8d', {}, 88_791_336],
  ['wide_resnet50_2', {}, 68_883_240],
  ['densenet121', {}, 7_978_856],
  ['densenet161', {}, 28_681_000],
  ['densenet169', {}, 14_149_480],
  ['densenet201', {}, 20_013_928],
  ['vit_b_16', {}, 86_567_656],
  ['gpt2', {}, 124_439_808],
  ['gpt', { nLayer: 12, nHead: 12, nEmbd: 768, vocabSize: 50257, blockSize: 1024 }, 124_439_808],
  ['resnet20', {}, 269_722],
  ['resnet32', {}, 464_154],
  ['resnet44', {}, 658_586],
  ['resnet56', {}, 853_018],
  ['resnet110', {}, 1_727_962],
  ['densenet_bc_100', {}, 769_162],
  ['unet', { inChannels: 1, numClasses: 2 }, 31_030_658],
];

describe('parameter counts', () => {
  for (const [name, options, expected] of COUNTS) {
    it(`${name}: ${expected.toLocaleString('en-US')}`, async () => {
      const model = await onMeta(() => createModel(name, options));
      expect(model.numParameters()).toBe(expected);
      model.dispose();
    });
  }

  it('plain twins have the same counts (the shortcuts of option A have no parameters)', async () => {
    for (const [res, plain] of [
      ['resnet20', 'plain20'],
      ['resnet110', 'plain110'],
      ['resnet34', 'plain34'],
    ]) {
      const [a, b] = await onMeta(() => [createModel(res!), createModel(plain!)]);
      expect(b.numParameters()).toBe(a.numParameters());
      a.dispose();
      b.dispose();
    }
  });

  it('building on the meta backend is fast and holds no data; the active backend is restored', async () => {
    const t0 = performance.now();
    const models = await onMeta(() => ['resnext101_32x8d', 'gpt2', 'vit_b_16', 'wide_resnet50_2', 'densenet161'].map((n) => createModel(n)));
    const ms = performance.now() - t0;
    expect(memory({ all: true }).meta!.bytes).toBe(0);
    // Measured ≈ 30–60 ms for all five (376M parameters) on this 2-core machine; the cpu
    // backend needs 60–100 ns per parameter (seeded normals): 5.5–9.4 s for ResNeXt-101 alone.
    expect(ms).toBeLessThan(2000);
    expect(models.map((m) => m.parameters()[0]!.backend)).toEqual(['meta', 'meta', 'meta', 'meta', 'meta']);
    for (const m of models) m.dispose();
    expect(zeros([1]).backend).toBe('cpu');
    await setBackend('cpu');
  });

  it('countParametersOf builds on meta and frees what it built', async () => {
    const before = memory({ all: true }).meta?.buffers ?? 0;
    expect(await countParametersOf(() => createModel('resnet50'))).toBe(25_557_032);
    expect(memory({ all: true }).meta!.buffers).toBe(before);
  });

  it('a cpu build allocates each weight once (bytes = 4 × elements of parameters and buffers)', () => {
    const before = memory().bytes;
    const model = createModel('resnet20');
    const elements = [...model.parameters(), ...model.buffers()].reduce((n, t) => n + t.size, 0);
    expect(memory().bytes - before).toBe(4 * elements);
    model.dispose();
    expect(memory().bytes).toBe(before);
  });

  it('GPT ties lm_head to wte: one tensor under both names, counted once', async () => {
    const gpt = createModel('gpt', { vocabSize: 7, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 });
    const sd = gpt.stateDict();
    expect(sd['lm_head.weight']).toBe(sd['transformer.wte.weight']);
    expect(gpt.numParameters()).toBe(
      Object.entries(sd)
        .filter(([k]) => k !== 'lm_head.weight')
        .reduce((n, [, t]) => n + t.size, 0),
    );
    gpt.dispose();
  });
});

describe('state-dict keys are torchvision / nanoGPT keys', () => {
  const has = async (name: string, keys: string[], options: Record<string, unknown> = {}): Promise<void> => {
    const model = await onMeta(() => createModel(name, options));
    const sd = model.stateDict();
    for (const k of keys) expect(Object.keys(sd), `${name} has ${k}`).toContain(k);
    model.dispose();
  };
  it('ResNet', () =>
    has('resnet50', [
      'conv1.weight',
      'bn1.running_mean',
      'bn1.num_batches_tracked',
      'layer1.0.conv1.weight',
      'layer1.0.downsample.0.weight',
      'layer1.0.downsample.1.running_var',
      'layer4.2.bn3.bias',
      'fc.weight',
      'fc.bias',
    ]));
  it('DenseNet', () =>
    has('densenet121', [
      'features.conv0.weight',
      'features.norm0.weight',
      'features.denseblock1.denselayer1.norm1.weight',
      'features.denseblock1.denselayer1.conv2.weight',
      'features.transition1.conv.weight',
      'features.denseblock4.denselayer16.conv2.weight',
      'features.norm5.running_mean',
      'classifier.weight',
    ]));
  it('ViT', () =>
    has('vit_b_16', [
      'conv_proj.weight',
      'class_token',
      'encoder.pos_embedding',
      'encoder.layers.encoder_layer_0.ln_1.weight',
      'encoder.layers.encoder_layer_0.self_attention.in_proj_weight',
      'encoder.layers.encoder_layer_0.self_attention.out_proj.weight',
      'encoder.layers.encoder_layer_0.mlp.0.weight',
      'encoder.layers.encoder_layer_11.mlp.3.bias',
      'encoder.ln.weight',
      'heads.head.weight',
    ]));
  it('GPT', () =>
    has('gpt2', [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.0.mlp.c_proj.weight',
      'transformer.h.11.ln_2.bias',
      'transformer.ln_f.weight',
      'lm_head.weight',
    ]));
  it('CIFAR ResNet (akamaster names), U-Net (milesial names), FCN-8s, FPN', async () => {
    await has('resnet20', ['conv1.weight', 'layer1.0.conv1.weight', 'layer3.2.bn2.weight', 'linear.weight']);
    await has('cifar_resnet', ['layer2.0.downsample.0.weight', 'layer2.0.downsample.1.weight'], { shortcut: 'B' });
    await has('unet', [
      'inc.double_conv.0.weight',
      'down1.maxpool_conv.1.double_conv.2.weight',
      'up1.up.weight',
      'up4.conv.double_conv.2.bias',
      'outc.conv.weight',
    ]);
    await has('fcn8s', [
      'features.0.weight',
      'features.28.weight',
      'fc6.weight',
      'fc7.weight',
      'score_fr.weight',
      'score_pool4.weight',
      'score_pool3.weight',
      'upscore2.weight',
      'upscore_pool4.weight',
      'upscore8.weight',
    ]);
    await has('fpn', [
      'backbone.body.conv1.weight',
      'backbone.body.layer4.2.bn3.weight',
      'backbone.fpn.inner_blocks.0.0.weight',
      'backbone.fpn.layer_blocks.3.0.bias',
      'head.predictor.weight',
    ]);
  });
});

describe('registry', () => {
  it('lists every model, the plain twins the CLI compares included', () => {
    const names = listModels();
    for (const n of [
      'resnet18',
      'resnet20',
      'plain20',
      'plain56',
      'plain110',
      'densenet_bc_100',
      'fcn8s',
      'unet',
      'fpn',
      'gpt2',
      'vit_b_16',
      'transformer_encoder',
      'transformer_encoder_pre_ln',
      'mlp',
    ]) {
      expect(names).toContain(n);
    }
    expect(modelInfo('plain20').description).toMatch(/without its shortcuts/);
  });

  it('an unknown name lists the valid ones (and suggests a close one)', () => {
    expect(() => createModel('resnet19')).toThrow(/Unknown model 'resnet19'\. Did you mean 'resnet18'.*Valid models: .*plain20.*resnet20/);
    expect(() => modelInfo('nope')).toThrow(/Valid models: /);
  });

  it('options must be an object', () => {
    expect(() => createModel('resnet20', 3 as never)).toThrow(/options must be an object/);
  });
});

describe('bad input fails before any compute, naming the expected shape', () => {
  // Built on the meta backend, whose compute kernels throw: getting the shape message proves
  // the check runs before the first kernel.
  const bad: [string, Record<string, unknown>, number[], RegExp][] = [
    ['resnet18', {}, [1, 1, 224, 224], /resnet18: expected input \[N, 3, H, W\], got \[1, 1, 224, 224\] float32 \(1 channel\)/],
    ['resnet20', { inChannels: 1 }, [1, 3, 28, 28], /resnet20: expected input \[N, 1, H, W\], got \[1, 3, 28, 28\] float32 \(3 channels\)/],
    ['resnet20', {}, [3, 32, 32], /expected input \[N, 3, H, W\], got \[3, 32, 32\] float32 \(rank 3\)/],
    ['densenet121', {}, [1, 3, 28, 28], /densenet121: expected input \[N, 3, H, W\] with H, W ≥ 29, got \[1, 3, 28, 28\]/],
    ['unet', {}, [1, 1, 15, 64], /unet: expected input \[N, 1, H, W\] with H, W ≥ 16/],
    ['vit_b_16', {}, [1, 3, 32, 32], /vit_b_16: expected input \[N, 3, 224, 224\], got \[1, 3, 32, 32\] float32 \(size 32×32\)/],
    ['transformer_encoder', {}, [1, 1, 32, 32], /expected input \[N, 1, 28, 28\]/],
    ['fcn8s', {}, [1, 4, 64, 64], /fcn8s: expected input \[N, 3, H, W\]/],
    ['fpn', { inChannels: 1 }, [1, 3, 64, 64], /fpn: expected input \[N, 1, H, W\]/],
    ['mlp', {}, [2, 3, 28, 28], /mlp: expected input \[N, 784\] .*\(2352 elements per sample\)/],
  ];
  for (const [name, options, shape, message] of bad) {
    it(`${name} ${JSON.stringify(shape)}`, async () => {
      const [model, x] = await onMeta((): [Model, ReturnType<typeof zeros>] => [createModel(name, options), zeros(shape)]);
      expect(() => tidy(() => model.call(x))).toThrow(message);
      model.dispose();
      x.dispose();
    });
  }

  it('GPT: float input, or a context longer than the block size', async () => {
    const gpt = createModel('gpt', { vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 });
    const f = randn([1, 4]);
    expect(() => gpt.call(f)).toThrow(/gpt: expected input \[N, T\] int32 token ids with 1 ≤ T ≤ 4, got \[1, 4\] float32 \(dtype float32/);
    const long = zeros([1, 5], { dtype: 'int32' });
    expect(() => gpt.call(long)).toThrow(/got \[1, 5\] int32 \(length 5 > block size 4\)/);
    for (const t of [f, long]) t.dispose();
    gpt.dispose();
  });

  it('the generic ViT picks a patch that divides MNIST-sized images', async () => {
    const vit = await onMeta(() => createModel('vit', { imageSize: 28, inChannels: 1, numClasses: 10 }));
    expect(vit.stateDict()['conv_proj.weight']!.shape).toEqual([768, 1, 7, 7]);
    expect(vit.stateDict()['encoder.pos_embedding']!.shape).toEqual([1, 17, 768]);
    vit.dispose();
  });

  it('DenseNet-121 fits 28×28 when told the image size: conv0 at stride 1, same keys and count', async () => {
    const [a, b] = await onMeta(() => [createModel('densenet121'), createModel('densenet121', { imageSize: 28, inChannels: 1 })]);
    expect(Object.keys(b.stateDict())).toEqual(Object.keys(a.stateDict()));
    expect(b.numParameters()).toBe(7_978_856 - 2 * 64 * 49);
    expect(b.inputSpec.minSize).toBe(15);
    a.dispose();
    b.dispose();
  });

  it('bad builder arguments name the problem', () => {
    expect(() => createModel('cifar_resnet', { depth: 21 })).toThrow(/depth must be 6n \+ 2/);
    expect(() => createModel('vit', { imageSize: 30, patchSize: 7 })).toThrow(/imageSize 30 must be a multiple of patchSize 7/);
    expect(() => createModel('resnext50_32x4d', { widths: [2, 2, 2, 2] })).toThrow(/width .* is 0/);
  });
});
