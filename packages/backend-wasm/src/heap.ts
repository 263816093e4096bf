/**
 * The wasm backend's heap: one WebAssembly.Memory, an allocator over it, and typed-array views
 * that are re-created whenever the memory grows (a plain memory's buffer detaches on growth; a
 * shared one is replaced by a longer one).
 *
 * Layout: bytes [0, 16 KiB) hold the thread-pool control words and kernel parameter blocks;
 * the kernels' (empty) data segment is placed at 16 KiB; the heap starts at 64 KiB.
 *
 * The allocator hands out 64-byte-aligned blocks. Free blocks are coalesced with their
 * neighbours on free and kept in power-of-two size-class bins; a free block that reaches the
 * top of the heap is returned to the untouched region instead. Allocation takes a free block
 * of the smallest class that fits (splitting off the rest), and grows the memory only when
 * no free block can serve the request. A training loop that allocates the same sizes step
 * after step therefore reuses the same blocks and the heap stays flat.
 */
import type { BackendMemory } from '@skipnet/core';
import type { HeapStats } from './types.js';

/** WebAssembly page size. */
export const PAGE = 65536;
/** First byte of the heap. */
export const HEAP_BASE = 65536;
/** Byte offset of the thread-pool control words. */
export const CTL_BASE = 1024;
/** Byte offset of the main parameter block (64 i32 slots). */
export const PARAM_BASE = 2048;
const ALIGN = 64;
const CLASSES = 33;

function classOf(size: number): number {
  return 31 - Math.clz32(size);
}

