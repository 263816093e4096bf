/** Host storage of the cpu backend: typed arrays, and the bookkeeping behind `memory()`. */
import type { BackendMemory, DataArray, DType } from '@skipnet/core';

/**
 * A cpu storage handle: the typed array itself (float32 → `Float32Array`, int32 → `Int32Array`).
 * No wrapper object is needed because the JS heap owns the memory; `free` only updates the books.
 */
export type CpuHandle = Float32Array | Int32Array;

/**
 * Allocates kernel outputs and counts every live buffer, so `memory()` can tell core whether a
 * training step leaks. Kernels allocate only through this object.
 */
export class CpuStorage {
  private readonly live = new Set<CpuHandle>();
  private liveBytes = 0;

  /** Records a buffer as live and returns it. */
  track<T extends CpuHandle>(h: T): T {
    if (!this.live.has(h)) {
      this.live.add(h);
      this.liveBytes += h.byteLength;
    }
    return h;
  }

  /** A zero-filled float32 buffer of `n` elements. */
  float32(n: number): Float32Array {
    return this.track(new Float32Array(n));
  }

  /** A zero-filled int32 buffer of `n` elements. */
  int32(n: number): Int32Array {
    return this.track(new Int32Array(n));
  }

  /** A zero-filled buffer of `dtype` with `n` elements. */
  alloc(dtype: DType, n: number): CpuHandle {
    return dtype === 'int32' ? this.int32(n) : this.float32(n);
  }

  /** Copies host data into a new tracked buffer (the caller keeps ownership of `data`). */
  upload(data: DataArray): CpuHandle {
    return this.track(data.slice());
  }

  /** Forgets a buffer. Freeing an unknown or already freed handle is a core bug, so it throws. */
  free(h: CpuHandle): void {
    if (!this.live.delete(h)) throw new Error('cpu backend: free() of a buffer that is not live (double free?)');
    this.liveBytes -= h.byteLength;
  }

  /** Live bytes and buffers. */
  memory(): BackendMemory {
    return { bytes: this.liveBytes, buffers: this.live.size };
  }

  /** Drops every buffer from the books (backend disposal). */
  clear(): void {
    this.live.clear();
    this.liveBytes = 0;
  }
}

/** Reads `size` elements of a buffer as `dtype`, always as a fresh copy the caller may keep. */
export function readCopy(h: CpuHandle, dtype: DType, size: number): DataArray {
  if (dtype === 'int32') return h instanceof Int32Array ? h.slice(0, size) : Int32Array.from(h.subarray(0, size));
  return h instanceof Float32Array ? h.slice(0, size) : Float32Array.from(h.subarray(0, size));
}
