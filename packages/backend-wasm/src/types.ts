/**
 * The wasm backend's public types: kernel signatures derived from core's specs with byte-offset
 * handles, the kernel table and heap statistics.
 *
 * `index.ts` takes every type it exports from here, so the published `index.d.ts` reaches only
 * this module and core. Keep WebAssembly.* and Node types out of it: Node projects compile
 * without the DOM library, which is where TypeScript declares `WebAssembly`.
 */
import type { OptionalKernels, OptionalKernelSpecs, RequiredKernels, RequiredKernelSpecs } from '@skipnet/core';

/**
 * A wasm storage handle: the byte offset of the buffer in the backend's linear memory. Buffers
 * never move (the memory grows in place), so the number stays valid until the buffer is freed.
 */
export type WasmHandle = number;

/** Every kernel spec (required and optional) instantiated with {@link WasmHandle}. */
export type WasmSpecs = RequiredKernelSpecs<WasmHandle> & OptionalKernelSpecs<WasmHandle>;
/** Inputs of kernel `K`. */
export type In<K extends keyof WasmSpecs> = WasmSpecs[K]['inputs'];
/** Attributes of kernel `K`. */
export type Attrs<K extends keyof WasmSpecs> = WasmSpecs[K]['attrs'];
/** Result of kernel `K`. */
export type Out<K extends keyof WasmSpecs> = WasmSpecs[K]['output'];

/** Every kernel the wasm backend implements: all of `RequiredKernels` and all of `OptionalKernels`. */
export type WasmKernels = RequiredKernels<WasmHandle> & Required<OptionalKernels<WasmHandle>>;

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
