/** Module registration, names, state dicts, modes and initialisation on the cpu backend. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import {
  manualSeed,
  memory,
  registerBackend,
  setBackend,
  tidy,
  tensor,
  zeros,
  randn,
  sum,
  mean,
  variance,
  Module,
  Skip,
  Sequential,
  ModuleList,
  ModuleDict,
  Conv2d,
  BatchNorm2d,
  BatchNorm1d,
  Linear,
  ReLU,
  Embedding,
  LayerNorm,
  GroupNorm,
  MultiheadAttention,
  init,
  seq,
  type Branches,
  type Tensor,
} from '../index.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

const conv3x3 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 1, { stride, bias: false });

/** torchvision's BasicBlock, built from the Skip options. */
function basicBlock(inplanes: number, planes: number, stride = 1): Skip {
  const relu = new ReLU();
  const downsample = stride !== 1 || inplanes !== planes ? new Sequential(conv1x1(inplanes, planes, stride), new BatchNorm2d(planes)) : null;
  return new Skip({
    main: { conv1: conv3x3(inplanes, planes, stride), bn1: new BatchNorm2d(planes), relu, conv2: conv3x3(planes, planes), bn2: new BatchNorm2d(planes) },
    shortcut: downsample ? { downsample } : null,
    post: relu,
  });
}

/** torchvision's BasicBlock as a Skip subclass registering its layers directly. */
class BasicBlock extends Skip {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare downsample: Sequential | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super({ merge: 'add' });
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
    this.post = this.relu;
  }
  protected override branches(x: Tensor, s: Tensor): Branches {
    const main = seq(x, this.conv1, this.bn1, this.relu, this.conv2, this.bn2);
    const downsample = this.downsample;
    return downsample ? { main, shortcut: () => downsample.call(s) } : { main };
  }
}

