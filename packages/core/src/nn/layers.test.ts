/** Layers: shapes, numerics against raw ops, and train/eval behaviour. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import {
  registerBackend,
  setBackend,
  tidy,
  tensor,
  randn,
  ones,
  linear,
  narrow,
  reshape,
  permute,
  matmul,
  softmax,
  mul,
  add,
  transpose,
  conv2d,
  contiguous,
  Conv2d,
  ConvTranspose2d,
  BatchNorm2d,
  BatchNorm1d,
  Dropout,
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  Upsample,
  Flatten,
  LeakyReLU,
  MultiheadAttention,
  GroupNorm,
  type Tensor,
} from '../index.js';
import { assertTensorsClose } from '../testing/index.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

/** Multi-head attention written out with raw ops, batch-first. */
function manualAttention(m: MultiheadAttention, q: Tensor, k: Tensor, v: Tensor, mask?: Tensor): Tensor {
  const e = m.embedDim;
  const h = m.numHeads;
  const d = e / h;
  const proj = (x: Tensor, i: number): Tensor => linear(x, narrow(m.in_proj_weight, 0, i * e, e), narrow(m.in_proj_bias!, 0, i * e, e));
  const heads = (x: Tensor): Tensor => permute(reshape(x, [x.shape[0]!, x.shape[1]!, h, d]), [0, 2, 1, 3]);
  let scores = mul(matmul(heads(proj(q, 0)), transpose(heads(proj(k, 1)))), 1 / Math.sqrt(d));
  if (mask) scores = add(scores, mask);
  const out = matmul(softmax(scores, -1), heads(proj(v, 2)));
  return linear(reshape(contiguous(permute(out, [0, 2, 1, 3])), [q.shape[0]!, q.shape[1]!, e]), m.out_proj.weight, m.out_proj.bias);
}

describe('MultiheadAttention', () => {
  it('self-attention (batch first) equals the computation in raw ops', () => {
    const m = new MultiheadAttention(8, 2, { batchFirst: true });
    tidy(() => {
      // Non-zero biases so the packed split is exercised.
      m.loadStateDict({ ...m.stateDict(), in_proj_bias: randn([24]), 'out_proj.bias': randn([8]) });
      const x = randn([2, 5, 8]);
      assertTensorsClose(m.call(x), manualAttention(m, x, x, x));
    });
    m.dispose();
  });

  it('cross-attention in the sequence-first layout, with a causal or an int32 mask', () => {
    const m = new MultiheadAttention(8, 4);
    tidy(() => {
      const q = randn([3, 2, 8]);
      const kv = randn([3, 2, 8]);
      const bf = (t: Tensor): Tensor => transpose(t, 0, 1);
      const causal = tensor([
        [0, -Infinity, -Infinity],
        [0, 0, -Infinity],
        [0, 0, 0],
      ]);
      assertTensorsClose(m.call(q, kv, kv), bf(manualAttention(m, bf(q), bf(kv), bf(kv))));
      assertTensorsClose(m.call(q, kv, kv, { isCausal: true }), bf(manualAttention(m, bf(q), bf(kv), bf(kv), causal)));
      const blocked = tensor(new Int32Array([0, 1, 1, 0, 0, 1, 0, 0, 0]), [3, 3]);
      assertTensorsClose(m.call(q, kv, kv, { attnMask: blocked }), bf(manualAttention(m, bf(q), bf(kv), bf(kv), causal)));
    });
    m.dispose();
  });

  it('counts its multiply-adds', () => {
    const m = new MultiheadAttention(8, 2, { batchFirst: true });
    tidy(() => {
      const x = randn([1, 4, 8]);
      // 4 projections of 4×8×8, scores and weighted sum 2×4×4×8.
      expect(m.multiplyAdds([x], m.call(x))).toBe(4 * 4 * 64 + 2 * 4 * 4 * 8);
    });
    m.dispose();
  });
});

