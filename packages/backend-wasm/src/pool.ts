/**
 * The worker pool: `threads - 1` workers (Node worker_threads, or browser Workers under
 * cross-origin isolation) each instantiate the kernel module over the shared memory; the
 * calling thread is thread 0. A dispatch writes the kernel index and parameter-block address
 * into control words in shared memory, bumps a sequence number and wakes the workers; every
 * thread runs the kernel with its own `tid` and the calling thread waits for the others.
 *
 * Workers spin on the sequence word briefly before sleeping in `Atomics.wait` (a spinning
 * worker picks a task up in well under a microsecond, a sleeping one in tens). The calling
 * thread spins, then waits where it may (Node; a browser's main thread can only spin).
 */
import { CTL_BASE } from './heap.js';

// Control words (i32 indices from CTL_BASE).
const SEQ = 0;
const KERNEL = 1;
const DONE = 2;
const ERROR = 3;
const NT = 4;
const PARAMS = 5;
// Word 6 is the kernels' work-claim counter (reset by the runtime before every call).

/** Worker spin iterations before sleeping. */
const WORKER_SPIN = 10000;
/** Caller spin iterations before sleeping. */
const CALLER_SPIN = 20000;

// Runs inside each worker. Plain JavaScript (no imports), so it needs no file of its own
// and works the same from src/ (tests) and dist/ (published) and under bundlers.
const WORKER_SOURCE = `
'use strict';
let post;
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const fns = d.names.map((n) => inst.exports[n]);
  const c = new Int32Array(d.memory.buffer, d.ctl, 16);
  let seq = Atomics.load(c, ${SEQ});
  post('ready');
  for (;;) {
    let s = Atomics.load(c, ${SEQ});
    for (let i = 0; s === seq && i < ${WORKER_SPIN}; i++) s = Atomics.load(c, ${SEQ});
    while (s === seq) {
      Atomics.wait(c, ${SEQ}, seq);
      s = Atomics.load(c, ${SEQ});
    }
    seq = s;
    const k = Atomics.load(c, ${KERNEL});
    if (k < 0) {
      post('exit');
      return;
    }
    const nt = Atomics.load(c, ${NT});
    if (d.tid < nt) {
      try {
        fns[k](Atomics.load(c, ${PARAMS}), d.tid, nt);
      } catch (e) {
        Atomics.store(c, ${ERROR}, 1);
      }
    }
    Atomics.add(c, ${DONE}, 1);
    Atomics.notify(c, ${DONE});
  }
}
if (typeof self === 'undefined' && typeof require === 'function') {
  const wt = require('node:worker_threads');
  post = (m) => wt.parentPort.postMessage(m);
  start(wt.workerData);
} else {
  post = (m) => self.postMessage(m);
  self.onmessage = (e) => start(e.data);
}
`;

interface WorkerLike {
  terminate(): unknown;
}

/** A pool of kernel threads over one shared memory. */
export class Pool {
  private readonly ctl: Int32Array;
  private readonly workers: WorkerLike[];
  private readonly canWait: boolean;
  private disposed = false;

  private constructor(memory: WebAssembly.Memory, workers: WorkerLike[], canWait: boolean) {
    this.ctl = new Int32Array(memory.buffer, CTL_BASE, 16);
    this.workers = workers;
    this.canWait = canWait;
  }

  /** Number of threads including the caller. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `threads - 1` workers over `memory` (which must be shared) and waits until each
   * has instantiated the module. `names` lists the kernel exports by index.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, names: readonly string[]): Promise<Pool> {
    const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    if (isNode) {
      const { Worker } = await import('node:worker_threads');
      for (let tid = 1; tid < threads; tid++) {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: CTL_BASE, tid, names } });
        w.unref();
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
        );
      }
    } else {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      for (let tid = 1; tid < threads; tid++) {
        const w = new Worker(url);
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            w.onmessage = () => resolve();
            w.onerror = (e) => reject(new Error(e.message));
          }),
        );
        w.postMessage({ module, memory, ctl: CTL_BASE, tid, names });
      }
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    // Node's main thread (and any worker) may block in Atomics.wait; a browser's main thread may not.
    const canWait = isNode || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
    return new Pool(memory, workers, canWait);
  }

  /**
   * Runs kernel `k` (index into the names given to {@link Pool.start}) on every thread with
   * the parameter block at `params`; `local` is the calling thread's share (tid 0).
   */
  run(k: number, params: number, local: (params: number, tid: number, nt: number) => void): void {
    if (this.disposed) throw new Error('wasm backend: the thread pool was disposed');
    const c = this.ctl;
    const nt = this.threads;
    const others = nt - 1;
    Atomics.store(c, KERNEL, k);
    Atomics.store(c, NT, nt);
    Atomics.store(c, PARAMS, params);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    let error: unknown;
    try {
      local(params, 0, nt);
    } catch (e) {
      error = e;
    }
    let d = Atomics.load(c, DONE);
    for (let i = 0; d < others && i < CALLER_SPIN; i++) d = Atomics.load(c, DONE);
    while (d < others) {
      if (this.canWait) Atomics.wait(c, DONE, d, 1000);
      d = Atomics.load(c, DONE);
    }
    if (error !== undefined) throw error;
    if (Atomics.load(c, ERROR) !== 0) throw new Error('wasm backend: a kernel trapped in a worker thread');
  }

  /** Stops every worker. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, KERNEL, -1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) void w.terminate();
  }
}
