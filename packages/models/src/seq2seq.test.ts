/**
 * The encoder–decoder Transformer against PyTorch: `nn.Transformer(batch_first=True)` state
 * dicts (fixtures/models/seq2seq_{post,pre}_ln.*, written by fixtures/generate_models.py with
 * a causal target mask and key-padding masks) load with `strict: true` and reproduce PyTorch's
 * memory and output; the base configuration has every key, shape and the parameter count of
 * PyTorch's (fixtures/models/transformer_state_shapes.json); masks do what they say; bad shapes
 * fail naming them; gradients match finite differences.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countSkips, loadTensors, manualSeed, randn, setSkips, slice, sum, tensor, tidy, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { gradCheck, randomArray, restartStreams, useBackend } from '@skipnet/core/testing';
import { Transformer, TransformerDecoderLayer, generateSquareSubsequentMask, onMeta } from './index.js';
import { maxAbsDiff } from './test/helpers.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const dir = new URL('../../../fixtures/models/', import.meta.url);
const load = (file: string): Record<string, Tensor> => loadTensors(new Uint8Array(readFileSync(new URL(file, dir))), `fixtures/models/${file}`).tensors;
const BASE = JSON.parse(readFileSync(new URL('transformer_state_shapes.json', dir), 'utf8')) as { parameters: number; keys: Record<string, number[]> };

/** The fixtures' configuration. */
const tiny = (normFirst: boolean): Transformer =>
  new Transformer({ dModel: 16, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32, dropout: 0, normFirst });

describe('nn.Transformer weights load with strict: true and reproduce PyTorch', () => {
  for (const normFirst of [false, true]) {
    const name = `seq2seq_${normFirst ? 'pre' : 'post'}_ln`;
    it(name, () => {
      const model = tiny(normFirst);
      const state = load(`${name}.safetensors`);
      const io = load(`${name}.io.safetensors`);
      expect(model.loadStateDict(state, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });
      model.eval();
      const src = io.input!;
      const tgt = io.tgt!;
      const masks = {
        tgtMask: io.tgt_mask!,
        srcKeyPaddingMask: io.src_key_padding_mask!,
        tgtKeyPaddingMask: io.tgt_key_padding_mask!,
        memoryKeyPaddingMask: io.memory_key_padding_mask!,
      };
      tidy(() => {
        const memory = model.encode(src, { srcKeyPaddingMask: masks.srcKeyPaddingMask });
        expect(memory.shape).toEqual(io.memory!.shape);
        expect(maxAbsDiff(memory, io.memory!), `${name}.memory`).toBeLessThan(1e-4);
        const out = model.call(src, tgt, masks);
        expect(out.shape).toEqual([2, 4, 16]);
        expect(maxAbsDiff(out, io.output!), `${name}.output`).toBeLessThan(1e-4);
        // tgtIsCausal is the same mask without building it.
        const { tgtMask: _built, ...rest } = masks;
        expect(maxAbsDiff(model.call(src, tgt, { ...rest, tgtIsCausal: true }), io.output!)).toBeLessThan(1e-4);
        // The masks matter: without them the output is another one.
        expect(maxAbsDiff(model.call(src, tgt), io.output!)).toBeGreaterThan(1e-2);
      });
      for (const t of [...Object.values(state), ...Object.values(io)]) t.dispose();
      model.dispose();
    });
  }
});

describe('the base configuration is PyTorch’s', () => {
  it(`nn.Transformer(): ${BASE.parameters.toLocaleString('en-US')} parameters, ${Object.keys(BASE.keys).length} keys of the same shapes`, async () => {
    const model = await onMeta(() => new Transformer());
    const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));
    expect(shapes).toEqual(BASE.keys);
    expect(model.numParameters()).toBe(BASE.parameters);
    // Two residuals per encoder layer, three per decoder layer.
    expect(countSkips(model)).toBe(6 * 2 + 6 * 3);
    model.dispose();
  });

  it('the plain twin keeps every key and removes all 30 bypasses', async () => {
    const model = await onMeta(() => new Transformer({ skip: false }));
    expect(countSkips(model, { all: true })).toBe(30);
    expect(countSkips(model)).toBe(0);
    expect(model.numParameters()).toBe(BASE.parameters);
    model.dispose();
  });
});

