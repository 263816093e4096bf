import { describe, expect, it } from 'vitest';
import type { Backend, BackendFactory, KernelName } from '@skipnet/core';
import { createCpuBackend, type CpuHandle } from './index.js';

describe('createCpuBackend', () => {
  it('is a BackendFactory and implements every kernel, required and optional', () => {
    const factory: BackendFactory = createCpuBackend;
    const be: Backend<CpuHandle> = createCpuBackend();
    expect(typeof factory).toBe('function');
    const all: KernelName[] = [
      'unary',
      'binary',
      'where',
      'cast',
      'contiguous',
      'reduce',
      'argReduce',
      'matmul',
      'conv2d',
      'convTranspose2d',
      'maxPool2d',
      'maxPool2dBackward',
      'avgPool2d',
      'avgPool2dBackward',
      'resize',
      'resizeBackward',
      'concat',
      'pad',
      'gather',
      'scatterAdd',
      'random',
      'assign',
      'conv2dBackwardInput',
      'conv2dBackwardWeight',
      'conv2dBiasAct',
      'addAct',
      'activationBackward',
      'batchNormStats',
      'batchNorm',
      'batchNormBackward',
      'softmax',
      'logSoftmax',
      'sgdStep',
      'adamStep',
    ];
    for (const name of all) expect(typeof be.kernels[name], name).toBe('function');
    expect(be.name).toBe('cpu');
  });

  it('upload copies, read/readSync return private copies of the requested dtype', async () => {
    const be = createCpuBackend();
    const src = Float32Array.of(1.5, -2.5, 3);
    const h = be.upload(src);
    src[0] = 99;
    const r = be.readSync(h, 'float32', 3);
    expect(Array.from(r)).toEqual([1.5, -2.5, 3]);
    r[1] = 0;
    expect(Array.from(await be.read(h, 'float32', 2))).toEqual([1.5, -2.5]);
    const asInt = be.readSync(h, 'int32', 3);
    expect(asInt).toBeInstanceOf(Int32Array);
    expect(Array.from(asInt)).toEqual([1, -2, 3]);
    const hi = be.upload(Int32Array.of(4, 5));
    expect(be.readSync(hi, 'int32', 2)).toBeInstanceOf(Int32Array);
    expect(Array.from(be.readSync(hi, 'float32', 2))).toEqual([4, 5]);
  });

  it('memory() counts uploads and kernel outputs and drops them on free', () => {
    const be = createCpuBackend();
    expect(be.memory()).toEqual({ bytes: 0, buffers: 0 });
    const x = be.upload(new Float32Array(16));
    expect(be.memory()).toEqual({ bytes: 64, buffers: 1 });
    const r = be.kernels.maxPool2d(
      { x: { handle: x, shape: [1, 1, 4, 4], dtype: 'float32' } },
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0], outShape: [1, 1, 2, 2] },
    );
    expect(be.memory()).toEqual({ bytes: 64 + 16 + 16, buffers: 3 });
    const y = be.kernels.unary({ x: { handle: x, shape: [16], strides: [1], offset: 0, dtype: 'float32' } }, { op: 'exp' });
    expect(be.memory().buffers).toBe(4);
    // In-place kernels allocate nothing.
    be.kernels.assign(
      { target: { handle: y, shape: [16], dtype: 'float32' }, source: { handle: x, shape: [16], strides: [1], offset: 0, dtype: 'float32' } },
      {},
    );
    expect(be.memory().buffers).toBe(4);
    for (const h of [x, r.out, r.indices, y]) be.free(h);
    expect(be.memory()).toEqual({ bytes: 0, buffers: 0 });
    expect(() => be.free(x)).toThrow(/not live/);
  });

  it('keeps separate books per backend and dispose() clears them', () => {
    const a = createCpuBackend();
    const b = createCpuBackend();
    a.upload(new Float32Array(4));
    expect(b.memory().buffers).toBe(0);
    a.dispose?.();
    expect(a.memory()).toEqual({ bytes: 0, buffers: 0 });
    // Kernels still work after disposal (scratch is recreated on demand).
    const h = a.kernels.matmul(
      {
        a: { handle: a.upload(new Float32Array(64 * 64).fill(1)), shape: [1, 64, 64], dtype: 'float32' },
        b: { handle: a.upload(new Float32Array(64 * 64).fill(1)), shape: [1, 64, 64], dtype: 'float32' },
      },
      { transposeA: false, transposeB: false },
    );
    expect(h[0]).toBe(64);
  });
});
