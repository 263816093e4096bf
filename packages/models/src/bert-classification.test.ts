/**
 * BertForSequenceClassification: HF's names (`bert.*` with pooler, `classifier.*`), logits that
 * are the classifier applied to the fixture's pooled `[CLS]` output, fine-tuning from a
 * `BertForMaskedLM` file (the body loads, pooler and classifier stay fresh), and `maskPadding`
 * (ids alone mask `[PAD]` keys as an explicit attention mask does).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, loadTensors, matmul, narrow, tensor, tidy, transpose, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { BertForSequenceClassification, BertModel, createModel, type BertOptions } from './index.js';
import { maxAbsDiff } from './test/helpers.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

const dir = new URL('../../../fixtures/models/', import.meta.url);
const load = (file: string): Record<string, Tensor> => loadTensors(new Uint8Array(readFileSync(new URL(file, dir))), `fixtures/models/${file}`).tensors;

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

describe('BertForSequenceClassification', () => {
  it("has HF's keys and BertModel's parameters plus hidden·labels + labels; bert_cls takes numClasses", () => {
    const model = createModel('bert_cls', { ...TINY, numClasses: 3 } as never);
    expect(model).toBeInstanceOf(BertForSequenceClassification);
    const keys = Object.keys(model.stateDict());
    expect(keys).toContain('bert.pooler.dense.weight');
    expect(keys.filter((k) => !k.startsWith('bert.'))).toEqual(['classifier.weight', 'classifier.bias']);
    expect(model.stateDict()['classifier.weight']!.shape).toEqual([3, 16]);
    const body = new BertModel(TINY);
    expect(model.numParameters()).toBe(body.numParameters() + 16 * 3 + 3);
    body.dispose();
    model.dispose();
  });

  it('logits are classifier(pooler_output) on the fixture; a BertModel file loads strictly once a classifier is added', () => {
    const state = load('bert_tiny.safetensors');
    const x = load('bert_tiny.io.safetensors');
    const model = new BertForSequenceClassification({ ...TINY, numLabels: 3 });
    const w = model.classifier.weight;
    const b = model.classifier.bias!;
    // A body-only file: the classifier is what is missing.
    expect(() => model.loadStateDict(state)).toThrow(/missing keys \(2\): classifier\.weight, classifier\.bias/);
    expect(model.loadStateDict({ ...state, 'classifier.weight': w, 'classifier.bias': b })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    model.eval();
    tidy(() => {
      const logits = model.call(x.input_ids!, { attentionMask: x.attention_mask!, tokenTypeIds: x.token_type_ids! });
      expect(logits.shape).toEqual([2, 3]);
      const expected = add(matmul(x.pooler_output!, transpose(w, 0, 1)), b);
      expect(maxAbsDiff(logits, expected)).toBeLessThan(1e-4);
    });
    model.dispose();
    for (const t of [...Object.values(state), ...Object.values(x)]) t.dispose();
  });

  it('fine-tuning from a BertForMaskedLM file: the body loads, cls.* is left out, pooler and classifier stay fresh', () => {
    const mlm = load('bert_tiny_mlm.safetensors');
    const x = load('bert_tiny.io.safetensors');
    const model = new BertForSequenceClassification(TINY);
    const fresh = model.classifier.weight.dataSync().slice();
    const result = model.loadStateDict(mlm, { strict: false });
    expect(result.missingKeys.sort()).toEqual(['bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'classifier.bias', 'classifier.weight']);
    expect(result.unexpectedKeys).toEqual([]);
    expect(model.classifier.weight.dataSync()).toEqual(fresh);
    model.eval();
    tidy(() => {
      const h = model.bert.call(x.input_ids!, { attentionMask: x.attention_mask!, tokenTypeIds: x.token_type_ids! });
      expect(maxAbsDiff(h, x.last_hidden_state!)).toBeLessThan(1e-4);
    });
    model.dispose();
    for (const t of [...Object.values(mlm), ...Object.values(x)]) t.dispose();
  });
});

describe('maskPadding', () => {
  it('ids alone mask [PAD] keys exactly as an explicit attention mask; off by default (HF attends to every token)', () => {
    const masked = new BertModel({ ...TINY, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0, maskPadding: true });
    const plain = new BertModel({ ...TINY, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    plain.loadStateDict(masked.stateDict());
    masked.eval();
    plain.eval();
    tidy(() => {
      const ids = tensor(new Int32Array([2, 10, 11, 3, 0, 0]), [1, 6], { dtype: 'int32' });
      const mask = tensor(new Int32Array([1, 1, 1, 1, 0, 0]), [1, 6], { dtype: 'int32' });
      const explicit = narrow(plain.call(ids, { attentionMask: mask }), 1, 0, 4);
      expect(maxAbsDiff(narrow(masked.call(ids), 1, 0, 4), explicit)).toBeLessThan(1e-6);
      expect(maxAbsDiff(narrow(plain.call(ids), 1, 0, 4), explicit)).toBeGreaterThan(1e-3);
    });
    masked.dispose();
    plain.dispose();
  });
});
