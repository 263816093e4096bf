/** Kernel signatures of the webgl backend, derived from core's specs so they cannot drift. */
import type { OptionalKernelSpecs, RequiredKernelSpecs } from '@skipnet/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { WebglHandle, WebglStorage } from './storage.js';

/** Every kernel spec (required and optional) instantiated with {@link WebglHandle}. */
export type WebglSpecs = RequiredKernelSpecs<WebglHandle> & OptionalKernelSpecs<WebglHandle>;
/** Inputs of kernel `K`. */
export type In<K extends keyof WebglSpecs> = WebglSpecs[K]['inputs'];
/** Attributes of kernel `K`. */
export type Attrs<K extends keyof WebglSpecs> = WebglSpecs[K]['attrs'];
/** Result of kernel `K`. */
export type Out<K extends keyof WebglSpecs> = WebglSpecs[K]['output'];
/** What a kernel computes: a tfjs tensor, built inside the kernel's `tf.tidy` scope. */
export type Compute = () => tf.Tensor;
/** The storage a kernel allocates from. */
export type Storage = WebglStorage;
