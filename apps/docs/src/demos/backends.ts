/**
 * The demos' backend picker: the backend packages present when the site was built
 * (`virtual:skipnet-backends`) that also initialise in this browser. cpu always does and is
 * used at once; the others are probed in the background once a demo is ready, and a demo the
 * user has not started yet then moves to the fastest of them ({@link fastestBackend}).
 * One backend is active per page (core's registry is global), chosen with {@link useBackend}.
 */
import { getBackendName, memory, registerBackend, setBackend, type BackendFactory } from '@skipnet/core';
import { backendLoaders } from 'virtual:skipnet-backends';

export interface BackendChoice {
  name: string;
  /** Not probed yet. */
  pending?: boolean;
  /** Why a known backend is not offered (failed to load or initialise). */
  error?: string;
}

const PREFIX = 'demo-';
let cpuReady: Promise<void> | undefined;
let probed: Promise<BackendChoice[]> | undefined;

function factoryOf(name: string, mod: Record<string, unknown>): BackendFactory {
  const create = Object.entries(mod).find(([k, v]) => /^create\w*Backend$/.test(k) && typeof v === 'function' && !/meta/i.test(k))?.[1] as
    ((options?: Record<string, unknown>) => ReturnType<BackendFactory>) | undefined;
  if (!create) throw new Error(`no create…Backend export in the ${name} package`);
  const threads = typeof navigator !== 'undefined' ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  return () => (name === 'wasm' ? create({ threads }) : create());
}

/**
 * Creates backend `name`, checks it on one 4×4 matmul of ones through its own storage and
 * kernel table — never through core's global active backend, which a running demo is using —
 * and registers the created instance.
 */
async function probe(name: string): Promise<void> {
  const mod = await backendLoaders[name]!();
  const backend = await factoryOf(name, mod)();
  try {
    const a = backend.upload(new Float32Array(16).fill(1));
    const out = backend.kernels.matmul(
      { a: { handle: a, shape: [1, 4, 4], dtype: 'float32' }, b: { handle: a, shape: [1, 4, 4], dtype: 'float32' } },
      { transposeA: false, transposeB: false },
    );
    const v = await backend.read(out, 'float32', 16);
    backend.free(out);
    backend.free(a);
    if (v[0] !== 4) throw new Error(`${name}: a 4×4 matmul of ones gave ${v[0]}`);
  } catch (e) {
    backend.dispose?.();
    throw e;
  }
  registerBackend(PREFIX + name, () => backend);
}

/** The backends the site was built with; only cpu is known to work before {@link probeBackends}. */
export function knownBackends(): BackendChoice[] {
  return Object.keys(backendLoaders).map((name) => (name === 'cpu' ? { name } : { name, pending: true }));
}

/** Registers the cpu backend (always works) and makes it active. */
export function ensureCpu(): Promise<void> {
  cpuReady ??= (async () => {
    await probe('cpu').catch((e: unknown) => {
      throw new Error(`the cpu backend failed: ${(e as Error).message}`);
    });
    await setBackend(`${PREFIX}cpu`);
  })();
  return cpuReady;
}

/**
 * Tries every other backend once per page (in the background, after a demo is ready): each
 * must load, initialise and run a matmul. Failures are kept with their message. The active
 * backend is unchanged.
 */
export function probeBackends(): Promise<BackendChoice[]> {
  probed ??= (async () => {
    await ensureCpu();
    const out: BackendChoice[] = [];
    for (const name of Object.keys(backendLoaders)) {
      if (name === 'cpu') {
        out.push({ name });
        continue;
      }
      try {
        await probe(name);
        out.push({ name });
      } catch (e) {
        out.push({ name, error: (e as Error).message.split('\n')[0] ?? String(e) });
      }
    }
    return out;
  })();
  return probed;
}

/**
 * The backend a demo moves to once probing is done: wasm where it works (SIMD, and threaded on
 * this cross-origin-isolated site), which outruns cpu on every demo model, else cpu. webgl is
 * offered but never chosen for the user: the demo models are too small to gain on a GPU, and in
 * software-rendered WebGL it is the slowest of the three.
 */
export function fastestBackend(list: readonly BackendChoice[]): string {
  return list.some((b) => b.name === 'wasm' && !b.error && !b.pending) ? 'wasm' : 'cpu';
}

/** Makes `name` (one that {@link probeBackends} found working) the active backend. */
export async function useBackend(name: string): Promise<void> {
  await ensureCpu();
  if (name !== 'cpu' && (await probeBackends()).find((b) => b.name === name)?.error !== undefined) throw new Error(`backend ${name} is unavailable here`);
  await setBackend(PREFIX + name);
}

/** Name of the active demo backend (`cpu`, `wasm`, `webgl`). */
export function activeBackend(): string {
  return getBackendName().replace(PREFIX, '');
}

/** Live tensors on the active backend (the demos report it after cleaning up, for the tests). */
export function liveTensors(): number {
  return memory().tensors;
}
