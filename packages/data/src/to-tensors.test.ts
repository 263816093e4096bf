import { memory, registerBackend, removeBackend, setBackend, type Backend, type DataArray } from '@skipnet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collate } from './dataset.js';
import { toTensors } from './to-tensors.js';

/**
 * A storage-only backend: enough for creating tensors and reading them back, which is all
 * the adapter does. Kernels throw, so the test cannot silently depend on any of them.
 */
function storageOnlyBackend(): Backend<number> {
  const buffers = new Map<number, DataArray>();
  let next = 0;
  const kernels = new Proxy(
    {},
    {
      get: (_, name) => () => {
        throw new Error(`kernel ${String(name)} is not available in the storage-only test backend`);
      },
    },
  ) as Backend<number>['kernels'];
  return {
    name: 'storage-only',
    kernels,
    upload: (data) => (buffers.set(next, data.slice()), next++),
    read: async (h) => buffers.get(h)!.slice(),
    readSync: (h) => buffers.get(h)!.slice(),
    free: (h) => void buffers.delete(h),
    memory: () => ({ buffers: buffers.size, bytes: [...buffers.values()].reduce((a, b) => a + b.byteLength, 0) }) as ReturnType<Backend<number>['memory']>,
  };
}

describe('toTensors', () => {
  beforeAll(async () => {
    registerBackend('data-test', storageOnlyBackend);
    await setBackend('data-test');
  });
  afterAll(() => removeBackend('data-test'));

  it('makes float32 images and int32 labels with the batch shapes', async () => {
    const batch = collate([
      { x: Float32Array.of(0.5, 1, 1.5, 2), xShape: [1, 2, 2], y: Int32Array.of(3), yShape: [] },
      { x: Float32Array.of(-1, -2, -3, -4), xShape: [1, 2, 2], y: Int32Array.of(7), yShape: [] },
    ]);
    const { x, y } = toTensors(batch);
    expect(x.shape).toEqual([2, 1, 2, 2]);
    expect(x.dtype).toBe('float32');
    expect(await x.data()).toEqual(Float32Array.of(0.5, 1, 1.5, 2, -1, -2, -3, -4));
    expect(y.shape).toEqual([2]);
    expect(y.dtype).toBe('int32');
    expect(await y.data()).toEqual(Int32Array.of(3, 7));
    x.dispose();
    y.dispose();
  });

  it('keeps token ids int32 and one-hot targets float32', async () => {
    const { x, y } = toTensors({ x: Int32Array.of(1, 2, 3, 4), xShape: [2, 2], y: Float32Array.of(0, 1, 1, 0), yShape: [2, 2] });
    expect([x.dtype, y.dtype]).toEqual(['int32', 'float32']);
    expect(await x.data()).toEqual(Int32Array.of(1, 2, 3, 4));
    x.dispose();
    y.dispose();
  });

  it('copies the batch (later edits do not leak) and frees on dispose', async () => {
    const before = memory();
    const batch = { x: Float32Array.of(1, 2), xShape: [2], y: Int32Array.of(0, 1), yShape: [2] };
    const { x, y } = toTensors(batch);
    batch.x[0] = 99;
    expect(await x.data()).toEqual(Float32Array.of(1, 2));
    x.dispose();
    y.dispose();
    expect(memory()).toEqual(before);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => toTensors({ x: new Float32Array(3), xShape: [2, 2], y: new Int32Array(2), yShape: [2] })).toThrow(/3 values cannot fill shape/);
  });
});