describe('convolution layers', () => {
  it('Conv2d passes stride, padding, dilation and groups to the op', () => {
    const c = new Conv2d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 });
    expect(c.weight.shape).toEqual([6, 2, 3, 3]);
    tidy(() => {
      const x = randn([1, 4, 7, 7]);
      assertTensorsClose(c.call(x), conv2d(x, c.weight, c.bias, { stride: 2, padding: 2, dilation: 2, groups: 2 }));
    });
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/groups=2 must divide inChannels=3/);
    c.dispose();
  });

  it('ConvTranspose2d has weight [in, out/groups, kH, kW] and doubles a 2-stride output', () => {
    const up = new ConvTranspose2d(4, 2, 2, { stride: 2 });
    expect(up.weight.shape).toEqual([4, 2, 2, 2]);
    expect(up.bias!.shape).toEqual([2]);
    expect(tidy(() => up.call(randn([1, 4, 3, 3]))).shape).toEqual([1, 2, 6, 6]);
    up.dispose();
  });
});

describe('normalisation, dropout, pooling, reshaping', () => {
  it('BatchNorm2d takes [N,C,H,W] and [N,C]; BatchNorm1d takes [N,C] and [N,C,L]; wrong channels are named', () => {
    const b2 = new BatchNorm2d(3);
    const b1 = new BatchNorm1d(3);
    tidy(() => {
      expect(b2.call(randn([2, 3, 2, 2])).shape).toEqual([2, 3, 2, 2]);
      expect(b2.call(randn([4, 3])).shape).toEqual([4, 3]);
      expect(b1.call(randn([4, 3, 5])).shape).toEqual([4, 3, 5]);
      expect(() => b1.call(randn([4, 3, 2, 2]))).toThrow(/BatchNorm1d: expected \[N,C\] or \[N,C,L\]/);
      expect(() => b2.call(randn([4, 5]))).toThrow(/BatchNorm2d\(3\): input \[4,5\] has 5 channels/);
    });
    expect(b2.num_batches_tracked!.itemSync()).toBe(2);
    const noStats = new BatchNorm2d(3, { trackRunningStats: false, affine: false });
    expect(Object.keys(noStats.stateDict())).toEqual([]);
    noStats.eval();
    tidy(() => expect(noStats.call(randn([2, 3, 2, 2])).shape).toEqual([2, 3, 2, 2]));
    for (const m of [b1, b2, noStats]) m.dispose();
  });

  it('GroupNorm normalises groups of channels', () => {
    const g = new GroupNorm(2, 4);
    tidy(() => {
      const y = g.call(mul(randn([2, 4, 3, 3]), 5));
      const v = y.dataSync();
      // Each (sample, group) block of 2·9 values has mean ≈ 0.
      for (let b = 0; b < 4; b++) {
        const block = Array.from(v.slice(b * 18, b * 18 + 18));
        expect(Math.abs(block.reduce((s, t) => s + t, 0) / 18)).toBeLessThan(1e-5);
      }
    });
    g.dispose();
  });

  it('Dropout drops in training and is the identity in eval', () => {
    const d = new Dropout(0.5);
    tidy(() => {
      const x = ones([1000]);
      const y = Array.from(d.call(x).dataSync());
      expect(y.every((v) => v === 0 || v === 2)).toBe(true);
      expect(y.filter((v) => v === 0).length).toBeGreaterThan(400);
      d.eval();
      expect(Array.from(d.call(x).dataSync()).every((v) => v === 1)).toBe(true);
    });
  });

  it('pooling, upsampling, flatten and leaky ReLU have PyTorch defaults', () => {
    tidy(() => {
      const x = randn([2, 3, 8, 8]);
      expect(new MaxPool2d(2).call(x).shape).toEqual([2, 3, 4, 4]);
      expect(new MaxPool2d(3, { stride: 2, padding: 1 }).call(x).shape).toEqual([2, 3, 4, 4]);
      expect(new AvgPool2d(4).call(x).shape).toEqual([2, 3, 2, 2]);
      expect(new AdaptiveAvgPool2d([1, 1]).call(x).shape).toEqual([2, 3, 1, 1]);
      expect(new Upsample({ scaleFactor: 2, mode: 'bilinear' }).call(x).shape).toEqual([2, 3, 16, 16]);
      expect(new Upsample({ size: [5, 6] }).call(x).shape).toEqual([2, 3, 5, 6]);
      expect(new Flatten().call(x).shape).toEqual([2, 192]);
      expect(Array.from(new LeakyReLU(0.1).call(tensor([-2, 3])).dataSync()).map((v) => Math.round(v * 10) / 10)).toEqual([-0.2, 3]);
    });
  });
});
