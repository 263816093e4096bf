/**
 * The demos' backend picker: the backend packages present when the site was built
 * (`virtual:skipnet-backends`) that also initialise in this browser. cpu always does.
 * One backend is active per page (core's registry is global), chosen with {@link useBackend}.
 */
import { getBackendName, matmul, memory, ones, registerBackend, removeBackend, setBackend, tidy, type BackendFactory } from '@skipnet/core';
import { backendLoaders } from 'virtual:skipnet-backends';

export interface BackendChoice {
  name: string;
  /** Why a known backend is not offered (failed to load or initialise). */
  error?: string;
}

const PREFIX = 'demo-';
let probed: Promise<BackendChoice[]> | undefined;

function factoryOf(name: string, mod: Record<string, unknown>): BackendFactory {
  const create = Object.entries(mod).find(([k, v]) => /^create\w*Backend$/.test(k) && typeof v === 'function' && !/meta/i.test(k))?.[1] as
    | ((options?: Record<string, unknown>) => ReturnType<BackendFactory>)
    | undefined;
  if (!create) throw new Error(`no create…Backend export in the ${name} package`);
  const threads = typeof navigator !== 'undefined' ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  return () => (name === 'wasm' ? create({ threads }) : create());
}

async function probe(name: string): Promise<void> {
  const reg = PREFIX + name;
  const mod = await backendLoaders[name]!();
  registerBackend(reg, factoryOf(name, mod));
  try {
    await setBackend(reg);
    // One small op end to end: upload, kernel, readback.
    const t = tidy(() => matmul(ones([4, 4]), ones([4, 4])));
    const v = await t.data();
    t.dispose();
    if (v[0] !== 4) throw new Error(`${name}: a 4×4 matmul of ones gave ${v[0]}`);
  } catch (e) {
    removeBackend(reg);
    throw e;
  }
}

/** Backends that initialise here, cpu last; failures are listed with their error. */
export function availableBackends(): Promise<BackendChoice[]> {
  probed ??= (async () => {
    const out: BackendChoice[] = [];
    for (const name of Object.keys(backendLoaders)) {
      try {
        await probe(name);
        out.push({ name });
      } catch (e) {
        out.push({ name, error: (e as Error).message.split('\n')[0] ?? String(e) });
      }
    }
    await setBackend(`${PREFIX}cpu`);
    return out;
  })();
  return probed;
}

/** Makes `name` (one of {@link availableBackends}) the active backend. */
export async function useBackend(name: string): Promise<void> {
  await availableBackends();
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
