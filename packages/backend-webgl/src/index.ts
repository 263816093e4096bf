/**
 * `@skipnet/backend-webgl`: skipnet on the GPU through tfjs-core's engine running
 * tfjs-backend-webgl kernels, with custom GPGPU programs where tfjs has no kernel (grouped
 * convolution and its gradients, the fused residual add + activation, PyTorch-exact pooling and
 * resizing, gather-form scatter-add, the shared counter-based random generator, strided views).
 *
 * ```ts
 * import { registerBackend, setBackend } from '@skipnet/core';
 * import { createWebglBackend } from '@skipnet/backend-webgl';
 * registerBackend('webgl', createWebglBackend, 2);
 * await setBackend('webgl');
 * ```
 *
 * @packageDocumentation
 */
import type { Backend, DataArray, DType } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { gpu, initTfjsWebgl, type WebglDeviceInfo } from './context.js';
import { createKernels, type WebglKernels } from './kernels/index.js';
import { readHandle, readHandleSync, WebglStorage, type WebglHandle } from './storage.js';

export type { WebglDeviceInfo } from './context.js';
export type { WebglHandle, PoolWindow } from './storage.js';
export type { WebglKernels } from './kernels/index.js';

/** Options of {@link createWebglBackend}. */
export interface WebglBackendOptions {
  /**
   * tfjs environment flags set before the webgl backend initialises, e.g.
   * `{ WEBGL_FORCE_F16_TEXTURES: true }` to compute in float16 textures, or `{ WEBGL_PACK: false }`.
   * Flags are global to tfjs: they affect every user of tfjs in the page.
   */
  readonly flags?: Readonly<Record<string, boolean | number>>;
  /**
   * Whether `readSync` (core's `dataSync()`, and its index range checks) may fall back to tfjs's
   * blocking `dataSync` for data computed on the GPU (default true). int32 uploads (labels,
   * indices) keep a host copy and are always read synchronously without touching the GPU; with
   * `false`, synchronous reads of anything else throw and only `await t.data()` works.
   */
  readonly blockingReadSync?: boolean;
}

/** tfjs's own memory figures (all tfjs users of the page together). */
export interface TfjsMemory {
  /** Live tfjs tensors. */
  readonly numTensors: number;
  /** Live tfjs data buffers (textures or CPU arrays). */
  readonly numDataBuffers: number;
  /** Bytes of all live tfjs tensors. */
  readonly numBytes: number;
  /** Bytes of textures tfjs holds on the GPU, including its texture cache, when reported. */
  readonly numBytesInGPU?: number;
}

/** The webgl backend: a {@link Backend} over {@link WebglHandle}s whose kernel table is complete. */
export interface WebglBackend extends Backend<WebglHandle> {
  readonly kernels: WebglKernels;
  /**
   * Synchronous readback: int32 uploads from their host copy; anything else through tfjs's
   * blocking `dataSync` unless `blockingReadSync: false` (then it throws). Prefer `read`.
   */
  readSync(handle: WebglHandle, dtype: DType, size: number): DataArray;
  /** The device as tfjs detected it (renderer, float precision of the textures, limits). */
  readonly device: WebglDeviceInfo;
  /**
   * Precision of the textures kernels compute in: 32 when the device renders to float32
   * textures (`WEBGL_RENDER_FLOAT32_ENABLED`), else 16 (about 3 significant digits, ±65504;
   * int32 values stay exact only up to 2048). See the package README.
   */
  readonly floatPrecision: 16 | 32;
  /** Frees every tensor this backend holds (tfjs's WebGL context is shared and stays). */
  dispose(): void;
  /** tfjs's own tensor counts, to check that a training loop leaves the GPU flat. */
  tfjsMemory(): TfjsMemory;
}

/**
 * Creates a backend that keeps tensors as tfjs tensors in WebGL textures and runs every kernel
 * on the GPU: tfjs-backend-webgl's kernels through tfjs-core's engine, and custom GPGPU programs
 * for what tfjs lacks. Nothing falls back to the CPU: a kernel the GPU cannot run throws.
 *
 * Loads `@tensorflow/tfjs-backend-webgl` (registering tfjs's `webgl` backend), applies
 * `options.flags`, and makes `webgl` tfjs's active backend; it must stay active while skipnet
 * uses this backend. Readback is asynchronous (`read`, waiting on WebGL2 fences). `readSync`
 * answers int32 uploads from their host copy and otherwise falls back to tfjs's blocking
 * `dataSync` (turn that off with `blockingReadSync: false`).
 *
 * Rejects when WebGL 2 is unavailable.
 *
 * @param options - tfjs flags to set first (see {@link WebglBackendOptions}).
 * @returns the backend, to hand to `registerBackend(name, () => createWebglBackend())`.
 */
export async function createWebglBackend(options: WebglBackendOptions = {}): Promise<WebglBackend> {
  const device = await initTfjsWebgl(options.flags ?? {});
  const st = new WebglStorage();
  const blocking = options.blockingReadSync ?? true;
  return {
    name: 'webgl',
    device,
    floatPrecision: device.floatPrecision,
    kernels: createKernels(st),
    upload: (data) => {
      gpu();
      return st.upload(data);
    },
    read: (handle, dtype, size) => readHandle(handle, dtype, size),
    readSync: (handle, dtype, size) => readHandleSync(handle, dtype, size, blocking),
    free: (handle) => st.free(handle),
    memory: () => st.memory(),
    tfjsMemory: () => {
      const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      return {
        numTensors: m.numTensors,
        numDataBuffers: m.numDataBuffers,
        numBytes: m.numBytes,
        ...(m.numBytesInGPU === undefined ? {} : { numBytesInGPU: m.numBytesInGPU }),
      };
    },
    sync: async () => {
      // A 1-element readback waits for every queued program (WebGL executes in order).
      gpu();
      const probe = tf.tidy(() => tf.add(tf.zeros([1]), 0));
      try {
        await probe.data();
      } finally {
        probe.dispose();
      }
    },
    dispose: () => st.clear(),
  };
}