describe('TransformerDecoderLayer', () => {
  it('has PyTorch’s names, in both norm placements', () => {
    for (const normFirst of [false, true]) {
      const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, normFirst });
      expect(Object.keys(layer.stateDict()).sort()).toEqual(
        [
          'self_attn.in_proj_weight',
          'self_attn.in_proj_bias',
          'self_attn.out_proj.weight',
          'self_attn.out_proj.bias',
          'multihead_attn.in_proj_weight',
          'multihead_attn.in_proj_bias',
          'multihead_attn.out_proj.weight',
          'multihead_attn.out_proj.bias',
          'linear1.weight',
          'linear1.bias',
          'linear2.weight',
          'linear2.bias',
          'norm1.weight',
          'norm1.bias',
          'norm2.weight',
          'norm2.bias',
          'norm3.weight',
          'norm3.bias',
        ].sort(),
      );
      layer.dispose();
    }
  });

  it.each([false, true])('causal and memory key-padding masks hide what they say (normFirst %s)', (normFirst) => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, normFirst });
    layer.eval();
    const tgt = randn([1, 4, 8], { seed: 1 });
    const memory = randn([1, 5, 8], { seed: 2 });
    const pad = tensor(new Int32Array([0, 0, 0, 0, 1]), [1, 5], { dtype: 'int32' });
    tidy(() => {
      const masks = { tgtIsCausal: true, memoryKeyPaddingMask: pad };
      const base = layer.call(tgt, memory, masks);
      // A later target token and a padded memory position change nothing before / anywhere.
      const laterChanged = tgt.add(randn([1, 4, 8], { seed: 3 }).mul(tensor([0, 0, 0, 5], [1, 4, 1])));
      const padChanged = memory.add(randn([1, 5, 8], { seed: 4 }).mul(tensor([0, 0, 0, 0, 5], [1, 5, 1])));
      const first3 = (t: Tensor) => slice(t, [0, 0, 0], [1, 3, 8]);
      expect(maxAbsDiff(first3(layer.call(laterChanged, memory, masks)), first3(base))).toBeLessThan(1e-5);
      expect(maxAbsDiff(layer.call(tgt, padChanged, masks), base)).toBeLessThan(1e-5);
      // Unmasked, both changes show: the masks, not the data, made the difference.
      expect(maxAbsDiff(first3(layer.call(laterChanged, memory)), first3(layer.call(tgt, memory)))).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(layer.call(tgt, padChanged), layer.call(tgt, memory))).toBeGreaterThan(1e-3);
      // The built causal mask and the flag agree.
      expect(maxAbsDiff(layer.call(tgt, memory, { tgtMask: generateSquareSubsequentMask(4), memoryKeyPaddingMask: pad }), base)).toBeLessThan(1e-6);
    });
    for (const t of [tgt, memory, pad]) t.dispose();
    layer.dispose();
  });

  it.each([false, true])('gradients match finite differences for tgt, memory and every parameter (normFirst %s)', async (normFirst) => {
    // Seeded here, so the weights and inputs do not depend on which tests ran before.
    manualSeed(11);
    restartStreams(11);
    const layer = new TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, normFirst });
    const pad = tensor(new Int32Array([0, 0, 1, 0, 0, 0]), [2, 3], { dtype: 'int32' });
    await gradCheck(
      `decoder layer (normFirst ${normFirst})`,
      (tgt, memory) => layer.call(tgt!, memory!, { tgtIsCausal: true, memoryKeyPaddingMask: pad }),
      [
        { shape: [2, 3, 4], data: randomArray(24) },
        { shape: [2, 3, 4], data: randomArray(24) },
      ],
      { atol: 2e-3, rtol: 2e-2 },
      { samples: 24, eps: 1e-3 },
    );
    // Every parameter receives a gradient, the cross-attention's included.
    tidy(() => sum(layer.call(randn([2, 3, 4], { seed: 5 }), randn([2, 3, 4], { seed: 6 }), { tgtIsCausal: true })).backward());
    for (const [name, p] of layer.namedParameters()) {
      expect(p.grad, name).toBeTruthy();
      expect(
        p.grad!.dataSync().some((v) => v !== 0),
        name,
      ).toBe(true);
    }
    pad.dispose();
    layer.dispose();
  });

  it('bad shapes fail naming the shapes', () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    const t = (shape: number[]) => randn(shape);
    const i32 = (shape: number[]) => tensor(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape, { dtype: 'int32' });
    tidy(() => {
      const tgt = t([2, 4, 8]);
      const memory = t([2, 5, 8]);
      expect(() => layer.call(t([2, 4, 6]), memory)).toThrow('TransformerDecoderLayer: expected tgt [N, L, 8], got [2, 4, 6]');
      expect(() => layer.call(tgt, t([3, 5, 8]))).toThrow('expected memory (batch 2 as tgt) [2, L, 8], got [3, 5, 8]');
      expect(() => layer.call(tgt, memory, { tgtMask: t([5, 5]) })).toThrow('tgtMask must be [4, 4] or [4, 4, 4], got [5, 5]');
      expect(() => layer.call(tgt, memory, { memoryMask: t([4, 4]) })).toThrow('memoryMask must be [4, 5] or [4, 4, 5], got [4, 4]');
      expect(() => layer.call(tgt, memory, { tgtKeyPaddingMask: i32([2, 5]) })).toThrow('tgtKeyPaddingMask must be [2, 4], got [2, 5]');
      expect(() => layer.call(tgt, memory, { memoryKeyPaddingMask: i32([5, 2]) })).toThrow('memoryKeyPaddingMask must be [2, 5], got [5, 2]');
    });
    layer.dispose();
  });
});

