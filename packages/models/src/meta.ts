/**
 * A shape-only ("meta") backend, so the size of a model can be known without materialising its
 * weights: building GPT-2 or ResNeXt-101 on the cpu backend draws 88–124 million seeded normals
 * (several seconds and half a gigabyte); on the meta backend it takes milliseconds and no memory.
 */
import { getBackendName, listBackends, registerBackend, setBackend, sizeOf, type Backend, type DataArray, type DType, type Module } from '@skipnet/core';

/** A meta "buffer": only its element count. */
export interface MetaHandle {
  readonly size: number;
}

function unsupported(kernel: string): never {
  throw new Error(`meta backend: '${kernel}' needs data, and meta tensors only have shapes. Build the model on a compute backend (e.g. cpu) to run it.`);
}

/**
 * Creates the meta backend: uploads and random draws keep only sizes, every compute kernel
 * throws. Register it like any backend (`registerBackend('meta', createMetaBackend)`); models
 * built while it is active have real parameter names and shapes and no data. Reading a meta
 * tensor throws.
 */
export function createMetaBackend(): Backend<MetaHandle> {
  let buffers = 0;
  const handle = (size: number): MetaHandle => {
    buffers++;
    return { size };
  };
  const fail = (name: string) => (): never => unsupported(name);
  return {
    name: 'meta',
    upload: (data: DataArray) => handle(data.length),
    read: (_h: MetaHandle, _d: DType, _n: number): Promise<DataArray> => Promise.reject(new Error('meta backend: meta tensors have no data to read')),
    free: () => {
      buffers--;
    },
    memory: () => ({ bytes: 0, buffers }),
    kernels: {
      random: (_inputs, attrs) => handle(sizeOf(attrs.shape)),
      unary: fail('unary'),
      binary: fail('binary'),
      where: fail('where'),
      cast: fail('cast'),
      contiguous: fail('contiguous'),
      reduce: fail('reduce'),
      argReduce: fail('argReduce'),
      matmul: fail('matmul'),
      conv2d: fail('conv2d'),
      convTranspose2d: fail('convTranspose2d'),
      maxPool2d: fail('maxPool2d'),
      maxPool2dBackward: fail('maxPool2dBackward'),
      avgPool2d: fail('avgPool2d'),
      avgPool2dBackward: fail('avgPool2dBackward'),
      resize: fail('resize'),
      resizeBackward: fail('resizeBackward'),
      concat: fail('concat'),
      pad: fail('pad'),
      gather: fail('gather'),
      scatterAdd: fail('scatterAdd'),
      assign: fail('assign'),
    },
  };
}

/**
 * Runs `build` with the meta backend active (registering it as `'meta'` when no backend of
 * that name exists) and restores the previously active backend — if none was active, meta
 * stays active, so activate a compute backend first. Use it to count parameters or list
 * state-dict keys of large models; dispose the result when done.
 */
export async function onMeta<T>(build: () => T): Promise<T> {
  let previous: string | null = null;
  try {
    previous = getBackendName();
  } catch {
    previous = null;
  }
  if (!listBackends().includes('meta')) registerBackend('meta', createMetaBackend, -1);
  await setBackend('meta');
  try {
    return build();
  } finally {
    if (previous !== null) await setBackend(previous);
  }
}

/** Parameter count of the model `build` creates, built on the meta backend (no weights allocated). */
export async function countParametersOf(build: () => Module): Promise<number> {
  const model = await onMeta(build);
  try {
    return model.numParameters();
  } finally {
    model.dispose();
  }
}
