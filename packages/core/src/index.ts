/**
 * `@skipnet/core`: tensors, reverse-mode autograd, the Backend interface and registry, and
 * the ops every skipnet model is built from.
 *
 * @packageDocumentation
 */
export type * from './backend/types.js';
export {
  bindKernels,
  type KernelInputs,
  type KernelAttrs,
  type KernelOutput,
  type KernelImpl,
  type KernelImpls,
  type KernelTable,
  type RequiredKernelName,
  type OptionalKernelName,
} from './backend/bind.js';
export { resizeTaps, type ResizeTaps } from './backend/resize.js';
export {
  registerBackend,
  removeBackend,
  setBackend,
  getBackend,
  getBackendName,
  listBackends,
  ready,
  memory,
  tidy,
  keep,
  noGrad,
  withGrad,
  isGradEnabled,
  manualSeed,
  getRngState,
  setRngState,
  type MemoryInfo,
  type TensorContainer,
} from './engine.js';
export { Tensor, type TensorLike } from './tensor.js';
// Installs the fluent methods on Tensor.prototype (a side effect; listed in package.json's sideEffects).
import './tensor-methods.js';
export { backward, grad } from './autograd.js';
export { hash3, uniformAt, normalAt } from './random.js';
export { sizeOf, stridesOf, broadcastShapes, sameShape, fmt as formatShape, type Shape } from './shape.js';
export * from './ops/index.js';
export * from './io/safetensors.js';
export * from './optim/schedules.js';
export * from './optim/optimizers.js';
export * from './io/tensors.js';
export * from './nn/index.js';
export * from './detection/index.js';