/** The memory, its views and the allocator. */
export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private buffer: ArrayBuffer | SharedArrayBuffer;
  /** Float32 view of the whole memory (refreshed after growth). */
  f32: Float32Array;
  /** Int32 view of the whole memory (refreshed after growth). */
  i32: Int32Array;
  /** Uint8 view of the whole memory (refreshed after growth). */
  u8: Uint8Array;
  private top = HEAP_BASE;
  private readonly used = new Map<number, number>();
  private readonly freeAt = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  private readonly bins: Set<number>[] = Array.from({ length: CLASSES }, () => new Set<number>());
  private freeBytes = 0;
  /** Live tensor buffers (scratch excluded) and their requested bytes. */
  private liveBuffers = 0;
  private liveBytes = 0;
  private readonly requested = new Map<number, number>();

  constructor(options: { initialPages: number; maximumPages: number; shared: boolean }) {
    this.shared = options.shared;
    this.memory = new WebAssembly.Memory(
      options.shared
        ? { initial: options.initialPages, maximum: options.maximumPages, shared: true }
        : { initial: options.initialPages, maximum: options.maximumPages },
    );
    this.buffer = this.memory.buffer;
    this.f32 = new Float32Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }

  /** Re-creates the views when the memory has grown. Cheap; call before touching views. */
  refresh(): void {
    const b = this.memory.buffer;
    if (b !== this.buffer || b.byteLength !== this.buffer.byteLength) {
      this.buffer = b;
      this.f32 = new Float32Array(b);
      this.i32 = new Int32Array(b);
      this.u8 = new Uint8Array(b);
    }
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const need = Math.ceil((end - have) / PAGE);
    // Grow by at least an eighth of the current size, so a growing workload reallocates rarely.
    const pages = Math.max(need, Math.ceil(have / PAGE / 8));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(need);
      } catch {
        throw new Error(`wasm backend: out of memory: cannot grow linear memory to ${Math.ceil(end / 2 ** 20)} MiB`);
      }
    }
    this.refresh();
  }

  private addFree(start: number, size: number): void {
    this.freeAt.set(start, size);
    this.freeEnd.set(start + size, start);
    this.bins[classOf(size)]!.add(start);
    this.freeBytes += size;
  }

  private removeFree(start: number): number {
    const size = this.freeAt.get(start)!;
    this.freeAt.delete(start);
    this.freeEnd.delete(start + size);
    this.bins[classOf(size)]!.delete(start);
    this.freeBytes -= size;
    return size;
  }

  /** Allocates `bytes` (at least one aligned unit); returns the byte offset. Contents are unspecified. */
  allocRaw(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let start = -1;
    // Best fit within the request's own class, then the first block of any larger class.
    const cls = classOf(size);
    let best = -1;
    let bestSize = Infinity;
    for (const s of this.bins[cls]!) {
      const sz = this.freeAt.get(s)!;
      if (sz >= size && sz < bestSize) {
        best = s;
        bestSize = sz;
        if (sz === size) break;
      }
    }
    if (best >= 0) start = best;
    else {
      for (let c = cls + 1; c < CLASSES && start < 0; c++) {
        for (const s of this.bins[c]!) {
          start = s;
          break;
        }
      }
    }
    if (start >= 0) {
      const have = this.removeFree(start);
      if (have > size) this.addFree(start + size, have - size);
    } else {
      // Extend the top, absorbing a free block that ends there.
      const tail = this.freeEnd.get(this.top);
      start = tail !== undefined ? tail : this.top;
      if (tail !== undefined) this.removeFree(tail);
      // Keep a little readable memory past the top: kernels load whole vectors at buffer edges
      // (masking the lanes outside) and may read a few bytes beyond the last buffer.
      this.ensure(start + size + 256);
      this.top = start + size;
    }
    this.used.set(start, size);
    return start;
  }

  /** Frees a block from {@link allocRaw}, coalescing it with free neighbours. */
  freeRaw(start: number): void {
    const size = this.used.get(start);
    if (size === undefined) throw new Error(`wasm backend: free() of offset ${start}, which is not allocated (double free?)`);
    this.used.delete(start);
    let s = start;
    let e = start + size;
    const before = this.freeEnd.get(s);
    if (before !== undefined) {
      this.removeFree(before);
      s = before;
    }
    if (this.freeAt.has(e)) e += this.removeFree(e);
    if (e === this.top) this.top = s;
    else this.addFree(s, e - s);
  }

  /** Allocates a tensor buffer of `n` 4-byte elements, zero-filled. */
  alloc(n: number): number {
    const h = this.allocRaw(n * 4);
    this.refresh();
    this.u8.fill(0, h, h + Math.max(n * 4, 0));
    this.requested.set(h, n * 4);
    this.liveBuffers++;
    this.liveBytes += n * 4;
    return h;
  }

  /** Allocates a tensor buffer of `n` elements whose contents the caller overwrites entirely. */
  allocUninit(n: number): number {
    const h = this.allocRaw(n * 4);
    this.refresh();
    this.requested.set(h, n * 4);
    this.liveBuffers++;
    this.liveBytes += n * 4;
    return h;
  }

  /** Frees a tensor buffer. */
  free(h: number): void {
    const bytes = this.requested.get(h);
    if (bytes === undefined) throw new Error(`wasm backend: free() of a buffer that is not live (double free?)`);
    this.requested.delete(h);
    this.liveBuffers--;
    this.liveBytes -= bytes;
    this.freeRaw(h);
  }

  /** Live tensor buffers and bytes. */
  memoryStats(): BackendMemory {
    return { bytes: this.liveBytes, buffers: this.liveBuffers };
  }

  /** Layout statistics. */
  stats(): HeapStats {
    return { capacity: this.memory.buffer.byteLength, top: this.top, free: this.freeBytes, freeBlocks: this.freeAt.size };
  }

  /** Forgets every block (backend disposal). */
  clear(): void {
    this.used.clear();
    this.freeAt.clear();
    this.freeEnd.clear();
    for (const b of this.bins) b.clear();
    this.requested.clear();
    this.freeBytes = 0;
    this.liveBuffers = 0;
    this.liveBytes = 0;
    this.top = HEAP_BASE;
  }
}
