/**
 * Replays PyTorch 1.13 golden cases (fixtures/golden, made by fixtures/generate.py): outputs
 * and input gradients of our ops must match torch's on the same inputs.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { registerBackend, setBackend, tidy, type Tensor } from './index.js';
import * as ops from './ops/index.js';
import { parseSafetensors } from './io/safetensors.js';
import { assertClose } from './testing/helpers.js';

interface GoldenCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: string[];
  outputs: string[];
  cotangents: Record<string, string>;
  grads: Record<string, string>;
  tensors: Record<string, { key: string; shape: number[] }>;
}

const root = new URL('../../../fixtures/golden/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('ops.json', root), 'utf8')) as { cases: GoldenCase[] };
const file = parseSafetensors(new Uint8Array(readFileSync(new URL('ops.safetensors', root))), 'ops.safetensors');

const pair = (v: unknown): [number, number] => v as [number, number];

function run(c: GoldenCase, x: Record<string, Tensor>): Record<string, Tensor> {
  const a = c.attrs;
  switch (c.op) {
    case 'conv2d':
      return { out: ops.conv2d(x.x!, x.w!, x.b, { stride: pair(a.stride), padding: pair(a.padding), dilation: pair(a.dilation), groups: a.groups as number }) };
    case 'conv_transpose2d':
      return {
        out: ops.convTranspose2d(x.x!, x.w!, x.b, {
          stride: pair(a.stride),
          padding: pair(a.padding),
          outputPadding: pair(a.output_padding),
          dilation: pair(a.dilation),
          groups: a.groups as number,
        }),
      };
    case 'max_pool2d':
      return { out: ops.maxPool2d(x.x!, pair(a.kernel_size), { stride: pair(a.stride), padding: pair(a.padding) }) };
    case 'avg_pool2d':
      return {
        out: ops.avgPool2d(x.x!, pair(a.kernel_size), { stride: pair(a.stride), padding: pair(a.padding), countIncludePad: a.count_include_pad as boolean }),
      };
    case 'adaptive_avg_pool2d':
      return { out: ops.adaptiveAvgPool2d(x.x!, pair(a.output_size)) };
    case 'interpolate':
      return {
        out: ops.upsample(x.x!, {
          size: pair(a.size),
          mode: a.mode as 'nearest' | 'bilinear',
          alignCorners: (a.align_corners as boolean | undefined) ?? false,
        }),
      };
    case 'batch_norm': {
      const out = ops.batchNorm(x.x!, x.running_mean!, x.running_var!, x.weight!, x.bias!, {
        training: a.training as boolean,
        momentum: a.momentum as number,
        eps: a.eps as number,
      });
      return { out, running_mean_updated: x.running_mean!, running_var_updated: x.running_var! };
    }
    case 'layer_norm':
      return { out: ops.layerNorm(x.x!, a.normalized_shape as number[], x.weight, x.bias, a.eps as number) };
    case 'group_norm':
      return { out: ops.groupNorm(x.x!, a.num_groups as number, x.weight, x.bias, a.eps as number) };
    case 'softmax':
      return { out: ops.softmax(x.x!, a.dim as number) };
    case 'log_softmax':
      return { out: ops.logSoftmax(x.x!, a.dim as number) };
    case 'gelu':
      return { out: ops.gelu(x.x!, a.approximate as 'none' | 'tanh') };
    case 'cross_entropy':
      return {
        out: ops.crossEntropy(x.logits!, x.target!, {
          ignoreIndex: a.ignore_index as number,
          labelSmoothing: a.label_smoothing as number,
          reduction: a.reduction as 'mean',
        }),
      };
    case 'scaled_dot_product_attention': {
      const d = x.q!.shape[x.q!.rank - 1]!;
      expect(a.scale).toBeCloseTo(1 / Math.sqrt(d));
      return { out: ops.scaledDotProductAttention(x.q!, x.k!, x.v!, { causal: a.causal as boolean }) };
    }
    default:
      throw new Error(`no replay for golden op ${c.op}`);
  }
}

describe('PyTorch golden cases (cpu backend)', () => {
  beforeAll(async () => {
    registerBackend('cpu', createCpuBackend);
    await setBackend('cpu');
  });
  const tol = { atol: 2e-5, rtol: 1e-4 };
  for (const c of manifest.cases) {
    it(c.name, async () => {
      const get = (role: string) => file.tensors.get(c.tensors[role]!.key)!;
      const inputs: Record<string, Tensor> = {};
      for (const name of c.inputs) {
        const g = get(name);
        inputs[name] = ops.tensor(g.data, g.shape, { dtype: g.dtype });
        if (c.grads[name]) inputs[name]!.requiresGrad = true;
      }
      const outs = tidy(() => {
        const o = run(c, inputs);
        const loss = ops.add(ops.sum(ops.mul(o.out!, ops.tensor(get(c.cotangents.out!).data, o.out!.shape))), 0);
        loss.backward();
        return o;
      });
      for (const name of c.outputs) {
        const want = get(name);
        expect(outs[name]!.shape, `${c.name} ${name} shape`).toEqual(want.shape);
        assertClose(await outs[name]!.data(), want.data, tol, `${c.name}: ${name}`);
      }
      for (const [input, gradRole] of Object.entries(c.grads)) {
        const g = inputs[input]!.grad;
        expect(g, `${c.name}: gradient of ${input}`).toBeTruthy();
        assertClose(await g!.data(), get(gradRole).data, tol, `${c.name}: grad of ${input}`);
      }
      for (const t of [...Object.values(outs), ...Object.values(inputs)]) t.dispose();
    });
  }
});
