import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from './safetensors.js';

// The PyTorch golden fixtures (fixtures/README.md) must stay readable by our own reader.
const goldenDir = fileURLToPath(new URL('../../../../fixtures/golden/', import.meta.url));

interface ManifestTensor {
  key: string;
  dtype: 'float32' | 'int32';
  shape: number[];
}
interface ManifestCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: string[];
  outputs: string[];
  cotangents: Record<string, string>;
  grads: Record<string, string>;
  tensors: Record<string, ManifestTensor>;
}
interface Manifest {
  format: number;
  file: string;
  cases: ManifestCase[];
}

describe('golden fixtures (fixtures/golden)', () => {
  const manifest = JSON.parse(readFileSync(goldenDir + 'ops.json', 'utf8')) as Manifest;
  const file = goldenDir + manifest.file;
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(file)), file);

  it('stay small', () => {
    expect(statSync(file).size + statSync(goldenDir + 'ops.json').size).toBeLessThan(1_000_000);
    expect(manifest.format).toBe(1);
    expect(metadata['generator']).toBe('fixtures/generate.py');
  });

  it('hold every tensor the manifest lists, with its dtype and shape, and nothing else', () => {
    const listed = new Set<string>();
    for (const c of manifest.cases) {
      const roles = [...c.inputs, ...c.outputs, ...Object.values(c.cotangents), ...Object.values(c.grads)];
      expect(new Set(Object.keys(c.tensors)), c.name).toEqual(new Set(roles));
      for (const [role, t] of Object.entries(c.tensors)) {
        expect(t.key, `${c.name}.${role}`).toBe(`${c.name}.${role}`);
        const got = tensors.get(t.key);
        expect(got, t.key).toBeDefined();
        expect(got!.shape, t.key).toEqual(t.shape);
        expect(got!.dtype, t.key).toBe(t.dtype);
        expect(got!.data.length, t.key).toBe(t.shape.reduce((a, b) => a * b, 1));
        expect(got!.data.every(Number.isFinite), t.key).toBe(true);
        listed.add(t.key);
      }
    }
    expect([...tensors.keys()].filter((k) => !listed.has(k))).toEqual([]);
  });

  it('pair every gradient with its input shape and every cotangent with its output shape', () => {
    for (const c of manifest.cases) {
      for (const [input, grad] of Object.entries(c.grads)) expect(c.tensors[grad]!.shape, `${c.name} ${grad}`).toEqual(c.tensors[input]!.shape);
      for (const [output, cot] of Object.entries(c.cotangents)) expect(c.tensors[cot]!.shape, `${c.name} ${cot}`).toEqual(c.tensors[output]!.shape);
    }
  });

  it('cover the requested ops', () => {
    const ops = new Set(manifest.cases.map((c) => c.op));
    for (const op of [
      'conv2d',
      'conv_transpose2d',
      'max_pool2d',
      'avg_pool2d',
      'adaptive_avg_pool2d',
      'interpolate',
      'batch_norm',
      'layer_norm',
      'group_norm',
      'softmax',
      'log_softmax',
      'gelu',
      'cross_entropy',
      'scaled_dot_product_attention',
    ]) {
      expect(ops.has(op), op).toBe(true);
    }
  });
});
