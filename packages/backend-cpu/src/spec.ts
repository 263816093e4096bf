/** Kernel signatures of the cpu backend, derived from core's specs so they cannot drift. */
import type { OptionalKernelSpecs, RequiredKernelSpecs } from '@skipnet/core';
import type { CpuHandle } from './storage.js';

/** Every kernel spec (required and optional) instantiated with {@link CpuHandle}. */
export type CpuSpecs = RequiredKernelSpecs<CpuHandle> & OptionalKernelSpecs<CpuHandle>;
/** Inputs of kernel `K`. */
export type In<K extends keyof CpuSpecs> = CpuSpecs[K]['inputs'];
/** Attributes of kernel `K`. */
export type Attrs<K extends keyof CpuSpecs> = CpuSpecs[K]['attrs'];
/** Result of kernel `K`. */
export type Out<K extends keyof CpuSpecs> = CpuSpecs[K]['output'];
