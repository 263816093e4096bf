/** The Skip combinator: merges, plain twins, drop-path, long skips, gradients and memory. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import {
  manualSeed,
  memory,
  registerBackend,
  setBackend,
  tidy,
  tensor,
  ones,
  randn,
  add,
  mul,
  sub,
  sigmoid,
  relu,
  sum,
  concat,
  conv2d,
  batchNorm,
  layerNorm,
  crossEntropy,
  randint,
  maxPool2d,
  upsample,
  SGD,
  Module,
  Skip,
  Tap,
  Sequential,
  Conv2d,
  BatchNorm2d,
  Linear,
  LayerNorm,
  ReLU,
  GELU,
  Identity,
  Dropout,
  MaxPool2d,
  Upsample,
  Flatten,
  AdaptiveAvgPool2d,
  MultiheadAttention,
  residual,
  seq,
  setSkips,
  countSkips,
  namedSkips,
  summary,
  maximum,
  type Branches,
  type SkipMerge,
  type Tensor,
} from '../index.js';
import { assertTensorsClose } from '../testing/index.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

describe('merges', () => {
  it("'add' + ReLU runs as one fused addActivation unless the ReLU has hooks; outputs and gradients agree", () => {
    manualSeed(3);
    const s = new Skip({ main: new Linear(6, 6), post: 'relu' });
    const x = randn([5, 6], { seed: 8 });
    const run = (): { y: Tensor; op: string | undefined; grads: Float32Array[] } => {
      s.zeroGrad();
      const y = s.call(x);
      const op = y.gradNode?.op;
      tidy(() => sum(mul(y, y)).backward());
      return { y, op, grads: s.parameters().map((p) => p.grad!.dataSync() as Float32Array) };
    };
    const fused = run();
    expect(fused.op).toBe('addActivation');
    let calls = 0;
    const handle = s.post!.registerForwardHook(() => void calls++);
    const plain = run();
    expect(plain.op).toBe('relu');
    expect(calls).toBe(1);
    handle.remove();
    assertTensorsClose(fused.y, plain.y, { atol: 0, rtol: 0 });
    fused.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(plain.grads[i]!)));
    [fused.y, plain.y, x].forEach((t) => t.dispose());
    s.dispose();
  });

  it("'add' is main(x) + shortcut(x), with the post-activation after the sum", async () => {
    const lin = new Linear(3, 3);
    const s = new Skip({ main: lin, post: 'relu' });
    const x = randn([4, 3]);
    tidy(() => assertTensorsClose(s.call(x), relu(add(lin.call(x), x))));
    const proj = new Linear(3, 3);
    const p = residual(new Linear(3, 3), { shortcut: proj });
    tidy(() => assertTensorsClose(p.call(x), add(p.main!.call(x), proj.call(x))));
    expect(() => tidy(() => residual(new Linear(3, 2)).call(x))).toThrow(/main branch \[4,2\] and shortcut \[4,3\] differ; give the shortcut a projection/);
    x.dispose();
    s.dispose();
    p.dispose();
  });

  it("'concat' is [shortcut(x), main(x)] along the channel axis (DenseNet's [x, new features])", async () => {
    const conv = new Conv2d(2, 3, 3, { padding: 1 });
    const s = new Skip({ main: conv, merge: 'concat' });
    const x = randn([2, 2, 4, 4]);
    const y = s.call(x);
    expect(y.shape).toEqual([2, 5, 4, 4]);
    tidy(() => assertTensorsClose(y, concat([x, conv.call(x)], 1)));
    for (const t of [x, y]) t.dispose();
    s.dispose();
  });

  it("'gated' is T·main(x) + (1−T)·x with T = sigmoid(gate(x)), the gate bias starting at −1", async () => {
    const main = new Linear(4, 4);
    const s = new Skip({ main, merge: 'gated', gate: { features: 4 } });
    const gate = s.gate as Linear;
    expect(Array.from(await gate.bias!.data())).toEqual([-1, -1, -1, -1]);
    // The main Linear is inline (its weight is the skip's `weight`); the gate is child `gate`.
    expect(Object.keys(s.stateDict())).toEqual(['weight', 'bias', 'gate.weight', 'gate.bias']);
    const x = randn([5, 4]);
    tidy(() => {
      const t = sigmoid(gate.call(x));
      assertTensorsClose(s.call(x), add(mul(t, main.call(x)), mul(sub(1, t), x)));
    });
    const conv = new Skip({ main: new Conv2d(3, 3, 3, { padding: 1 }), merge: 'gated', gate: { features: 3, kind: 'conv', biasInit: -2 } });
    expect((conv.gate as Conv2d).weight.shape).toEqual([3, 3, 1, 1]);
    expect(Array.from(await (conv.gate as Conv2d).bias!.data())).toEqual([-2, -2, -2]);
    x.dispose();
    s.dispose();
    conv.dispose();
  });

  it("'scaled' is x + α·main(x): ReZero (scalar α = 0) starts as the identity, LayerScale α runs along channels", async () => {
    const x = randn([2, 3, 4, 4]);
    const rezero = new Skip({ main: new Conv2d(3, 3, 3, { padding: 1 }), merge: 'scaled' });
    expect(rezero.scaleParameter!.shape).toEqual([]);
    tidy(() => assertTensorsClose(rezero.call(x), x));
    const conv = new Conv2d(3, 3, 3, { padding: 1 });
    const ls = new Skip({ main: conv, merge: 'scaled', scale: { channels: 3, init: 0.1, name: 'gamma' } });
    // A module's own parameters come before its children's, as in PyTorch.
    expect(Object.keys(ls.stateDict())).toEqual(['gamma', 'weight', 'bias']);
    expect(Array.from(await ls.scaleParameter!.data()).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.1, 0.1, 0.1]);
    ls.loadStateDict({ ...ls.stateDict(), gamma: tensor([1, 2, 3]) });
    tidy(() => assertTensorsClose(ls.call(x), add(x, mul(tensor([1, 2, 3], [1, 3, 1, 1]), conv.call(x)))));
    // Transformers: α along the last axis of [N, L, D].
    const seq = new Skip({ main: new Linear(4, 4), merge: 'scaled', scale: { channels: 4, init: 0.5 } });
    const h = randn([2, 3, 4]);
    tidy(() => assertTensorsClose(seq.call(h), add(h, mul(0.5, seq.main!.call(h)))));
    for (const t of [x, h]) t.dispose();
    for (const m of [rezero, ls, seq]) m.dispose();
  });
});

describe('plain twins', () => {
  it('skip: false returns the main branch alone for add, gated and scaled (and keeps the parameters)', async () => {
    const x = randn([3, 4]);
    for (const options of [
      { merge: 'add' as const, shortcut: { proj: new Linear(4, 4) } },
      { merge: 'gated' as const, gate: { features: 4 } },
      { merge: 'scaled' as const, scale: { channels: 4, init: 0.3 } },
    ]) {
      const main = new Linear(4, 4);
      const s = new Skip({ main, ...options, skip: false, post: 'relu' });
      const keys = Object.keys(s.stateDict());
      tidy(() => assertTensorsClose(s.call(x), relu(main.call(x))));
      s.skip = true;
      expect(Object.keys(s.stateDict())).toEqual(keys);
      tidy(() => {
        const diff = sum(mul(sub(s.call(x), relu(main.call(x))), sub(s.call(x), relu(main.call(x)))));
        expect(diff.itemSync()).toBeGreaterThan(1e-6);
      });
      s.dispose();
    }
    x.dispose();
  });

  it("the plain 'concat' twin fills the shortcut's channels with zeros (shapes kept) or drops them", async () => {
    const conv = new Conv2d(2, 3, 1);
    const x = randn([1, 2, 2, 2]);
    const zerosTwin = new Skip({ main: conv, merge: 'concat', skip: false });
    const y = zerosTwin.call(x);
    expect(y.shape).toEqual([1, 5, 2, 2]);
    tidy(() => assertTensorsClose(y, concat([mul(x, 0), conv.call(x)], 1)));
    const dropTwin = new Skip({ main: new Identity(), merge: 'concat', skip: false, plainConcat: 'drop' });
    expect(tidy(() => dropTwin.call(x)).shape).toEqual([1, 2, 2, 2]);
    for (const t of [x, y]) t.dispose();
    zerosTwin.dispose();
  });

  it('setSkips toggles all skips or a subtree; countSkips counts active ones', async () => {
    const net = new Module();
    net.registerModule('layer1', new Sequential(residual(new Linear(2, 2)), residual(new Linear(2, 2))));
    net.registerModule('layer2', new Sequential(residual(new Linear(2, 2))));
    expect(namedSkips(net).map(([n]) => n)).toEqual(['layer1.0', 'layer1.1', 'layer2.0']);
    expect(countSkips(net)).toBe(3);
    expect(setSkips(net, false, 'layer1')).toBe(2);
    expect(countSkips(net)).toBe(1);
    expect(countSkips(net, { all: true })).toBe(3);
    expect(setSkips(net, false)).toBe(3);
    expect(countSkips(net)).toBe(0);
    expect(setSkips(net, true, /\.1$/)).toBe(1);
    expect(
      namedSkips(net)
        .filter(([, s]) => s.skip)
        .map(([n]) => n),
    ).toEqual(['layer1.1']);
    net.dispose();
  });
});

describe('drop-path (stochastic depth)', () => {
  it('drops whole samples with probability p, scales kept ones by 1/(1−p), is seeded, and is the identity in eval', async () => {
    const p = 0.25;
    const s = new Skip({ main: new Identity(), dropPath: p });
    const n = 4000;
    const x = ones([n, 3]);
    manualSeed(123);
    const y1 = Array.from(await tidy(() => s.call(x)).data());
    manualSeed(123);
    const y2 = Array.from(await tidy(() => s.call(x)).data());
    expect(y1).toEqual(y2);
    // Each sample is either x (branch dropped) or x + x/(1−p), the same for all its features.
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const row = y1.slice(3 * i, 3 * i + 3);
      expect(new Set(row).size).toBe(1);
      if (row[0] === 1) dropped++;
      else expect(row[0]).toBeCloseTo(1 + 1 / (1 - p), 5);
    }
    const rate = dropped / n;
    // Binomial(4000, 0.25): σ ≈ 0.007.
    expect(Math.abs(rate - p)).toBeLessThan(0.03);
    const meanY = y1.reduce((a, b) => a + b, 0) / y1.length;
    expect(Math.abs(meanY - 2)).toBeLessThan(0.05);
    s.eval();
    expect(Array.from(await tidy(() => s.call(x)).data()).every((v) => v === 2)).toBe(true);
    // No drop-path in the plain twin: dropping the only path would zero the sample.
    s.train();
    s.skip = false;
    expect(Array.from(await tidy(() => s.call(x)).data()).every((v) => v === 1)).toBe(true);
    x.dispose();
  });
});

describe('long skips', () => {
  it('a Tap hands encoder features to a concat Skip later in one Sequential (U-Net level)', async () => {
    const tap = new Tap();
    const enc = new Conv2d(1, 2, 3, { padding: 1 });
    const mid = new Conv2d(2, 2, 3, { padding: 1 });
    const unet = new Sequential({
      enc,
      tap,
      pool: new MaxPool2d(2),
      mid,
      up: new Skip({ main: new Upsample({ scaleFactor: 2 }), merge: 'concat', source: tap }),
      head: new Conv2d(4, 1, 1),
    });
    expect(Object.keys(unet.stateDict())).toEqual(['enc.weight', 'enc.bias', 'mid.weight', 'mid.bias', 'head.weight', 'head.bias']);
    const x = randn([1, 1, 4, 4]);
    tidy(() => {
      const e = enc.call(x);
      const merged = concat([e, upsample(mid.call(maxPool2d(e, 2)), { scaleFactor: 2 })], 1);
      assertTensorsClose(unet.call(x), (unet.get('head') as Conv2d).call(merged));
    });
    x.dispose();
    unet.dispose();
  });

  it("the shortcut input can be passed explicitly (FPN's lateral add: upsampled top-down + lateral 1×1 conv)", async () => {
    const lateral = new Conv2d(4, 2, 1);
    const merge = new Skip({ main: new Upsample({ scaleFactor: 2 }), shortcut: { lateral } });
    const top = randn([1, 2, 2, 2]);
    const c3 = randn([1, 4, 4, 4]);
    tidy(() => assertTensorsClose(merge.call(top, c3), add(upsample(top, { scaleFactor: 2 }), lateral.call(c3))));
    expect(Object.keys(merge.stateDict())).toEqual(['lateral.weight', 'lateral.bias']);
    for (const t of [top, c3]) t.dispose();
    merge.dispose();
  });
});

describe('blocks built from Skip', () => {
  it("DenseNet's dense layer: torchvision names, output [x, new features]", () => {
    const growth = 4;
    const layer = new Skip({
      main: {
        norm1: new BatchNorm2d(6),
        relu1: new ReLU(),
        conv1: new Conv2d(6, 4 * growth, 1, { bias: false }),
        norm2: new BatchNorm2d(4 * growth),
        relu2: new ReLU(),
        conv2: new Conv2d(4 * growth, growth, 3, { padding: 1, bias: false }),
      },
      merge: 'concat',
    });
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['norm1.weight', 'norm1.bias', 'conv1.weight', 'norm2.weight', 'norm2.bias', 'conv2.weight']);
    expect(tidy(() => layer.call(randn([2, 6, 5, 5]))).shape).toEqual([2, 10, 5, 5]);
    layer.dispose();
  });

  it('GPT-2 pre-LN block: two residuals inline, names ln_1/attn/ln_2/mlp; y = x + attn(ln(x))', async () => {
    const d = 8;
    const ln1 = new LayerNorm(d);
    const attn = new MultiheadAttention(d, 2, { batchFirst: true });
    const mlp = new Sequential({ c_fc: new Linear(d, 4 * d), act: new GELU('tanh'), c_proj: new Linear(4 * d, d) });
    const block = Sequential.inline(residual({ ln_1: ln1, attn }), residual({ ln_2: new LayerNorm(d), mlp }));
    expect(Object.keys(block.stateDict())).toEqual([
      'ln_1.weight',
      'ln_1.bias',
      'attn.in_proj_weight',
      'attn.in_proj_bias',
      'attn.out_proj.weight',
      'attn.out_proj.bias',
      'ln_2.weight',
      'ln_2.bias',
      'mlp.c_fc.weight',
      'mlp.c_fc.bias',
      'mlp.c_proj.weight',
      'mlp.c_proj.bias',
    ]);
    expect(countSkips(block)).toBe(2);
    const x = randn([2, 3, d]);
    const first = block.at(0) as Skip;
    tidy(() => assertTensorsClose(first.call(x), add(x, attn.call(layerNorm(x, [d], ln1.weight, ln1.bias)))));
    x.dispose();
    block.dispose();
  });

  it('Sequential.inline with a record: the keys are display paths (namedSkips, summary), never parameter names', () => {
    const d = 4;
    const block = Sequential.inline({
      attn_skip: residual({ ln_1: new LayerNorm(d), attn: new MultiheadAttention(d, 2, { batchFirst: true }) }),
      mlp_skip: residual({ ln_2: new LayerNorm(d), mlp: new Linear(d, d) }),
    });
    const model = new Sequential({ h: new Sequential(block) });
    expect(Object.keys(model.stateDict())).toEqual([
      'h.0.ln_1.weight',
      'h.0.ln_1.bias',
      'h.0.attn.in_proj_weight',
      'h.0.attn.in_proj_bias',
      'h.0.attn.out_proj.weight',
      'h.0.attn.out_proj.bias',
      'h.0.ln_2.weight',
      'h.0.ln_2.bias',
      'h.0.mlp.weight',
      'h.0.mlp.bias',
    ]);
    expect(namedSkips(model).map(([p]) => p)).toEqual(['h.0.attn_skip', 'h.0.mlp_skip']);
    expect(
      summary(model, [1, 3, d])
        .rows.filter((r) => r.type === 'Skip(add)')
        .map((r) => r.name),
    ).toEqual(['h.0.attn_skip', 'h.0.mlp_skip']);
    expect(() => Sequential.inline({ a: new Linear(d, d), b: 3 as unknown as Linear })).toThrow(/child 'b' is not a Module/);
    model.dispose();
  });

  it('seq(x, a, b, c) is c(b(a(x))) through Module.call (hooks and traces see each layer)', () => {
    const conv = new Conv2d(2, 3, 3, { padding: 1 });
    const bn = new BatchNorm2d(3);
    const act = new ReLU();
    let seen = 0;
    act.registerForwardHook(() => void seen++);
    const x = randn([1, 2, 4, 4]);
    tidy(() => assertTensorsClose(seq(x, conv, bn, act), act.call(bn.call(conv.call(x)))));
    expect(seen).toBe(2);
    tidy(() => assertTensorsClose(seq(x), x));
    for (const m of [conv, bn, act]) m.dispose();
    x.dispose();
  });

  it('a SkipMerge of your own: combine with the bypass, plain without it, named in traces', () => {
    const maxMerge: SkipMerge = {
      kind: 'max',
      combine: (main, shortcut) => ({ output: maximum(main, shortcut), postApplied: false, extraInputs: [], multiplyAdds: 0 }),
      plain: (main) => main,
    };
    const lin = new Linear(3, 3);
    const s = new Skip({ main: lin, merge: maxMerge });
    expect(s.merge).toBe('max');
    const x = randn([2, 3]);
    tidy(() => assertTensorsClose(s.call(x), maximum(lin.call(x), x)));
    expect(summary(s, [2, 3]).rows.map((r) => r.type)).toEqual(['Linear', 'Skip(max)']);
    s.skip = false;
    tidy(() => assertTensorsClose(s.call(x), lin.call(x)));
    expect(() => new Skip({ main: lin, merge: 'sum' as never })).toThrow(/unknown merge 'sum'; valid: add, concat, gated, scaled/);
    x.dispose();
    s.dispose();
  });

  it('arguments after the shortcut input reach branches(): a subclass uses them, the default passes them to main', () => {
    class Masked extends Skip {
      protected override branches(x: Tensor, _s: Tensor, factor = 1): Branches {
        return { main: mul(x, factor) };
      }
    }
    const x = randn([2, 3]);
    const masked = new Masked();
    tidy(() => assertTensorsClose(masked.call(x, null, 3), add(mul(x, 3), x)));
    tidy(() => assertTensorsClose(masked.call(x), add(x, x)));
    // A long skip: the second argument is the shortcut input, the third still reaches branches.
    const other = ones([2, 3]);
    tidy(() => assertTensorsClose(masked.call(x, other, 2), add(mul(x, 2), other)));
    class Scale extends Module {
      override forward(x: Tensor, factor = 1): Tensor {
        return mul(x, factor);
      }
    }
    const viaMain = new Skip({ main: new Scale() });
    tidy(() => assertTensorsClose(viaMain.call(x, null, 5), add(mul(x, 5), x)));
    for (const t of [x, other]) t.dispose();
  });

  it("post-LN Transformer sub-block: the norm after the merge, registered by name (PyTorch's norm1)", async () => {
    const d = 4;
    const linear1 = new Linear(d, d);
    const norm1 = new LayerNorm(d);
    const sub1 = new Skip({ main: { linear1, dropout1: new Dropout(0.1) }, post: { norm1 } });
    expect(Object.keys(sub1.stateDict())).toEqual(['linear1.weight', 'linear1.bias', 'norm1.weight', 'norm1.bias']);
    sub1.eval();
    const x = randn([3, d]);
    tidy(() => assertTensorsClose(sub1.call(x), layerNorm(add(x, linear1.call(x)), [d], norm1.weight, norm1.bias)));
    x.dispose();
    sub1.dispose();
  });
});

describe('gradients', () => {
  it('backward through a BasicBlock Skip equals backward through the same computation in raw ops', async () => {
    manualSeed(5);
    const relu1 = new ReLU();
    const c1 = new Conv2d(2, 4, 3, { stride: 2, padding: 1, bias: false });
    const b1 = new BatchNorm2d(4);
    const c2 = new Conv2d(4, 4, 3, { padding: 1, bias: false });
    const b2 = new BatchNorm2d(4);
    const dc = new Conv2d(2, 4, 1, { stride: 2, bias: false });
    const db = new BatchNorm2d(4);
    const block = new Skip({
      main: { conv1: c1, bn1: b1, relu: relu1, conv2: c2, bn2: b2 },
      shortcut: { downsample: new Sequential(dc, db) },
      post: relu1,
    });
    // Non-trivial BN affine parameters so their gradients matter.
    tidy(() => {
      block.loadStateDict({ ...block.stateDict(), 'bn1.weight': tensor([1.5, 0.5, 1, 2]), 'bn2.bias': tensor([0.1, -0.2, 0.3, 0]) });
    });
    const x = randn([3, 2, 6, 6]).requiresGrad_();
    const w = randn([3, 4, 3, 3]);
    const params: Tensor[] = [x, c1.weight, b1.weight!, b1.bias!, c2.weight, b2.weight!, dc.weight, db.bias!];
    tidy(() => sum(mul(block.call(x), w)).backward());
    const viaSkip = params.map((p) => p.grad!);
    for (const p of params) p.grad = null;
    tidy(() => {
      const bn = (t: Tensor, m: BatchNorm2d): Tensor => batchNorm(t, null, null, m.weight, m.bias, { training: true });
      const main = bn(conv2d(relu(bn(conv2d(x, c1.weight, null, { stride: 2, padding: 1 }), b1)), c2.weight, null, { padding: 1 }), b2);
      const short = bn(conv2d(x, dc.weight, null, { stride: 2 }), db);
      sum(mul(relu(add(main, short)), w)).backward();
    });
    for (let i = 0; i < params.length; i++) assertTensorsClose(viaSkip[i]!, params[i]!.grad!, { atol: 1e-4, rtol: 0 });
    for (const g of viaSkip) g.dispose();
    for (const t of [x, w]) t.dispose();
    block.dispose();
  });

  it('the plain twin sends no gradient into the bypass (shortcut parameters get none)', () => {
    const proj = new Linear(3, 3);
    const s = new Skip({ main: new Linear(3, 3), shortcut: proj, skip: false });
    const x = randn([2, 3]).requiresGrad_();
    tidy(() => sum(s.call(x)).backward());
    expect(proj.weight.grad).toBeNull();
    expect((s.main as Linear).weight.grad).not.toBeNull();
    x.dispose();
    s.dispose();
  });
});

describe('memory', () => {
  it('20 training steps of a conv net with Skip blocks inside tidy leave memory().tensors unchanged', () => {
    manualSeed(9);
    const block = (c: number, dropPath: number): Skip => {
      const relu = new ReLU();
      return new Skip({
        main: {
          conv1: new Conv2d(c, c, 3, { padding: 1, bias: false }),
          bn1: new BatchNorm2d(c),
          relu,
          conv2: new Conv2d(c, c, 3, { padding: 1, bias: false }),
          bn2: new BatchNorm2d(c),
        },
        post: relu,
        dropPath,
      });
    };
    const net = new Sequential({
      stem: new Conv2d(1, 4, 3, { padding: 1 }),
      b1: block(4, 0.2),
      dense: new Skip({ main: new Conv2d(4, 2, 1), merge: 'concat' }),
      scaled: new Skip({ main: new Conv2d(6, 6, 1), merge: 'scaled', scale: { channels: 6, init: 0.1 } }),
      pool: new AdaptiveAvgPool2d(1),
      flat: new Flatten(),
      fc: new Linear(6, 3),
    });
    const opt = new SGD(net.namedParameters(), { lr: 0.05 });
    const x = randn([4, 1, 6, 6]);
    const y = randint(0, 3, [4]);
    const before = memory();
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      losses.push(
        tidy(() => {
          const loss = crossEntropy(net.call(x), y);
          loss.backward();
          opt.step();
          net.zeroGrad();
          return loss.itemSync();
        }),
      );
    }
    const after = memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
    expect(losses.every(Number.isFinite)).toBe(true);
    for (const t of [x, y]) t.dispose();
    net.dispose();
  });
});
