/** Backends, datasets and models as the CLI sees them. */
import { listBackends, registerBackend, setBackend, type Backend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createDataset, listDatasets, type DescribedDataset, type Task } from '@skipnet/data';
import { CliError, unknownName } from './args.js';

let registered = false;

/**
 * Registers the backends available in Node: the WebAssembly backend when its package is
 * installed (fastest, preferred), and the plain TypeScript cpu backend everywhere.
 */
export async function registerBackends(): Promise<void> {
  if (registered) return;
  registered = true;
  registerBackend('cpu', createCpuBackend, 1);
  try {
    const specifier = '@skipnet/backend-wasm';
    const wasm = (await import(specifier)) as { createWasmBackend?: () => Promise<Backend> };
    if (wasm.createWasmBackend) registerBackend('wasm', () => wasm.createWasmBackend!(), 10);
  } catch {
    // Not installed: cpu only.
  }
}

/** Activates a backend by name (or the fastest that starts); unknown names list the valid ones. */
export async function useBackend(name: string | undefined): Promise<string> {
  await registerBackends();
  const names = listBackends();
  if (name !== undefined) {
    if (!names.includes(name)) throw unknownName('backend', name, names);
    await setBackend(name);
    return name;
  }
  const errors: string[] = [];
  for (const n of names) {
    try {
      await setBackend(n);
      return n;
    } catch (e) {
      errors.push(`${n}: ${(e as Error).message}`);
    }
  }
  throw new CliError(`no backend could start: ${errors.join('; ')}`);
}

/** Dataset names. */
export function datasetNames(): string[] {
  return listDatasets().map((d) => d.name);
}

/** The task of a built-in dataset; an unknown name lists the valid ones and the nearest. */
export function datasetTask(name: string): Task {
  const entry = listDatasets().find((d) => d.name === name);
  if (!entry) throw unknownName('dataset', name, datasetNames());
  return entry.task;
}

/** Throws unless `name` is a registered backend (checked before a command starts work). */
export async function checkBackendName(name: string | undefined): Promise<void> {
  await registerBackends();
  if (name !== undefined && !listBackends().includes(name)) throw unknownName('backend', name, listBackends());
}

/** Loads a dataset split; an unknown name lists the valid ones. */
export async function loadDataset(name: string, split: 'train' | 'test', options: Record<string, unknown> = {}): Promise<DescribedDataset> {
  datasetTask(name);
  return (await createDataset(name as never, { split, ...options } as never)) as DescribedDataset;
}
