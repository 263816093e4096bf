/**
 * The backend in a browser: kernel builds fetched, a cross-origin-isolated page giving shared
 * memory, and the pool running browser Workers (started from an inline script). Checks that two
 * threads are in use, that results match one thread bit for bit and float64 references, then
 * runs the conformance suite threaded.
 */
import { describe, expect, it } from 'vitest';
import { assertClose, randomArray, reference as R, runConformance } from '@skipnet/core/testing';
import { createWasmBackend, type WasmBackend } from './index.js';

describe('browser', () => {
  it('is cross-origin isolated and runs on 2 threads (Workers over shared memory)', async () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    const be = await createWasmBackend({ threads: 2 });
    expect(be.threads).toBe(2);
    be.dispose?.();
  });

  it('matmul and conv2d: 2 threads equal 1 thread bit for bit, and match float64', async () => {
    const [one, two] = await Promise.all([createWasmBackend({ threads: 1 }), createWasmBackend({ threads: 2, threadMinWork: 0 })]);
    const ad = randomArray(70 * 90),
      bd = randomArray(90 * 50);
    const xd = randomArray(2 * 8 * 13 * 11),
      wd = randomArray(12 * 8 * 9);
    const geo = { stride: [1, 1] as [number, number], padding: [1, 1] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
    const run = (be: WasmBackend) => {
      const a = { handle: be.upload(ad), shape: [1, 70, 90], dtype: 'float32' as const };
      const b = { handle: be.upload(bd), shape: [1, 90, 50], dtype: 'float32' as const };
      const x = { handle: be.upload(xd), shape: [2, 8, 13, 11], dtype: 'float32' as const };
      const w = { handle: be.upload(wd), shape: [12, 8, 3, 3], dtype: 'float32' as const };
      const c = be.kernels.matmul({ a, b }, { transposeA: false, transposeB: false });
      const y = be.kernels.conv2d({ x, w }, { ...geo, outShape: [2, 12, 13, 11] });
      const out = [be.readSync(c, 'float32', 3500) as Float32Array, be.readSync(y, 'float32', 2 * 12 * 143) as Float32Array];
      [a.handle, b.handle, x.handle, w.handle, c, y].forEach((h) => be.free(h));
      return out;
    };
    const [r1, r2] = [run(one), run(two)];
    expect(r2).toEqual(r1);
    assertClose(r1[0]!, R.matmulRef(R.ref(ad, [1, 70, 90]), R.ref(bd, [1, 90, 50])).data, { atol: 1e-4, rtol: 1e-4 }, 'matmul');
    assertClose(r1[1]!, R.conv2dRef(R.ref(xd, [2, 8, 13, 11]), R.ref(wd, [12, 8, 3, 3]), geo).data, { atol: 1e-4, rtol: 1e-4 }, 'conv2d');
    one.dispose?.();
    two.dispose?.();
  });
});

runConformance({ name: 'wasm-browser-2-threads', factory: () => createWasmBackend({ threads: 2, threadMinWork: 0 }) });
