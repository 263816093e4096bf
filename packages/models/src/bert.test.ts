/**
 * BERT against PyTorch: a tiny `BertModel` and `BertForMaskedLM` written with Hugging Face's
 * module names and math (fixtures/generate_bert.py; `transformers` itself is not installed here)
 * load with `strict: true` — with and without the `bert.` prefix — and reproduce the last hidden
 * state, the pooled output and the MLM logits for ids with token types and padding; the base
 * configuration has every key and shape of bert-base-uncased and 109,482,240 parameters
 * (fixtures/models/bert_state_shapes.json); a mismatched state dict fails naming the key and
 * both shapes; the residuals are Skips (plain twin).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, countSkips, crossEntropy, graph, loadTensors, narrow, permute, randn, setSkips, sum, tensor, tidy, zeros, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { gradCheck, randomArray, useBackend } from '@skipnet/core/testing';
import { BertForMaskedLM, BertLayer, BertModel, createModel, extendedAttentionMask, onMeta, type BertOptions } from './index.js';
import { maxAbsDiff } from './test/helpers.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const dir = new URL('../../../fixtures/models/', import.meta.url);
const load = (file: string): Record<string, Tensor> => loadTensors(new Uint8Array(readFileSync(new URL(file, dir))), `fixtures/models/${file}`).tensors;
type Shapes = { parameters: number; keys: Record<string, number[]> };
const BASE = JSON.parse(readFileSync(new URL('bert_state_shapes.json', dir), 'utf8')) as { BertModel: Shapes; BertForMaskedLM: Shapes };

/** The fixture's configuration (fixtures/generate_bert.py). */
const TINY: BertOptions = {
  vocabSize: 59,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 32,
  maxPositionEmbeddings: 12,
  typeVocabSize: 2,
};

const prefixed = (dict: Record<string, Tensor>, add: boolean): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(dict).map(([k, v]) => [add ? (k.startsWith('cls.') ? k : `bert.${k}`) : k.replace(/^bert\./, ''), v]));

