/** Kernel signatures of the wasm backend, derived from core's specs with byte-offset handles. */
import type { OptionalKernelSpecs, RequiredKernelSpecs } from '@skipnet/core';

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
