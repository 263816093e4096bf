/** summary() and graph(): traced through Module.call, counted against the model itself. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import {
  memory,
  registerBackend,
  setBackend,
  flatten,
  Module,
  Skip,
  Tap,
  Sequential,
  Conv2d,
  BatchNorm2d,
  Linear,
  ReLU,
  MaxPool2d,
  Upsample,
  AdaptiveAvgPool2d,
  Embedding,
  LayerNorm,
  residual,
  countSkips,
  setSkips,
  summary,
  graph,
  formatSummary,
  type Tensor,
  type ModelGraph,
} from '../index.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

function basicBlock(inplanes: number, planes: number, stride = 1): Skip {
  const relu = new ReLU();
  const downsample =
    stride !== 1 || inplanes !== planes ? new Sequential(new Conv2d(inplanes, planes, 1, { stride, bias: false }), new BatchNorm2d(planes)) : null;
  return new Skip({
    main: {
      conv1: new Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false }),
      bn1: new BatchNorm2d(planes),
      relu,
      conv2: new Conv2d(planes, planes, 3, { padding: 1, bias: false }),
      bn2: new BatchNorm2d(planes),
    },
    shortcut: downsample ? { downsample } : null,
    post: relu,
  });
}

/** ResNet-style classifier whose forward uses a functional flatten between layers. */
class SmallResNet extends Module {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;
  constructor() {
    super();
    this.conv1 = new Conv2d(3, 4, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(4);
    this.relu = new ReLU();
    this.layer1 = new Sequential(basicBlock(4, 4), basicBlock(4, 4));
    this.layer2 = new Sequential(basicBlock(4, 8, 2), basicBlock(8, 8));
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.fc = new Linear(8, 10);
  }
  override forward(x: Tensor): Tensor {
    const h = this.layer2.call(this.layer1.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
    return this.fc.call(flatten(this.avgpool.call(h), 1));
  }
}

const byName = (g: ModelGraph, name: string): number[] => g.nodes.filter((n) => n.name === name).map((n) => n.id);

describe('summary', () => {
  it('rows per leaf layer and per merge, totals equal to the model, skips equal to countSkips', () => {
    const model = new SmallResNet();
    const before = memory().tensors;
    const s = summary(model, [2, 3, 8, 8]);
    expect(memory().tensors).toBe(before);
    expect(s.outputShape).toEqual([2, 10]);
    expect(s.skips).toBe(countSkips(model));
    expect(s.skips).toBe(4);
    expect(s.totalParams).toBe(model.numParameters());
    expect(s.rows.reduce((n, r) => n + r.params, 0)).toBe(s.totalParams);
    expect(s.rows[0]).toEqual({ name: 'conv1', type: 'Conv2d', outputShape: [2, 4, 8, 8], params: 4 * 3 * 9, multiplyAdds: 2 * 4 * 8 * 8 * 3 * 9 });
    expect(s.rows.find((r) => r.name === 'layer2.0.downsample.0')).toMatchObject({ type: 'Conv2d', outputShape: [2, 8, 4, 4], params: 32 });
    expect(s.rows.filter((r) => r.type === 'Skip(add)').map((r) => r.name)).toEqual(['layer1.0', 'layer1.1', 'layer2.0', 'layer2.1']);
    expect(s.rows.at(-1)).toEqual({ name: 'fc', type: 'Linear', outputShape: [2, 10], params: 90, multiplyAdds: 2 * 10 * 8 });
    // The shared relu of a block runs twice: in the main branch and after the merge.
    expect(s.rows.filter((r) => r.name === 'layer1.0.relu')).toHaveLength(2);
    expect(formatSummary(s)).toMatch(/Skip connections: 4/);
    model.dispose();
  });

  it('traces in eval mode and restores every training flag; the plain twin reports no skips', () => {
    const model = new SmallResNet();
    const bn = model.bn1;
    model.train();
    summary(model, [2, 3, 8, 8]);
    expect(model.training && bn.training).toBe(true);
    expect(bn.num_batches_tracked!.itemSync()).toBe(0);
    setSkips(model, false);
    expect(summary(model, [2, 3, 8, 8]).skips).toBe(0);
    expect(graph(model, [2, 3, 8, 8]).skipEdges).toHaveLength(0);
    model.dispose();
  });

  it('accepts int32 token input (Embedding)', () => {
    const model = new Sequential({ wte: new Embedding(20, 8), h: residual({ ln: new LayerNorm(8), fc: new Linear(8, 8) }) });
    const s = summary(model, [2, 5], { dtype: 'int32' });
    expect(s.outputShape).toEqual([2, 5, 8]);
    expect(s.skips).toBe(1);
    expect(s.rows.map((r) => r.name)).toEqual(['wte', 'h.ln', 'h.fc', 'h']);
    model.dispose();
  });
});

describe('graph', () => {
  it('one skip edge per Skip, from the node feeding the shortcut to the merge node', () => {
    const model = new SmallResNet();
    const g = graph(model, [1, 3, 8, 8]);
    expect(g.skipEdges).toHaveLength(countSkips(model));
    expect(g.nodes[0]).toEqual({ id: 0, name: 'input', type: 'Input', outputShape: [1, 3, 8, 8], params: 0 });
    // Every node but the input has an incoming edge; ids are positions.
    g.nodes.forEach((n, i) => expect(n.id).toBe(i));
    for (const n of g.nodes.slice(1)) expect(g.edges.some((e) => e.to === n.id)).toBe(true);
    // layer1.0's bypass starts at the stem's relu and ends at its merge.
    const stemRelu = byName(g, 'relu')[0]!;
    const merge10 = byName(g, 'layer1.0').find((id) => g.nodes[id]!.type === 'Skip(add)')!;
    expect(g.skipEdges[0]).toEqual({ from: stemRelu, to: merge10, merge: 'add' });
    expect(g.edges).toContainEqual({ from: stemRelu, to: byName(g, 'layer1.0.conv1')[0] });
    // The merge is followed by the post-activation relu.
    const post10 = byName(g, 'layer1.0.relu')[1]!;
    expect(g.edges).toContainEqual({ from: merge10, to: post10 });
    // A projection shortcut: ordinary edges through downsample, plus the skip edge.
    const merge20 = byName(g, 'layer2.0').find((id) => g.nodes[id]!.type === 'Skip(add)')!;
    const ds0 = byName(g, 'layer2.0.downsample.0')[0]!;
    const ds1 = byName(g, 'layer2.0.downsample.1')[0]!;
    const post11 = byName(g, 'layer1.1.relu')[1]!;
    expect(g.edges).toContainEqual({ from: post11, to: ds0 });
    expect(g.edges).toContainEqual({ from: ds1, to: merge20 });
    expect(g.skipEdges).toContainEqual({ from: post11, to: merge20, merge: 'add' });
    // An identity shortcut is drawn only as a skip edge, not as an ordinary edge too.
    expect(g.edges).not.toContainEqual({ from: stemRelu, to: merge10 });
    // Edges pass through functional ops: avgpool → (flatten) → fc.
    expect(g.edges).toContainEqual({ from: byName(g, 'avgpool')[0], to: byName(g, 'fc')[0] });
    // Plain JSON.
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
    model.dispose();
  });

  it('a gated merge has edges from the main branch and the gate; a scaled merge counts its α', () => {
    const model = new Sequential({
      fc: new Linear(4, 4),
      hw: new Skip({ main: { h: new Linear(4, 4) }, merge: 'gated', gate: { features: 4 } }),
      ls: new Skip({ main: { f: new Linear(4, 4) }, merge: 'scaled', scale: { channels: 4 } }),
    });
    const g = graph(model, [2, 4]);
    const [fc, h, gate, hw, f, ls] = ['fc', 'hw.h', 'hw.gate', 'hw', 'ls.f', 'ls'].map((n) => byName(g, n)[0]!);
    expect(g.nodes[hw!]!.type).toBe('Skip(gated)');
    expect(g.edges).toEqual(
      expect.arrayContaining([
        { from: h, to: hw },
        { from: gate, to: hw },
        { from: fc, to: gate },
        { from: hw, to: f },
        { from: f, to: ls },
      ]),
    );
    expect(g.skipEdges).toEqual([
      { from: fc, to: hw, merge: 'gated' },
      { from: hw, to: ls, merge: 'scaled' },
    ]);
    expect(g.nodes[ls!]!.params).toBe(4);
    const s = summary(model, [2, 4]);
    expect(s.rows.reduce((n, r) => n + r.params, 0)).toBe(model.numParameters());
    expect(s.rows.find((r) => r.name === 'ls')!.multiplyAdds).toBe(8);
    model.dispose();
  });

  it('a long skip through a Tap starts at the encoder layer (U-Net)', () => {
    const tap = new Tap();
    const unet = new Sequential({
      enc: new Conv2d(1, 2, 3, { padding: 1 }),
      tap,
      pool: new MaxPool2d(2),
      mid: new Conv2d(2, 2, 3, { padding: 1 }),
      up: new Skip({ main: new Upsample({ scaleFactor: 2 }), merge: 'concat', source: tap }),
      head: new Conv2d(4, 1, 1),
    });
    const g = graph(unet, [1, 1, 4, 4]);
    const enc = byName(g, 'enc')[0]!;
    const merge = byName(g, 'up').find((id) => g.nodes[id]!.type === 'Skip(concat)')!;
    expect(g.skipEdges).toEqual([{ from: enc, to: merge, merge: 'concat' }]);
    expect(g.nodes[merge]!.outputShape).toEqual([1, 4, 4, 4]);
    expect(g.edges).toContainEqual({ from: enc, to: byName(g, 'pool')[0] });
    expect(g.edges).toContainEqual({ from: byName(g, 'up.main')[0], to: merge });
    expect(g.nodes.some((n) => n.type === 'Tap')).toBe(false);
    unet.dispose();
  });
});
