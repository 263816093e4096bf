/** Storage of the webgl backend: tfjs tensors (textures on the GPU) wrapped in mutable handles. */
import type { BackendMemory, DataArray, DType } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { sizeOf } from './shape.js';

/** Window geometry recorded on maxPool2d's `indices`, so its backward kernel can gather per window. */
export interface PoolWindow {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/**
 * A webgl storage handle: a tfjs tensor living in a WebGL texture. The handle is a mutable box
 * because tfjs tensors are immutable while core's `assign` and the fused optimizer steps update
 * storage in place — those kernels swap in a new tensor and dispose the old one, so every core
 * view sharing the handle sees the new contents.
 *
 * `t` keeps the shape the producing kernel gave it (reshaping a packed texture may cost a
 * copy, so the handle does not flatten it); `size` is its element count.
 */
export class WebglHandle {
  /** Set on maxPool2d's index output. */
  pool?: PoolWindow;
  /**
   * A host copy of the contents, kept for int32 uploads (labels, indices) so that core's range
   * checks (gather, crossEntropy) read them synchronously without a GPU round trip. Dropped
   * whenever the handle is updated in place.
   */
  host?: Int32Array;
  constructor(
    /** The tfjs tensor holding the data (owned by this handle). */
    public t: tf.Tensor,
    /** The element type core sees. */
    readonly dtype: DType,
    /** Number of elements. */
    readonly size: number,
  ) {}
}

/** Live-handle books behind `memory()`. */
export class WebglStorage {
  private readonly live = new Set<WebglHandle>();
  private liveBytes = 0;

  /** Wraps a tensor (already kept out of every tfjs scope) as a live handle. */
  wrap(t: tf.Tensor, dtype: DType): WebglHandle {
    const h = new WebglHandle(t, dtype, sizeOf(t.shape));
    this.live.add(h);
    this.liveBytes += h.size * 4;
    return h;
  }

  /** Copies host data into a new tensor (tfjs uploads it to a texture on first use). */
  upload(data: DataArray): WebglHandle {
    const dtype: DType = data instanceof Int32Array ? 'int32' : 'float32';
    // tfjs keeps a reference to the array it is given: hand it a copy the caller cannot mutate.
    const copy = data.slice();
    const t = tf.keep(tf.tensor1d(copy, dtype));
    const h = this.wrap(t, dtype);
    if (copy instanceof Int32Array) h.host = copy.slice();
    return h;
  }

  /** Frees a handle's tensor. Freeing an unknown handle is a core bug, so it throws. */
  free(h: WebglHandle): void {
    if (!this.live.delete(h)) throw new Error('webgl backend: free() of a buffer that is not live (double free?)');
    this.liveBytes -= h.size * 4;
    h.t.dispose();
  }

  /** Live bytes and buffers (4 bytes per element: float32 and int32 alike). */
  memory(): BackendMemory {
    return { bytes: this.liveBytes, buffers: this.live.size };
  }

  /** Whether a handle is live. */
  has(h: WebglHandle): boolean {
    return this.live.has(h);
  }

  /** Disposes every live tensor (backend disposal). */
  clear(): void {
    for (const h of this.live) h.t.dispose();
    this.live.clear();
    this.liveBytes = 0;
  }
}

/**
 * Reads `size` elements back as `dtype`, always into a fresh array. Waits for the GPU
 * (`tensor.data()` is asynchronous: WebGL2 fences, no blocking `readPixels`).
 */
export async function readHandle(h: WebglHandle, dtype: DType, size: number): Promise<DataArray> {
  return convert(h.host ?? (await h.t.data()), dtype, size);
}

/**
 * Synchronous readback: from the host copy of an int32 upload when there is one; otherwise, if
 * `blocking` is allowed, through tfjs's `dataSync` (which stalls until the GPU finishes).
 */
export function readHandleSync(h: WebglHandle, dtype: DType, size: number, blocking: boolean): DataArray {
  if (h.host) return convert(h.host, dtype, size);
  if (!blocking) {
    throw new Error(
      'webgl backend: synchronous readback of data computed on the GPU is turned off (createWebglBackend({ blockingReadSync: false })); use await t.data()',
    );
  }
  return convert(h.t.dataSync(), dtype, size);
}

function convert(values: ArrayLike<number>, dtype: DType, size: number): DataArray {
  if (dtype === 'int32') {
    // A float buffer read as int32 (e.g. randint's uniform draws) truncates toward zero, like a typed-array store.
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = values[i]!;
    return out;
  }
  if (values instanceof Float32Array) return values.slice(0, size);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = values[i]!;
  return out;
}
