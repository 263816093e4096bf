/**
 * `@skipnet/backend-wasm`: skipnet's WebAssembly backend. Matmul and every convolution run in
 * AssemblyScript kernels compiled with 128-bit SIMD (a packed, register-tiled GEMM; im2col into
 * packed panels), using fused multiply-add where the engine supports relaxed SIMD. Tensors
 * live in one WebAssembly.Memory managed by a coalescing allocator, and a worker pool runs the
 * heavy kernels on every core over shared memory.
 *
 * ```ts
 * import { registerBackend, setBackend } from '@skipnet/core';
 * import { createWasmBackend } from '@skipnet/backend-wasm';
 * registerBackend('wasm', () => createWasmBackend({ threads: 2 }));
 * await setBackend('wasm');
 * ```
 *
 * @packageDocumentation
 */
import type { Backend, DataArray, DType } from '@skipnet/core';
import { Heap, PAGE } from './heap.js';
import { createKernels } from './kernels/index.js';
import { buildName, coreCount, loadBytes, sharedMemorySupported } from './loader.js';
import { Pool } from './pool.js';
import { KERNEL_NAMES, Runtime } from './runtime.js';
import type { HeapStats, WasmHandle, WasmKernels } from './types.js';

// Public types come from types.ts only, which mentions no WebAssembly.* or Node types: the
// emitted index.d.ts then type-checks in Node projects without the DOM library.
export type { WasmHandle, WasmKernels, HeapStats } from './types.js';

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Threads the heavy kernels run on, the calling thread included (default: the number of
   * cores). Values above 1 need shared WebAssembly memory (Node, or a cross-origin-isolated
   * page); without it the backend runs on one thread and warns once.
   */
  readonly threads?: number;
  /**
   * `'auto'` (default) uses the relaxed-SIMD (FMA) build where `WebAssembly.validate` accepts it;
   * `false` forces the plain SIMD build; `true` requires the relaxed build (throws without it).
   */
  readonly relaxedSimd?: boolean | 'auto';
  /** Initial linear memory in MiB (default 16). It grows on demand. */
  readonly initialMemoryMiB?: number;
  /** Upper bound of linear memory in MiB (default 2048, at most 4096). */
  readonly maximumMemoryMiB?: number;
  /**
   * Work (≈ flops) below which a kernel runs on the calling thread alone, since waking the
   * workers costs more than it saves (default 1048576). 0 threads every kernel call (tests).
   */
  readonly threadMinWork?: number;
  /** Where to load a kernel build from (default: `../build/<file>` next to this module). */
  readonly locateFile?: (file: string) => string | URL;
}

/** The wasm backend: a {@link Backend} over byte-offset handles whose kernel table is complete. */
export interface WasmBackend extends Backend<WasmHandle> {
  readonly kernels: WasmKernels;
  readSync(handle: WasmHandle, dtype: DType, size: number): DataArray;
  /** Threads the kernels run on. */
  readonly threads: number;
  /** Which kernel build is running: `'relaxed-simd'` (FMA) or `'simd'`. */
  readonly simd: 'relaxed-simd' | 'simd';
  /** Layout of the linear memory: capacity, heap top and free blocks (tests, diagnostics). */
  heapStats(): HeapStats;
}

let warnedNoShared = false;

/**
 * Creates a wasm backend: loads and compiles the kernel build this engine supports, creates the
 * linear memory (shared when `threads > 1`) and starts the worker pool.
 *
 * @param options threads (default: every core), SIMD flavour, memory limits, file location.
 * @returns a backend ready for `registerBackend`; call `dispose()` to stop its workers.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  let threads = Math.max(1, Math.floor(options.threads ?? (await coreCount())));
  if (threads > 1 && !sharedMemorySupported()) {
    if (!warnedNoShared) {
      warnedNoShared = true;
      console.warn(
        '@skipnet/backend-wasm: shared WebAssembly memory is unavailable here (no SharedArrayBuffer, or the page is not cross-origin isolated); running on 1 thread.',
      );
    }
    threads = 1;
  }
  const shared = threads > 1;
  let relaxed = false;
  if (options.relaxedSimd !== false) {
    const bytes = await loadBytes(buildName({ relaxed: true, shared }), options.locateFile);
    relaxed = WebAssembly.validate(bytes);
    if (!relaxed && options.relaxedSimd === true) throw new Error('wasm backend: relaxed SIMD was required but this engine does not support it');
  }
  const bytes = await loadBytes(buildName({ relaxed, shared }), options.locateFile);
  if (!WebAssembly.validate(bytes)) throw new Error('wasm backend: this engine does not support WebAssembly SIMD');
  const module = await WebAssembly.compile(bytes);
  const maxPages = Math.min(65536, Math.ceil(((options.maximumMemoryMiB ?? 2048) * 2 ** 20) / PAGE));
  const initPages = Math.min(maxPages, Math.max(2, Math.ceil(((options.initialMemoryMiB ?? 16) * 2 ** 20) / PAGE)));
  const heap = new Heap({ initialPages: initPages, maximumPages: maxPages, shared });
  const instance = await WebAssembly.instantiate(module, { env: { memory: heap.memory } });
  const pool = threads > 1 ? await Pool.start(module, heap.memory, threads, KERNEL_NAMES) : null;
  const rt = new Runtime(heap, instance, pool, options.threadMinWork);
  const read = (handle: WasmHandle, dtype: DType, size: number): DataArray => {
    heap.refresh();
    const b = handle >>> 2;
    return dtype === 'int32' ? heap.i32.slice(b, b + size) : heap.f32.slice(b, b + size);
  };
  return {
    name: 'wasm',
    threads,
    simd: relaxed ? 'relaxed-simd' : 'simd',
    kernels: createKernels(rt),
    upload(data: DataArray): WasmHandle {
      const h = heap.allocUninit(data.length);
      if (data instanceof Int32Array) heap.i32.set(data, h >>> 2);
      else heap.f32.set(data, h >>> 2);
      return h;
    },
    read: (handle, dtype, size) => Promise.resolve(read(handle, dtype, size)),
    readSync: read,
    free: (handle) => heap.free(handle),
    memory: () => heap.memoryStats(),
    heapStats: () => heap.stats(),
    sync: () => Promise.resolve(),
    dispose: () => {
      rt.dispose();
      heap.clear();
    },
  };
}