/** A two-stage torchvision-style ResNet trunk: conv1, bn1, relu, layer1, layer2. */
class TinyResNet extends Module {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare layer1: Sequential;
  declare layer2: Sequential;
  constructor(block: (i: number, o: number, s: number) => Module) {
    super();
    this.conv1 = conv3x3(3, 4);
    this.bn1 = new BatchNorm2d(4);
    this.relu = new ReLU();
    this.layer1 = new Sequential(block(4, 4, 1), block(4, 4, 1));
    this.layer2 = new Sequential(block(4, 8, 2), block(8, 8, 1));
  }
  override forward(x: Tensor): Tensor {
    return this.layer2.call(this.layer1.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
  }
}

const bn = (p: string): string[] => ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((k) => `${p}.${k}`);
/** torchvision's keys for one BasicBlock, written by hand. */
const blockKeys = (p: string, down: boolean): string[] => [
  `${p}.conv1.weight`,
  ...bn(`${p}.bn1`),
  `${p}.conv2.weight`,
  ...bn(`${p}.bn2`),
  ...(down ? [`${p}.downsample.0.weight`, ...bn(`${p}.downsample.1`)] : []),
];
const resnetKeys = [
  'conv1.weight',
  ...bn('bn1'),
  ...blockKeys('layer1.0', false),
  ...blockKeys('layer1.1', false),
  ...blockKeys('layer2.0', true),
  ...blockKeys('layer2.1', false),
];

describe('names are torchvision keys', () => {
  it('a BasicBlock built from Skip options has exactly the torchvision keys and shapes', () => {
    const block = basicBlock(4, 8, 2);
    const sd = block.stateDict();
    expect(Object.keys(sd)).toEqual(blockKeys('', true).map((k) => k.slice(1)));
    expect(sd['conv1.weight']!.shape).toEqual([8, 4, 3, 3]);
    expect(sd['conv2.weight']!.shape).toEqual([8, 8, 3, 3]);
    expect(sd['downsample.0.weight']!.shape).toEqual([8, 4, 1, 1]);
    expect(sd['downsample.1.running_var']!.shape).toEqual([8]);
    expect(sd['bn1.num_batches_tracked']!.shape).toEqual([]);
    expect(sd['bn1.num_batches_tracked']!.dtype).toBe('int32');
    expect(block.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'conv2.weight',
      'bn2.weight',
      'bn2.bias',
      'downsample.0.weight',
      'downsample.1.weight',
      'downsample.1.bias',
    ]);
    expect(block.namedChildren().map(([n]) => n)).toEqual(['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'downsample']);
    block.dispose();
  });

  it('a ResNet of Skip blocks (options or subclass) has the torchvision key list', () => {
    const a = new TinyResNet((i, o, s) => basicBlock(i, o, s));
    const b = new TinyResNet((i, o, s) => new BasicBlock(i, o, s, s !== 1 || i !== o ? new Sequential(conv1x1(i, o, s), new BatchNorm2d(o)) : null));
    expect(Object.keys(a.stateDict())).toEqual(resnetKeys);
    expect(Object.keys(b.stateDict())).toEqual(resnetKeys);
    expect(b.namedModules().map(([n]) => n)).toContain('layer2.0.downsample.1');
    expect(b.namedModules().map(([n]) => n)).not.toContain('layer2.0.main');
    a.dispose();
    b.dispose();
  });

  it('Sequential, ModuleList and ModuleDict name children like PyTorch', () => {
    const m = new Module();
    m.registerModule('features', new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1)));
    m.registerModule('heads', new ModuleList([new Linear(1, 1, { bias: false })]));
    m.registerModule('extra', new ModuleDict({ proj: new Linear(1, 2) }));
    m.registerModule('named', new Sequential({ fc1: new Linear(1, 1), act: new ReLU() }));
    expect(Object.keys(m.stateDict())).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.2.weight',
      'features.2.bias',
      'heads.0.weight',
      'extra.proj.weight',
      'extra.proj.bias',
      'named.fc1.weight',
      'named.fc1.bias',
    ]);
    expect(() => new ModuleDict({ keys: new ReLU() })).toThrow(/cannot register 'keys': the name is taken by a method/);
    m.dispose();
  });

  it('two inline children defining the same name is an error, not a silent overwrite', () => {
    const s = new Skip({ main: new Sequential(new Linear(2, 2)), shortcut: new Sequential(new Linear(2, 2)) });
    expect(() => s.stateDict()).toThrow(/two different tensors are both named '0.weight'/);
    s.dispose();
  });

  it('MultiheadAttention, LayerNorm, GroupNorm and Embedding use PyTorch names and shapes', () => {
    const m = new Module();
    m.registerModule('attn', new MultiheadAttention(8, 2));
    m.registerModule('ln', new LayerNorm(8));
    m.registerModule('gn', new GroupNorm(2, 8));
    m.registerModule('emb', new Embedding(10, 8));
    const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({
      'attn.in_proj_weight': [24, 8],
      'attn.in_proj_bias': [24],
      'attn.out_proj.weight': [8, 8],
      'attn.out_proj.bias': [8],
      'ln.weight': [8],
      'ln.bias': [8],
      'gn.weight': [8],
      'gn.bias': [8],
      'emb.weight': [10, 8],
    });
    m.dispose();
  });
});

