/**
 * Kernel tests beyond the conformance suite: the custom programs against the cpu backend on
 * geometries tfjs has no kernel for, bit-exact uniform draws, tfjs tensor accounting, strided
 * views, synchronous reads, the optimizer kernels and the no-CPU-fallback rule.
 */
import { createCpuBackend } from '@skipnet/backend-cpu';
import {
  Adam,
  AdamW,
  SGD,
  addActivation,
  assign,
  avgPool2d,
  conv2d,
  convTranspose2d,
  contiguous,
  div,
  expand,
  gather,
  getBackend,
  grad,
  maxPool2d,
  memory,
  mul,
  normalAt,
  permute,
  rand,
  randint,
  randn,
  registerBackend,
  removeBackend,
  setBackend,
  slice,
  sum,
  tensor,
  tidy,
  uniformAt,
  upsample,
  type DataArray,
  type Tensor,
} from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebglBackend, type WebglBackend } from './index.js';
import { testOptions } from './test/env.js';

let gl: WebglBackend;
beforeAll(async () => {
  registerBackend('k-webgl', async () => (gl = await createWebglBackend(testOptions)));
  registerBackend('k-cpu', createCpuBackend);
  await setBackend('k-webgl');
});
afterAll(() => {
  removeBackend('k-webgl');
  removeBackend('k-cpu');
});

interface Input {
  readonly shape: number[];
  readonly data: ArrayLike<number>;
  readonly dtype?: 'float32' | 'int32';
  readonly grad?: boolean;
}

/** Deterministic data in [-1, 1). */
function data(n: number, key: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 2 * uniformAt(99, key, i) - 1);
}

/** Runs `f` on fresh tensors of `inputs` on one backend; returns every output read back. */
async function runOn(name: string, inputs: readonly Input[], f: (...xs: Tensor[]) => Tensor[]): Promise<DataArray[]> {
  await setBackend(name);
  const xs = inputs.map((i) => {
    const t = tensor(Float32Array.from(i.data), i.shape, { dtype: i.dtype ?? 'float32' });
    if (i.grad) t.requiresGrad = true;
    return t;
  });
  const before = memory().tensors;
  const outs = tidy(() => f(...xs));
  const values = await Promise.all(outs.map((o) => o.data()));
  outs.forEach((o) => o.dispose());
  xs.forEach((x) => x.dispose());
  expect(memory().tensors).toBe(before - xs.length);
  await setBackend('k-webgl');
  return values;
}

/** Asserts webgl and cpu agree on `f` within `tol`. */
async function agree(what: string, inputs: readonly Input[], f: (...xs: Tensor[]) => Tensor[], tol32 = 1e-4): Promise<void> {
  // float16 textures hold ~3 significant digits (README, "Precision").
  const tol = gl.floatPrecision === 16 ? 1e-1 : tol32;
  const a = await runOn('k-webgl', inputs, f);
  const b = await runOn('k-cpu', inputs, f);
  expect(a.length).toBe(b.length);
  a.forEach((va, k) => {
    const vb = b[k]!;
    expect(va.length, `${what}: output ${k} length`).toBe(vb.length);
    let worst = 0;
    let at = -1;
    for (let i = 0; i < va.length; i++) {
      const e = Math.abs(va[i]! - vb[i]!) / (1 + Math.abs(vb[i]!));
      if (!(e <= worst)) [worst, at] = [e, i];
    }
    expect(worst, `${what}: output ${k} element ${at}: webgl ${va[at]} vs cpu ${vb[at]}`).toBeLessThanOrEqual(tol);
  });
}

