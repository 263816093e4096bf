/**
 * Finding, feature-testing and compiling the kernel module. Four builds ship in `build/`:
 * plain SIMD and relaxed SIMD (fused multiply-add), each for shared and for plain memory.
 * The relaxed build is used where `WebAssembly.validate` accepts it (Chrome 114+, Node 22+,
 * or Node 20 with `--experimental-wasm-relaxed-simd`); otherwise the plain SIMD build.
 */

/** Which kernel build to load. */
export interface BuildChoice {
  /** Relaxed SIMD (FMA) instead of plain SIMD. */
  readonly relaxed: boolean;
  /** Imports a shared memory (threads) instead of a plain one. */
  readonly shared: boolean;
}

/** File name of a build. */
export function buildName(choice: BuildChoice): string {
  return `kernels-${choice.relaxed ? 'relaxed' : 'simd'}${choice.shared ? '-shared' : ''}.wasm`;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Reads a build's bytes: from disk in Node, by fetch elsewhere. `locate` overrides where. */
export async function loadBytes(name: string, locate?: (file: string) => string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const url = locate ? locate(name) : new URL(`../build/${name}`, import.meta.url);
  const href = String(url);
  if (isNode && (href.startsWith('file:') || !/^[a-z]+:/i.test(href))) {
    const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    const path = href.startsWith('file:') ? fileURLToPath(href) : href;
    try {
      const buf = await readFile(path);
      return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    } catch (e) {
      throw new Error(`wasm backend: cannot read ${path} (${(e as Error).message}); run 'pnpm --filter @skipnet/backend-wasm build:wasm' first`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasm backend: cannot fetch ${href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Whether this engine can share WebAssembly memory between threads here. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** The number of logical cores. */
export async function coreCount(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}