describe('state dict', () => {
  it('round-trips: load copies values in place and keeps tensor identity', async () => {
    manualSeed(1);
    const a = basicBlock(4, 8, 2);
    const b = basicBlock(4, 8, 2);
    const bWeight = b.stateDict()['conv1.weight']!;
    expect(await bWeight.data()).not.toEqual(await a.stateDict()['conv1.weight']!.data());
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.stateDict()['conv1.weight']).toBe(bWeight);
    for (const [k, t] of Object.entries(a.stateDict())) expect(await b.stateDict()[k]!.data()).toEqual(await t.data());
    a.dispose();
    b.dispose();
  });

  it('strict loading reports every missing key, unexpected key and shape mismatch in one error, and copies nothing', async () => {
    const m = basicBlock(4, 8, 2);
    const before = await m.stateDict()['conv2.weight']!.data();
    const bad: Record<string, Tensor> = { ...m.stateDict() };
    delete bad['bn1.running_mean'];
    delete bad['downsample.0.weight'];
    bad['fc.weight'] = zeros([2, 2]);
    bad['conv1.weight'] = zeros([8, 4, 1, 1]);
    bad['conv2.weight'] = zeros([8, 8, 3, 3]);
    let message = '';
    try {
      m.loadStateDict(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/missing keys \(2\): bn1\.running_mean, downsample\.0\.weight/);
    expect(message).toMatch(/unexpected keys \(1\): fc\.weight/);
    expect(message).toMatch(/conv1\.weight: checkpoint \[8,4,1,1\], model \[8,4,3,3\]/);
    expect(await m.stateDict()['conv2.weight']!.data()).toEqual(before);
    // Non-strict: key differences are returned, shape mismatches still throw (as in PyTorch).
    expect(() => m.loadStateDict(bad, { strict: false })).toThrow(/shape mismatches \(1\)/);
    bad['conv1.weight'] = zeros([8, 4, 3, 3]);
    expect(m.loadStateDict(bad, { strict: false })).toEqual({ missingKeys: ['bn1.running_mean', 'downsample.0.weight'], unexpectedKeys: ['fc.weight'] });
    expect(await m.stateDict()['conv2.weight']!.data()).toEqual(new Float32Array(8 * 8 * 9));
    bad['fc.weight']!.dispose();
    bad['conv1.weight']!.dispose();
    bad['conv2.weight']!.dispose();
    m.dispose();
  });

  it('casts values of another dtype (a float num_batches_tracked)', async () => {
    const m = new BatchNorm2d(2);
    m.loadStateDict({ ...m.stateDict(), num_batches_tracked: tensor(7) }, { strict: true });
    expect(m.num_batches_tracked!.dtype).toBe('int32');
    expect(await m.num_batches_tracked!.item()).toBe(7);
    m.dispose();
  });

  it('non-persistent buffers are named but not saved', () => {
    const m = new Module();
    m.registerBuffer('mask', zeros([2]), { persistent: false });
    m.registerBuffer('table', zeros([3]));
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['mask', 'table']);
    expect(Object.keys(m.stateDict())).toEqual(['table']);
    m.dispose();
  });
});

describe('modes, gradients, lifetime', () => {
  it('train/eval switches BatchNorm between batch statistics (updating buffers) and running statistics', async () => {
    const m = new Sequential(new ReLU(), new BatchNorm1d(3));
    const bnorm = m.at(1) as BatchNorm1d;
    const x = tensor([
      [1, 2, 3],
      [3, 0, -1],
      [0, 1, 5],
      [2, 2, 2],
    ]);
    const yTrain = tidy(() => m.call(x));
    // Batch statistics: every feature has mean 0 and (biased) variance ≈ 1.
    expect(Array.from(await tidy(() => mean(yTrain, 0)).data()).every((v) => Math.abs(v) < 1e-5)).toBe(true);
    expect(Array.from(await tidy(() => variance(yTrain, 0, false, 0)).data()).every((v) => Math.abs(v - 1) < 1e-3)).toBe(true);
    expect(await bnorm.num_batches_tracked!.item()).toBe(1);
    const rm = Array.from(await bnorm.running_mean!.data());
    expect(rm.some((v) => v !== 0)).toBe(true);
    m.eval();
    expect(m.training).toBe(false);
    expect(bnorm.training).toBe(false);
    const yEval = tidy(() => m.call(x));
    // Running statistics (momentum 0.1 of one batch) are far from the batch's: the outputs differ.
    expect(Array.from(await yEval.data())).not.toEqual(Array.from(await yTrain.data()));
    expect(await bnorm.num_batches_tracked!.item()).toBe(1);
    expect(Array.from(await bnorm.running_mean!.data())).toEqual(rm);
    m.train();
    expect(bnorm.training).toBe(true);
    for (const t of [x, yTrain, yEval]) t.dispose();
    m.dispose();
  });

  it('parameters survive a tidy training step; zeroGrad frees gradients; dispose frees everything', () => {
    const before = memory().tensors;
    const m = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 1));
    const params = m.parameters();
    expect(params.every((p) => p.requiresGrad)).toBe(true);
    tidy(() => sum(m.call(randn([2, 4]))).backward());
    expect(params.every((p) => p.grad !== null && !p.isDisposed)).toBe(true);
    m.zeroGrad();
    expect(params.every((p) => p.grad === null)).toBe(true);
    m.dispose();
    expect(params.every((p) => p.isDisposed)).toBe(true);
    expect(memory().tensors).toBe(before);
  });

  it('forward hooks see inputs and outputs and can be removed', () => {
    const m = new Sequential(new Linear(2, 2), new ReLU());
    const seen: number[][] = [];
    const handle = m.at(0)!.registerForwardHook((_mod, _inputs, out) => {
      seen.push([...out.shape]);
    });
    tidy(() => m.call(zeros([5, 2])));
    handle.remove();
    tidy(() => m.call(zeros([5, 2])));
    expect(seen).toEqual([[5, 2]]);
    m.dispose();
  });
});