describe('BERT loads Hugging Face state dicts strictly and reproduces them', () => {
  const io = (): Record<string, Tensor> => load('bert_tiny.io.safetensors');

  it('BertModel: last hidden state and pooler output, with and without the bert. prefix', () => {
    const state = load('bert_tiny.safetensors');
    const x = io();
    const call = { attentionMask: x.attention_mask!, tokenTypeIds: x.token_type_ids! };
    for (const withPrefix of [false, true]) {
      const model = new BertModel({ ...TINY, hiddenDropoutProb: 0.5 });
      expect(model.loadStateDict(prefixed(state, withPrefix), { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });
      model.eval();
      tidy(() => {
        const { lastHiddenState, poolerOutput } = model.encode(x.input_ids!, call);
        expect(lastHiddenState.shape).toEqual([2, 7, 16]);
        expect(maxAbsDiff(lastHiddenState, x.last_hidden_state!), 'last_hidden_state').toBeLessThan(1e-4);
        expect(maxAbsDiff(poolerOutput!, x.pooler_output!), 'pooler_output').toBeLessThan(1e-4);
        // The mask and the token types matter: without them the states differ.
        expect(maxAbsDiff(model.call(x.input_ids!, { tokenTypeIds: x.token_type_ids! }), x.last_hidden_state!)).toBeGreaterThan(1e-2);
        expect(maxAbsDiff(model.call(x.input_ids!, { attentionMask: x.attention_mask! }), x.last_hidden_state!)).toBeGreaterThan(1e-2);
      });
      model.dispose();
    }
    for (const t of [...Object.values(state), ...Object.values(x)]) t.dispose();
  });

  it('BertForMaskedLM: logits, with and without the bert. prefix, with one or both tied names', () => {
    const state = load('bert_tiny_mlm.safetensors');
    const x = io();
    expect(Object.keys(state)).toContain('cls.predictions.decoder.weight');
    expect(Object.keys(state)).toContain('cls.predictions.decoder.bias');
    // As `safetensors.torch.save_model` writes it: one name per shared tensor.
    const deduped = Object.fromEntries(Object.entries(state).filter(([k]) => !k.startsWith('cls.predictions.decoder.')));
    for (const [label, dict] of [
      ['bert. prefix, both tied names', state],
      ['no prefix', prefixed(state, false)],
      ['tied names once', deduped],
    ] as const) {
      const model = new BertForMaskedLM(TINY);
      expect(model.loadStateDict(dict, { strict: true }), label).toEqual({ missingKeys: [], unexpectedKeys: [] });
      model.eval();
      expect(model.cls.predictions.decoder.weight).toBe(model.bert.embeddings.word_embeddings.weight);
      expect(model.cls.predictions.decoder.bias).toBe(model.cls.predictions.bias);
      tidy(() => {
        const logits = model.call(x.input_ids!, { attentionMask: x.attention_mask!, tokenTypeIds: x.token_type_ids! });
        expect(logits.shape).toEqual([2, 7, TINY.vocabSize]);
        expect(maxAbsDiff(logits, x.logits!), label).toBeLessThan(1e-4);
      });
      model.dispose();
    }
    for (const t of [...Object.values(state), ...Object.values(x)]) t.dispose();
  });

  it('the body of a BertForMaskedLM file loads into a BertModel without pooler only', () => {
    const state = load('bert_tiny_mlm.safetensors');
    const x = io();
    const body = new BertModel({ ...TINY, addPoolingLayer: false });
    expect(body.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    body.eval();
    tidy(() => {
      const h = body.call(x.input_ids!, { attentionMask: x.attention_mask!, tokenTypeIds: x.token_type_ids! });
      expect(maxAbsDiff(h, x.last_hidden_state!)).toBeLessThan(1e-4);
    });
    // With a pooler, the file lacks pooler.dense.*: strict loading names the missing keys.
    const pooled = new BertModel(TINY);
    expect(() => pooled.loadStateDict(state)).toThrow(/missing keys \(2\): pooler\.dense\.weight, pooler\.dense\.bias/);
    body.dispose();
    pooled.dispose();
    for (const t of [...Object.values(state), ...Object.values(x)]) t.dispose();
  });

  it('a mismatched or unexpected key fails naming the key and both shapes; nothing is copied', () => {
    const state = load('bert_tiny.safetensors');
    const model = new BertModel(TINY);
    const snapshot = Array.from(model.embeddings.word_embeddings.weight.dataSync());
    const bad = { ...state, 'encoder.layer.1.attention.self.key.weight': zeros([16, 8]) };
    expect(() => model.loadStateDict(bad)).toThrow(/encoder\.layer\.1\.attention\.self\.key\.weight: checkpoint \[16,8\], model \[16,16\]/);
    expect(Array.from(model.embeddings.word_embeddings.weight.dataSync())).toEqual(snapshot);
    expect(() => model.loadStateDict({ ...state, 'encoder.layer.0.attention.self.kee.weight': zeros([16, 16]) })).toThrow(
      /unexpected keys \(1\): encoder\.layer\.0\.attention\.self\.kee\.weight/,
    );
    const { 'encoder.layer.0.output.LayerNorm.bias': _dropped, ...missing } = state;
    expect(() => model.loadStateDict(missing)).toThrow(/missing keys \(1\): encoder\.layer\.0\.output\.LayerNorm\.bias/);
    model.dispose();
    for (const t of Object.values(state)) t.dispose();
  });

  it('a checkpoint of another configuration fails naming every mismatched key and both shapes', () => {
    const state = load('bert_tiny_mlm.safetensors');
    const model = new BertForMaskedLM({ ...TINY, vocabSize: 60 });
    expect(() => model.loadStateDict(state)).toThrow(
      /shape mismatches \(4\):[\s\S]*bert\.embeddings\.word_embeddings\.weight: checkpoint \[59,16\], model \[60,16\][\s\S]*cls\.predictions\.bias: checkpoint \[59\], model \[60\]/,
    );
    model.dispose();
    for (const t of Object.values(state)) t.dispose();
  });

  it('a truncated safetensors file fails to parse, naming the file', () => {
    const bytes = new Uint8Array(readFileSync(new URL('bert_tiny.safetensors', dir)));
    expect(() => loadTensors(bytes.subarray(0, bytes.length - 100), 'bert_tiny.safetensors')).toThrow(/bert_tiny\.safetensors/);
  });

  it('legacy names load: LayerNorm.gamma/beta and the embeddings.position_ids buffer', () => {
    const state = load('bert_tiny.safetensors');
    const x = io();
    const legacy: Record<string, Tensor> = {
      'bert.embeddings.position_ids': tensor(
        new Int32Array(12).map((_, i) => i),
        [1, 12],
        { dtype: 'int32' },
      ),
    };
    for (const [k, v] of Object.entries(state))
      legacy[`bert.${k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')}`] = v;
    const model = new BertModel(TINY);
    model.loadStateDict(legacy, { strict: true });
    model.eval();
    tidy(() => {
      const h = model.call(x.input_ids!, { attentionMask: x.attention_mask!, tokenTypeIds: x.token_type_ids! });
      expect(maxAbsDiff(h, x.last_hidden_state!)).toBeLessThan(1e-4);
    });
    model.dispose();
    for (const t of [...Object.values(legacy), ...Object.values(x)]) t.dispose();
  });
});

describe('bert-base-uncased', () => {
  it(`BertModel: ${BASE.BertModel.parameters.toLocaleString('en-US')} parameters, ${Object.keys(BASE.BertModel.keys).length} keys of HF's names and shapes`, async () => {
    const model = await onMeta(() => createModel('bert_base_uncased'));
    const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));
    expect(shapes).toEqual(BASE.BertModel.keys);
    expect(model.numParameters()).toBe(109_482_240);
    expect(BASE.BertModel.parameters).toBe(109_482_240);
    // Two post-LN residuals per layer.
    expect(countSkips(model)).toBe(24);
    model.dispose();
  });

  it(`BertForMaskedLM: ${BASE.BertForMaskedLM.parameters.toLocaleString('en-US')} parameters (tied decoder counted once), HF's keys`, async () => {
    const model = await onMeta(() => createModel('bert_mlm'));
    const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));
    expect(shapes).toEqual(BASE.BertForMaskedLM.keys);
    expect(model.numParameters()).toBe(BASE.BertForMaskedLM.parameters);
    model.dispose();
  });

  it('the plain twin keeps every key and removes all 24 bypasses', async () => {
    const model = await onMeta(() => createModel('bert_base_uncased', { skip: false }));
    expect(countSkips(model, { all: true })).toBe(24);
    expect(countSkips(model)).toBe(0);
    expect(model.numParameters()).toBe(109_482_240);
    model.dispose();
  });
});

