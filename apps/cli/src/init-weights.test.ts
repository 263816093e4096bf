import { describe, expect, it } from 'vitest';
import { planInit } from './init-weights.js';

const shapes = (entries: Record<string, number[]>) => Object.fromEntries(Object.entries(entries).map(([k, shape]) => [k, { shape }]));

describe('planInit (--init)', () => {
  const mlm = shapes({
    'bert.embeddings.word_embeddings.weight': [32, 8],
    'bert.encoder.layer.0.attention.self.query.weight': [8, 8],
    'bert.encoder.layer.1.attention.self.query.weight': [8, 8],
    'cls.predictions.bias': [32],
    'cls.predictions.transform.dense.weight': [8, 8],
  });
  const cls = shapes({
    'bert.embeddings.word_embeddings.weight': [32, 8],
    'bert.encoder.layer.0.attention.self.query.weight': [8, 8],
    'bert.encoder.layer.1.attention.self.query.weight': [8, 8],
    'bert.pooler.dense.weight': [8, 8],
    'classifier.weight': [2, 8],
    'classifier.bias': [2],
  });

  it('loads the shared body, keeps whole modules the checkpoint lacks fresh and leaves out its own head', () => {
    expect(planInit(mlm, cls)).toEqual({
      shared: [
        'bert.embeddings.word_embeddings.weight',
        'bert.encoder.layer.0.attention.self.query.weight',
        'bert.encoder.layer.1.attention.self.query.weight',
      ],
      fresh: ['bert.pooler', 'classifier'],
      dropped: ['cls'],
      problems: [],
    });
  });

  it('a missing layer, a shape mismatch or a lone missing parameter is a problem naming the key, never a fresh head', () => {
    const deeper = { ...cls, ...shapes({ 'bert.encoder.layer.2.attention.self.query.weight': [8, 8] }) };
    expect(planInit(mlm, deeper).problems).toEqual(['bert.encoder.layer.2.attention.self.query.weight is missing from the checkpoint']);
    const shallower = planInit({ ...mlm, ...shapes({ 'bert.encoder.layer.2.attention.self.query.weight': [8, 8] }) }, cls);
    expect(shallower.problems).toEqual(['bert.encoder.layer.2.attention.self.query.weight of the checkpoint has no place in the model']);
    const wider = planInit(mlm, { ...cls, ...shapes({ 'bert.embeddings.word_embeddings.weight': [40, 8] }) });
    expect(wider.problems).toEqual(['bert.embeddings.word_embeddings.weight is [32, 8] in the checkpoint but [40, 8] in the model']);
    const lone = planInit(mlm, { ...cls, ...shapes({ 'bert.encoder.layer.0.attention.self.query.bias': [8] }) });
    expect(lone.problems).toEqual(['bert.encoder.layer.0.attention.self.query.bias is missing from the checkpoint']);
  });

  it('another kind of model shares nothing', () => {
    const plan = planInit(shapes({ 'conv1.weight': [16, 3, 3, 3], 'fc.weight': [10, 16] }), cls);
    expect(plan.shared).toEqual([]);
    expect(plan.fresh).toEqual(['bert', 'classifier']);
    expect(plan.dropped).toEqual(['conv1', 'fc']);
  });
});
