/**
 * The wasm backend's public types: the byte-offset handle, the kernel table and heap statistics.
 *
 * `index.ts` takes every type it exports from here, so the published `index.d.ts` reaches only
 * this module and core. Keep WebAssembly.* and Node types out of it: Node projects compile
 * without the DOM library, which is where TypeScript declares `WebAssembly`.
 */
import type { KernelTable, OptionalKernelName } from '@skipnet/core';

/**
 * A wasm storage handle: the byte offset of the buffer in the backend's linear memory. Buffers
 * never move (the memory grows in place), so the number stays valid until the buffer is freed.
 */
export type WasmHandle = number;

/** Every kernel the wasm backend implements: all of `RequiredKernels` and all of `OptionalKernels`. */
export type WasmKernels = KernelTable<WasmHandle, OptionalKernelName>;

/** Heap layout statistics, for tests and diagnostics. */
export interface HeapStats {
  /** Bytes of linear memory. */
  readonly capacity: number;
  /** End of the highest block ever in use and not returned (the heap's high-water mark now). */
  readonly top: number;
  /** Bytes in free blocks below `top`. */
  readonly free: number;
  /** Number of free blocks below `top`. */
  readonly freeBlocks: number;
}