describe('graph', () => {
  it('bert_mlm: 2 skip edges per layer ending at add merges; the plain twin has none', () => {
    const options = { vocabSize: 7, hiddenSize: 4, numHiddenLayers: 3, numAttentionHeads: 2, intermediateSize: 8, maxPositionEmbeddings: 5 };
    const model = createModel('bert_mlm', options);
    const g = graph(model, [1, 5], { dtype: 'int32' });
    expect(new Set(g.skipEdges.map((e) => e.to)).size).toBe(6);
    for (const e of g.skipEdges) expect(g.nodes[e.to]!.type).toMatch(/\(add\)$/);
    model.dispose();
    const plain = createModel('bert_mlm', { ...options, skip: false });
    expect(graph(plain, [1, 5], { dtype: 'int32' }).skipEdges).toEqual([]);
    plain.dispose();
  });
});

describe('BertLayer', () => {
  it('the plain twin drops the bypasses and changes the output', () => {
    const owner = new BertModel({ ...TINY, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    const layer = new BertLayer(owner.config);
    owner.dispose();
    layer.eval();
    tidy(() => {
      const x = randn([1, 3, 16], { seed: 3 });
      const y = layer.call(x);
      const withSkip = y.dataSync().slice();
      setSkips(layer, false);
      const plain = layer.call(x).dataSync();
      setSkips(layer, true);
      expect(maxAbsDiff(tensor(withSkip, [1, 3, 16]), tensor(plain, [1, 3, 16]))).toBeGreaterThan(1e-2);
    });
    layer.dispose();
  });

  it('a padded key changes nothing: the mask hides it', () => {
    const model = new BertModel({ ...TINY, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    model.eval();
    tidy(() => {
      const ids = tensor(new Int32Array([2, 10, 11, 3, 20]), [1, 5], { dtype: 'int32' });
      const other = tensor(new Int32Array([2, 10, 11, 3, 40]), [1, 5], { dtype: 'int32' });
      const mask = tensor(new Int32Array([1, 1, 1, 1, 0]), [1, 5], { dtype: 'int32' });
      const a = narrow(model.call(ids, { attentionMask: mask }), 1, 0, 4);
      const b = narrow(model.call(other, { attentionMask: mask }), 1, 0, 4);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    });
    expect(() => model.call(tensor(new Int32Array(13), [1, 13], { dtype: 'int32' }))).toThrow(/T ≤ 12/);
    expect(() => model.call(tensor(new Int32Array(4), [1, 4], { dtype: 'int32' }), { attentionMask: zeros([1, 5]) })).toThrow(/attentionMask must be \[1, 4\]/);
    model.dispose();
  });

  it('gradients match finite differences through masked attention and both residuals', async () => {
    const model = new BertModel({
      ...TINY,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
      numHiddenLayers: 1,
      hiddenSize: 4,
      numAttentionHeads: 2,
      intermediateSize: 8,
    });
    const layer = model.encoder.layer.at(0) as BertLayer;
    const mask = extendedAttentionMask(tensor(new Int32Array([1, 1, 1, 0]), [1, 4], { dtype: 'int32' }));
    await gradCheck(
      'BertLayer with a padded key',
      (h) => layer.call(h!, mask),
      [{ shape: [1, 4, 4], data: randomArray(16) }],
      { atol: 2e-3, rtol: 2e-2 },
      { samples: 16, eps: 1e-3 },
    );
    tidy(() => sum(model.call(tensor(new Int32Array([1, 5, 9, 2]), [1, 4], { dtype: 'int32' }))).backward());
    for (const [name, p] of model.namedParameters()) {
      if (name.startsWith('pooler.')) continue;
      expect(p.grad, name).toBeTruthy();
    }
    mask.dispose();
    model.dispose();
  });
});

describe('masked-language modelling', () => {
  it('a tiny BertForMaskedLM learns to fill masked tokens of a fixed batch (ignoreIndex −100 off the masks); the optimizer sees the tied table once', () => {
    const model = new BertForMaskedLM({ ...TINY, vocabSize: 12, hiddenSize: 16, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    // [CLS] 8 9 10 [MASK] [SEP] → 6 and [CLS] 10 9 8 [MASK] [SEP] → 7: only word order (positions,
    // through attention) tells them apart. Loss sits at ln 2 until attention breaks the tie.
    const ids = tensor(new Int32Array([2, 8, 9, 10, 4, 3, 2, 10, 9, 8, 4, 3]), [2, 6], { dtype: 'int32' });
    const labels = tensor(new Int32Array([-100, -100, -100, -100, 6, -100, -100, -100, -100, -100, 7, -100]), [2, 6], { dtype: 'int32' });
    const loss = (): Tensor => {
      const logits = model.call(ids);
      return crossEntropy(permute(logits, [0, 2, 1]), labels);
    };
    const first = tidy(() => loss().dataSync()[0]!);
    const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
    for (let step = 0; step < 150; step++) {
      opt.zeroGrad();
      tidy(() => loss().backward());
      opt.step();
    }
    const last = tidy(() => loss().dataSync()[0]!);
    expect(first, 'initial loss').toBeGreaterThan(1.5);
    expect(last, `loss after 150 steps (from ${first})`).toBeLessThan(0.1);
    // One tensor: the embedding lookup's and the decoder's gradients add up in one .grad, stepped once.
    expect(model.parameters().filter((p) => p === model.bert.embeddings.word_embeddings.weight)).toHaveLength(1);
    opt.dispose();
    ids.dispose();
    labels.dispose();
    model.dispose();
  });
});
