/** Tensors ⇄ safetensors bytes (checkpoints, torchvision weights). */
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsInput } from './safetensors.js';

/** Serialises named tensors (reads them back from the backend) into safetensors bytes. */
export async function saveTensors(tensors: Readonly<Record<string, Tensor>>, metadata?: Record<string, string>): Promise<Uint8Array> {
  const entries: Record<string, SafetensorsInput> = {};
  for (const [name, t] of Object.entries(tensors)) {
    entries[name] = { dtype: t.dtype, shape: t.shape, data: await t.data() };
  }
  return serializeSafetensors(entries, metadata);
}

/** Parses safetensors bytes into tensors on the active backend (`source` names the file in errors). */
export function loadTensors(bytes: Uint8Array, source?: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const parsed = parseSafetensors(bytes, source);
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of parsed.tensors) tensors[name] = tensor(t.data, t.shape, { dtype: t.dtype });
  return { tensors, metadata: parsed.metadata };
}