describe('initialisation', () => {
  it('is deterministic under manualSeed', async () => {
    manualSeed(42);
    const a = new Conv2d(3, 4, 3);
    manualSeed(42);
    const b = new Conv2d(3, 4, 3);
    expect(await a.weight.data()).toEqual(await b.weight.data());
    a.dispose();
    b.dispose();
  });

  it('matches torchvision / PyTorch scales', async () => {
    manualSeed(7);
    const stats = async (t: Tensor): Promise<{ mean: number; std: number; absMax: number }> => {
      const d = Array.from(await t.data());
      const mu = d.reduce((s, v) => s + v, 0) / d.length;
      const std = Math.sqrt(d.reduce((s, v) => s + (v - mu) ** 2, 0) / d.length);
      return { mean: mu, std, absMax: Math.max(...d.map(Math.abs)) };
    };
    // Conv2d default: kaiming normal, fan_out, relu: std √(2 / (64·3·3)).
    const conv = new Conv2d(32, 64, 3);
    const cs = await stats(conv.weight);
    expect(cs.std).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 2);
    expect(Array.from(await conv.bias!.data()).every((v) => v === 0)).toBe(true);
    // PyTorch's own default: U(±1/√fan_in), fan_in = 32·3·3; bias too.
    const convT = new Conv2d(32, 64, 3, { init: 'torchDefault' });
    const bound = 1 / Math.sqrt(32 * 9);
    const ts = await stats(convT.weight);
    expect(ts.absMax).toBeLessThanOrEqual(bound);
    expect(ts.std).toBeCloseTo(bound / Math.sqrt(3), 3);
    expect((await stats(convT.bias!)).absMax).toBeLessThanOrEqual(bound);
    // Linear: U(±1/√in) for weight and bias.
    const lin = new Linear(100, 50);
    expect((await stats(lin.weight)).absMax).toBeLessThanOrEqual(0.1);
    expect((await stats(lin.weight)).std).toBeCloseTo(0.1 / Math.sqrt(3), 2);
    // BatchNorm: weight 1, bias 0, running stats 0 / 1.
    const b = new BatchNorm2d(3);
    expect(Array.from(await b.weight!.data())).toEqual([1, 1, 1]);
    expect(Array.from(await b.bias!.data())).toEqual([0, 0, 0]);
    expect(Array.from(await b.running_var!.data())).toEqual([1, 1, 1]);
    // Embedding: N(0, 1), or N(0, 0.02) for GPT.
    expect((await stats(new Embedding(1000, 16).weight)).std).toBeCloseTo(1, 1);
    const gpt = new Embedding(1000, 16, { std: 0.02 });
    expect((await stats(gpt.weight)).std).toBeCloseTo(0.02, 3);
    // The standalone initialisers follow PyTorch's defaults.
    const w = init.kaimingNormal([256, 128]);
    expect((await stats(w)).std).toBeCloseTo(Math.sqrt(2 / 128), 2);
    for (const m of [conv, convT, lin, b, gpt]) m.dispose();
    w.dispose();
  });

  it('creating a model allocates each parameter once', () => {
    const before = memory();
    const m = new TinyResNet((i, o, s) => basicBlock(i, o, s));
    const after = memory();
    const state = Object.values(m.stateDict());
    expect(after.tensors - before.tensors).toBe(state.length);
    expect(after.buffers - before.buffers).toBe(state.length);
    expect(after.bytes - before.bytes).toBe(state.reduce((n, t) => n + 4 * t.size, 0));
    m.dispose();
  });
});
