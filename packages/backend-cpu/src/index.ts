/**
 * `@skipnet/backend-cpu`: skipnet's reference backend. Every kernel of the Backend interface,
 * required and optional, in plain TypeScript over Float32Array / Int32Array — runs anywhere
 * JavaScript runs, synchronously, with `readSync` support.
 *
 * ```ts
 * import { registerBackend, setBackend } from '@skipnet/core';
 * import { createCpuBackend } from '@skipnet/backend-cpu';
 * registerBackend('cpu', createCpuBackend);
 * await setBackend('cpu');
 * ```
 *
 * @packageDocumentation
 */
import type { Backend, DataArray, DType } from '@skipnet/core';
import { createKernels, type CpuKernels } from './kernels/index.js';
import { releaseScratch } from './scratch.js';
import { CpuStorage, readCopy, type CpuHandle } from './storage.js';

export type { CpuHandle } from './storage.js';
export type { CpuKernels } from './kernels/index.js';

/** The cpu backend: a {@link Backend} over {@link CpuHandle}s whose kernel table is complete. */
export interface CpuBackend extends Backend<CpuHandle> {
  /** Every required and optional kernel. */
  readonly kernels: CpuKernels;
  /** Synchronous readback (always available on the cpu); returns a copy. */
  readSync(handle: CpuHandle, dtype: DType, size: number): DataArray;
}

/**
 * Creates a cpu backend. Each backend keeps its own live-buffer books (`memory()`); scratch
 * buffers used inside kernels are shared by all cpu backends of the process.
 */
export function createCpuBackend(): CpuBackend {
  const st = new CpuStorage();
  return {
    name: 'cpu',
    kernels: createKernels(st),
    upload: (data) => st.upload(data),
    read: (handle, dtype, size) => Promise.resolve(readCopy(handle, dtype, size)),
    readSync: (handle, dtype, size) => readCopy(handle, dtype, size),
    free: (handle) => st.free(handle),
    memory: () => st.memory(),
    sync: () => Promise.resolve(),
    dispose: () => {
      st.clear();
      releaseScratch();
    },
  };
}