describe('Transformer', () => {
  it('checks src and tgt before any compute, naming their shapes', () => {
    const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    tidy(() => {
      expect(() => model.call(randn([2, 5]), randn([2, 4, 8]))).toThrow('Transformer: expected src [N, L, 8], got [2, 5]');
      expect(() => model.call(randn([2, 5, 8]), randn([3, 4, 8]))).toThrow('Transformer: expected tgt (batch 2 as src) [2, L, 8], got [3, 4, 8]');
      expect(() => model.call(randn([2, 5, 8]), randn([2, 4, 8]), { srcKeyPaddingMask: randn([2, 4]) })).toThrow('keyPaddingMask must be [2, 5], got [2, 4]');
      expect(model.call(randn([2, 5, 8]), randn([2, 4, 8])).shape).toEqual([2, 4, 8]);
    });
    expect(() => new Transformer({ dModel: 10, nhead: 4 })).toThrow('Transformer: dModel 10 must be divisible by nhead 4');
    model.dispose();
  });

  it('passes srcMask / srcIsCausal and memoryMask to the attentions they name', () => {
    const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0 });
    model.eval();
    tidy(() => {
      const src = randn([1, 4, 8], { seed: 9 });
      const tgt = randn([1, 4, 8], { seed: 10 });
      const open = model.call(src, tgt);
      const causalSrc = model.call(src, tgt, { srcMask: generateSquareSubsequentMask(4) });
      expect(maxAbsDiff(causalSrc, open)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(model.call(src, tgt, { srcIsCausal: true }), causalSrc)).toBeLessThan(1e-6);
      const causalMemory = model.call(src, tgt, { memoryMask: generateSquareSubsequentMask(4) });
      expect(maxAbsDiff(causalMemory, open)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(model.call(src, tgt, { memoryIsCausal: true }), causalMemory)).toBeLessThan(1e-6);
    });
    model.dispose();
  });

  it('the plain twin runs without bypasses and differs from the residual model', () => {
    const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0 });
    model.eval();
    tidy(() => {
      const src = randn([1, 3, 8], { seed: 7 });
      const tgt = randn([1, 2, 8], { seed: 8 });
      const residual = model.call(src, tgt);
      expect(setSkips(model, false)).toBe(5);
      expect(maxAbsDiff(model.call(src, tgt), residual)).toBeGreaterThan(1e-3);
    });
    model.dispose();
  });
});