describe('custom programs agree with the cpu backend', () => {
  const geos = [
    { name: 'ResNeXt grouped 3x3, groups 4', x: [2, 8, 7, 6], w: [8, 2, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 4 },
    { name: 'stride 2 with dilation 2 (tfjs has neither)', x: [1, 3, 11, 10], w: [4, 3, 3, 3], stride: 2, padding: 2, dilation: 2, groups: 1 },
    { name: 'depthwise with channel multiplier', x: [2, 3, 6, 6], w: [6, 1, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 3 },
    { name: 'grouped, dilated, stride 2', x: [1, 4, 9, 9], w: [6, 2, 3, 3], stride: 2, padding: 1, dilation: 2, groups: 2 },
    {
      name: '4-channel groups (im2col + batched matmul), stride 2, dilation 2',
      x: [2, 8, 9, 8],
      w: [6, 4, 3, 3],
      stride: 2,
      padding: 2,
      dilation: 2,
      groups: 2,
    },
    { name: 'stride 2 with dilation 2, 5 channels (im2col + matmul)', x: [1, 5, 10, 9], w: [3, 5, 3, 3], stride: 2, padding: 1, dilation: 2, groups: 1 },
  ];
  for (const g of geos) {
    it(`conv2d ${g.name}: forward, fused bias+activations and both gradients`, async () => {
      const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const opts = { stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups };
      const inputs: Input[] = [
        { shape: g.x, data: data(n(g.x), 1), grad: true },
        { shape: g.w, data: data(n(g.w), 2), grad: true },
        { shape: [g.w[0]!], data: data(g.w[0]!, 3) },
      ];
      await agree(g.name, inputs, (x, w, b) => {
        const outs = (['none', 'relu', 'sigmoid', 'tanh', 'gelu', 'silu'] as const).map((act) => conv2d(x!, w!, b!, opts, act));
        // Gradients (the grouped backward programs for groups > 1 or dilation > 1).
        const y = conv2d(x!, w!, null, opts);
        const cot = mul(y, y);
        sum(mul(y, cot)).backward();
        return [...outs, x!.grad!, w!.grad!];
      });
    });
  }

  it('convTranspose2d grouped and dilated, with output padding', async () => {
    await agree(
      'convTranspose2d',
      [
        { shape: [2, 4, 4, 5], data: data(160, 4) },
        { shape: [4, 3, 3, 3], data: data(108, 5) },
      ],
      (x, w) => [convTranspose2d(x!, w!, null, { stride: 2, padding: 1, outputPadding: 1, dilation: 2, groups: 2 })],
    );
  });

  it('pooling and resizing at other ratios, with gradients', async () => {
    await agree('pool/resize', [{ shape: [1, 2, 9, 7], data: data(126, 6), grad: true }], (x) => {
      const outs = [
        maxPool2d(x!, 3, { stride: 2, padding: 1 }),
        avgPool2d(x!, [3, 2], { stride: [2, 1], padding: [1, 1], countIncludePad: true }),
        avgPool2d(x!, [3, 2], { stride: [2, 1], padding: [1, 1], countIncludePad: false }),
        upsample(x!, { size: [36, 5], mode: 'nearest' }),
        upsample(x!, { size: [31, 23], mode: 'bilinear' }),
        upsample(x!, { size: [4, 3], mode: 'bilinear' }),
        upsample(x!, { size: [20, 15], mode: 'bilinear', alignCorners: true }),
      ];
      const [gx] = grad((v: Tensor) => sum(mul(maxPool2d(v, 2), 1.5)))(x!);
      const [gu] = grad((v: Tensor) => sum(mul(upsample(v, { size: [31, 23], mode: 'bilinear' }), upsample(v, { size: [31, 23], mode: 'nearest' }))))(x!);
      return [...outs, gx!, gu!];
    });
  });

  it('gather / scatter-add along an inner axis with repeated indices', async () => {
    await agree(
      'gather axis 1',
      [
        { shape: [3, 5, 2], data: data(30, 7), grad: true },
        { shape: [6], data: [4, 0, 4, 2, 4, 1], dtype: 'int32' },
      ],
      (x, idx) => {
        const y = gather(x!, idx!, 1);
        sum(mul(y, y)).backward();
        return [y, x!.grad!];
      },
    );
  });

  it('strided views: permuted slices with offsets, stride-0 broadcasts', async () => {
    await agree('views', [{ shape: [4, 5, 6], data: data(120, 8) }], (x) => [
      contiguous(permute(slice(x!, [1, 1, 2], [3, 3, 4]), [2, 0, 1])),
      contiguous(expand(slice(x!, [2, 0, 3], [1, 5, 1]), [3, 5, 4])),
      contiguous(slice(permute(x!, [1, 2, 0]), [0, 1, 1], [5, 2, 3])),
      div(permute(x!, [2, 1, 0]), 3),
    ]);
  });

  it('the residual merge: fused addActivation and its gradient', async () => {
    await agree(
      'addActivation',
      [
        { shape: [2, 3, 5, 5], data: data(150, 9), grad: true },
        { shape: [2, 3, 5, 5], data: data(150, 10), grad: true },
      ],
      (a, b) => {
        const y = addActivation(a!, b!, 'relu');
        sum(mul(y, a!)).backward();
        return [y, addActivation(a!, b!, 'none'), a!.grad!, b!.grad!];
      },
    );
  });

  it('int32 arithmetic: truncating division, comparisons, argmax', async () => {
    await agree(
      'int32',
      [
        { shape: [6], data: [-7, 7, -8, 9, 0, 5], dtype: 'int32' },
        { shape: [6], data: [2, -2, 3, 4, 7, -5], dtype: 'int32' },
      ],
      (a, b) => [div(a!, b!), mul(a!, b!), a!.lt(b!), a!.argmax()],
    );
  });

  for (const [name, make] of [
    ['SGD nesterov with weight decay', (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.05, weightDecay: 0.01 })],
    ['AdamW', (ps: Tensor[]) => new AdamW(ps, { lr: 0.05 })],
  ] as const) {
    it(`${name}: fused in-place steps`, async () => {
      await agree(
        name,
        [{ shape: [3, 4], data: data(12, 11), grad: true }],
        (p) => {
          const opt = make([p!]);
          for (let i = 0; i < 3; i++) {
            tidy(() => sum(mul(p!, p!)).backward());
            opt.step();
            opt.zeroGrad();
          }
          opt.dispose();
          return [mul(p!, 1)];
        },
        1e-5,
      );
    });
  }
});

describe('random', () => {
  it('uniform draws are bit-identical to core uniformAt (seeds beyond int32 too); normal within 1e-5', async (ctx) => {
    // float16 textures cannot hold 24-bit uniforms.
    if (gl.floatPrecision === 16) ctx.skip();
    for (const seed of [0, 42, 0x9e3779b9, 123456789]) {
      const u = rand([4099], { seed });
      const got = await u.data();
      u.dispose();
      const want = Float32Array.from({ length: 4099 }, (_, i) => uniformAt(seed, 0, i));
      expect(Array.from(got)).toEqual(Array.from(want));
      const z = randn([2053], { seed });
      const zs = await z.data();
      z.dispose();
      let worst = 0;
      for (let i = 0; i < zs.length; i++) worst = Math.max(worst, Math.abs(zs[i]! - normalAt(seed, 0, i)));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('randint floors exactly in integer arithmetic (negative and large ranges)', async (ctx) => {
    // float16 textures hold integers exactly only up to 2048.
    if (gl.floatPrecision === 16) ctx.skip();
    for (const [low, high] of [
      [-3, 9],
      [0, 50257],
      [-1000000, 7000001],
    ] as const) {
      const r = randint(low, high, [3001], { seed: 17 });
      expect(r.dtype).toBe('int32');
      const got = Array.from(await r.data());
      r.dispose();
      expect(got).toEqual(Array.from({ length: 3001 }, (_, i) => Math.floor(low + (high - low) * uniformAt(17, 0, i))));
    }
  });
});

describe('storage', () => {
  it('tidy and dispose free the tfjs tensors; memory() reports skipnet handles', async () => {
    const tf0 = gl.tfjsMemory().numTensors;
    const m0 = memory();
    const x = randn([4, 3, 8, 8], { seed: 1 });
    const w = randn([5, 3, 3, 3], { seed: 2 });
    expect(memory().tensors).toBe(m0.tensors + 2);
    expect(memory().bytes).toBe(m0.bytes + (4 * 3 * 64 + 5 * 27) * 4);
    const y = tidy(() => maxPool2d(conv2d(permute(permute(x, [0, 2, 3, 1]), [0, 3, 1, 2]), w, null, { padding: 1, groups: 1 }), 2));
    expect(gl.tfjsMemory().numTensors).toBe(tf0 + 3);
    await y.data();
    [x, w, y].forEach((t) => t.dispose());
    expect(gl.tfjsMemory().numTensors).toBe(tf0);
    expect(memory()).toEqual(m0);
  });

  it('readSync answers int32 uploads from their host copy and floats through tfjs dataSync', () => {
    const i = tensor([3, -1, 4], [3], { dtype: 'int32' });
    expect(Array.from(i.dataSync())).toEqual([3, -1, 4]);
    const f = tidy(() => mul(tensor([1, 2], [2]), 2));
    expect(Array.from(f.dataSync())).toEqual([2, 4]);
    // An in-place update drops the host copy.
    const j = tensor([1, 2, 3], [3], { dtype: 'int32' });
    tidy(() => assign(j, tensor([7, 8, 9], [3], { dtype: 'int32' })));
    expect(Array.from(j.dataSync())).toEqual([7, 8, 9]);
    [i, f, j].forEach((t) => t.dispose());
  });

  it('blockingReadSync: false makes synchronous reads of GPU results throw', async () => {
    const b = await createWebglBackend({ ...testOptions, blockingReadSync: false });
    const h = b.upload(new Float32Array([1, 2]));
    expect(() => b.readSync(h, 'float32', 2)).toThrow(/synchronous readback .* turned off/);
    const k = b.upload(new Int32Array([5, 6]));
    expect(Array.from(b.readSync(k, 'int32', 2))).toEqual([5, 6]);
    b.free(h);
    b.free(k);
    b.dispose();
  });

  it('maxPool2dBackward without recorded geometry scans the whole plane', async () => {
    const dy = gl.upload(new Float32Array([1, 2, 3, 4]));
    const idx = gl.upload(new Int32Array([0, 0, 5, 8]));
    const dx = gl.kernels.maxPool2dBackward(
      { dy: { handle: dy, shape: [1, 1, 2, 2], dtype: 'float32' }, indices: { handle: idx, shape: [1, 1, 2, 2], dtype: 'int32' } },
      { inShape: [1, 1, 3, 3] },
    );
    expect(Array.from(await gl.read(dx, 'float32', 9))).toEqual([3, 0, 0, 0, 0, 3, 0, 0, 4]);
    [dy, idx, dx].forEach((h) => gl.free(h));
  });
});

describe('no silent CPU fallback', () => {
  it('throws, naming the problem, when tfjs is switched to another backend', async () => {
    tf.registerBackend(
      'not-webgl',
      () =>
        new (class extends tf.KernelBackend {
          override dispose(): void {}
        })(),
    );
    const x = tensor([1, 2, 3], [3]);
    await tf.setBackend('not-webgl');
    try {
      expect(() => tidy(() => mul(x, 2))).toThrow(/tfjs's active backend is 'not-webgl', not 'webgl'/);
    } finally {
      await tf.setBackend('webgl');
      tf.removeBackend('not-webgl');
    }
    const y = mul(x, 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    [x, y].forEach((t) => t.dispose());
    expect(getBackend()).toBe(gl);
  });
});
