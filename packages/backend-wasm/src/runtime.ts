/**
 * What every kernel of the wasm backend works with: the heap (memory, allocator, views), the
 * main thread's kernel instance, the thread pool, per-thread scratch, and the parameter block
 * through which the host passes arguments to the WebAssembly kernels.
 */
import { CTL_BASE, Heap, PARAM_BASE } from './heap.js';
import type { Pool } from './pool.js';

/** The WebAssembly kernels, in the order the pool indexes them. */
export const KERNEL_NAMES = [
  'matmul',
  'convForward',
  'convBackwardData',
  'convBackwardWeight',
  'convDepthwise',
  'binaryDense',
  'binaryRows',
  'unaryDense',
  'reduceRows',
  'maxPool',
  'maxPoolBackward',
  'avgPool',
  'avgPoolBackward',
  'resizeForward',
  'resizeBackward',
  'sgdStep',
  'adamStep',
  'bnStats',
  'bnApply',
  'bnBackward',
  'convDirect',
  'padPlanes',
  'transposePlanes',
  'convWeightDirect',
  'gatherRows',
  'softmaxRows',
] as const;
/** A WebAssembly kernel name. */
export type WasmKernel = (typeof KERNEL_NAMES)[number];

type KernelFn = (params: number, tid: number, nt: number) => void;

/** Default: below this much work (≈ flops) a kernel runs on the calling thread alone. */
export const THREAD_MIN_WORK = 1 << 20;

/** The state shared by the kernels of one backend instance. */
export class Runtime {
  readonly heap: Heap;
  private readonly fns: KernelFn[];
  private readonly pool: Pool | null;
  /** Byte offset of the per-thread scratch areas (thread t at scratch + t·scratchStride). */
  readonly scratch: number;
  /** Bytes of scratch per thread. */
  readonly scratchStride: number;

  private readonly minWork: number;

  constructor(heap: Heap, instance: WebAssembly.Instance, pool: Pool | null, minWork = THREAD_MIN_WORK) {
    this.heap = heap;
    this.minWork = minWork;
    const ex = instance.exports as Record<string, unknown>;
    this.fns = KERNEL_NAMES.map((n) => ex[n] as KernelFn);
    this.pool = pool;
    const floats = (ex.scratchFloats as () => number)();
    this.scratchStride = Math.ceil((floats * 4) / 64) * 64;
    this.scratch = heap.allocRaw(this.scratchStride * this.threads);
  }

  /** Threads kernels run on (1 without a pool). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Writes an i32 slot of the parameter block (kernels write whole blocks by name: `writeParams` in kernels/params.ts). */
  setI32(slot: number, v: number): void {
    this.heap.i32[(PARAM_BASE >> 2) + slot] = v | 0;
  }

  /** Writes a float32 parameter slot. */
  setF32(slot: number, v: number): void {
    this.heap.f32[(PARAM_BASE >> 2) + slot] = v;
  }

  /**
   * Runs a WebAssembly kernel on the parameter block: on every thread when `work` is large
   * enough to pay for a dispatch, otherwise on the calling thread.
   */
  call(kernel: WasmKernel, work: number): void {
    const k = KERNEL_NAMES.indexOf(kernel);
    const fn = this.fns[k]!;
    // Kernels claim work units from this counter (control word 6).
    Atomics.store(this.heap.i32, (CTL_BASE >> 2) + 6, 0);
    if (this.pool && work >= this.minWork) this.pool.run(k, PARAM_BASE, fn);
    else fn(PARAM_BASE, 0, 1);
    this.heap.refresh();
  }

  /** Stops the pool. */
  dispose(): void {
    this.pool?.dispose();
  }
}
