import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, cosineWithWarmup, memory, tensor } from '@skipnet/core';
import { DataLoader } from '@skipnet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { GradientFlowProbe, ModelCheckpoint } from './callbacks.js';
import type { Callback, StepInfo } from './events.js';
import { nodeCheckpointIO } from './node/index.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import { TinyLm, TinyMlp, TinySeg, blobLoader, blobs, brightMasks, cyclicTokens, readDict } from './test/helpers.js';

let dir: string;
beforeAll(async () => {
  await useBackend('cpu', createCpuBackend);
  dir = await mkdtemp(join(tmpdir(), 'skipnet-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records every StepInfo. */
function recorder(): Callback & { steps: StepInfo[] } {
  const steps: StepInfo[] = [];
  return { name: 'recorder', steps, onStepEnd: (_t, info) => void steps.push(info) };
}

/** The full-featured configuration the resume and determinism tests share. */
function setup(modelSeed: number, extra: Partial<TrainerOptions> = {}) {
  const model = new TinyMlp(4, 8, 3, { seed: modelSeed, dropout: 0.2 });
  const optimizer = new AdamW(model.namedParameters(), { lr: 0.05, weightDecay: 0.01 });
  const rec = recorder();
  const trainer = new Trainer({
    model,
    optimizer,
    schedule: cosineWithWarmup({ lr: 0.05, warmupSteps: 3, totalSteps: 18 }),
    clipGradNorm: 1,
    loss: { labelSmoothing: 0.1 },
    metrics: ['accuracy', 'top5Accuracy'],
    seed: 42,
    logEvery: 4,
    ...extra,
    callbacks: [rec, ...(extra.callbacks ?? [])],
  });
  return { model, optimizer, trainer, rec };
}

describe('Trainer', () => {
  it('learns, and a training step does not grow memory() over 30 steps', async () => {
    const { model, optimizer, trainer, rec } = setup(1, { callbacks: [new GradientFlowProbe({ every: 2 })] });
    const counts: { tensors: number; bytes: number }[] = [];
    const mem: Callback = { name: 'mem', onStepEnd: () => void counts.push({ tensors: memory().tensors, bytes: memory().bytes }) };
    (trainer.callbacks as Callback[]).push(mem);
    const before = memory().tensors;
    const result = await trainer.fit({ train: blobLoader(), val: blobLoader(3), epochs: 5 });
    expect(rec.steps).toHaveLength(30);
    expect(counts).toHaveLength(30);
    // Step 1 creates AdamW's moment buffers (2 per parameter); after that nothing changes.
    expect(counts[0]!.tensors).toBe(before + 8);
    for (const c of counts) expect(c).toEqual(counts[0]);
    expect(memory().tensors).toBe(before + 8);
    const [first, last] = [result.history[0]!, result.history[4]!];
    expect(last.train.loss).toBeLessThan(first.train.loss);
    expect(last.val!.metrics.accuracy).toBeGreaterThan(0.8);
    expect(Object.keys(last.logs)).toEqual(['loss', 'accuracy', 'top5Accuracy', 'val_loss', 'val_accuracy', 'val_top5Accuracy']);
    optimizer.dispose();
    model.dispose();
  });

  it('is deterministic with a seed: same seed, same losses; another seed, other dropout masks', async () => {
    const losses = async (seed: number) => {
      const { model, optimizer, trainer, rec } = setup(1, { seed });
      await trainer.fit({ train: blobLoader(), epochs: 2 });
      optimizer.dispose();
      model.dispose();
      return rec.steps.map((s) => s.loss);
    };
    const a = await losses(42);
    expect(await losses(42)).toEqual(a);
    expect(await losses(43)).not.toEqual(a);
  });

  it('resumes from a checkpoint exactly: per-step losses, epoch logs and final weights are bitwise identical', async () => {
    const val = () => blobLoader(3, blobs(32, 4, 99));
    // Uninterrupted: 3 epochs × 6 batches.
    const full = setup(1);
    const fullResult = await full.trainer.fit({ train: blobLoader(), val: val(), epochs: 3 });
    const fullWeights = await readDict(full.model.stateDict());
    expect(full.rec.steps).toHaveLength(18);

    // Interrupted after 8 steps (epoch 1, batch 2), checkpointed when fit ends.
    const root = join(dir, 'resume');
    const first = setup(1, { callbacks: [new ModelCheckpoint({ dir: root, io: nodeCheckpointIO })] });
    const partial = await first.trainer.fit({ train: blobLoader(), val: val(), epochs: 3, maxSteps: 8 });
    expect(partial.stopReason).toMatch(/maxSteps \(8\)/);
    expect(first.trainer.state).toMatchObject({ epoch: 1, batch: 2, globalStep: 8 });

    // A fresh process: other initial weights, new optimizer and trainer, resume from disk.
    const second = setup(777, { checkpointIO: nodeCheckpointIO });
    const resumed = await second.trainer.fit({ train: blobLoader(), val: val(), epochs: 3, resumeFrom: join(root, 'last') });
    expect(second.trainer.state.resumed).toBe(true);
    expect(second.rec.steps.map((s) => s.step)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);

    const stitched = [...first.rec.steps, ...second.rec.steps];
    expect(stitched.map((s) => s.loss)).toEqual(full.rec.steps.map((s) => s.loss));
    expect(stitched.map((s) => s.lr)).toEqual(full.rec.steps.map((s) => s.lr));
    expect(stitched.map((s) => s.gradNorm)).toEqual(full.rec.steps.map((s) => s.gradNorm));
    expect(await readDict(second.model.stateDict())).toEqual(fullWeights);
    // The epoch that was cut in half reports the same running sums as the uninterrupted one.
    expect(resumed.history.map((h) => h.logs)).toEqual(fullResult.history.slice(1).map((h) => h.logs));
    for (const r of [full, first, second]) {
      r.optimizer.dispose();
      r.model.dispose();
    }
  });

  it('evaluate and predict run in eval mode without gradients and leak nothing', async () => {
    const model = new TinyMlp(4, 8, 3, { dropout: 0.5 });
    const trainer = new Trainer({ model, optimizer: { kind: 'sgd', lr: 0.1 } });
    const before = memory().tensors;
    const loader = new DataLoader(blobs(40), { batchSize: 16 });
    const a = await trainer.evaluate(loader);
    const b = await trainer.evaluate(loader, { metrics: ['accuracy', 'crossEntropy'] });
    expect(model.training).toBe(false);
    expect(a.samples).toBe(40);
    expect(b.loss).toBeCloseTo(a.loss, 6); // dropout is off in eval mode
    expect(b.metrics.crossEntropy).toBeCloseTo(a.loss, 5);
    const all = await trainer.predict(loader);
    expect(all.shape).toEqual([40, 3]);
    const x = tensor(new Float32Array(8), [2, 4]);
    const one = await trainer.predict(x);
    expect(one.shape).toEqual([2, 3]);
    for (const t of [all, x, one]) t.dispose();
    expect(memory().tensors).toBe(before);
    model.dispose();
  });

  it('trains segmentation and language models with their default metrics', async () => {
    const seg = new TinySeg(2);
    const segTrainer = new Trainer({ model: seg, task: 'segmentation', optimizer: { kind: 'adam', lr: 0.1 }, logEvery: 1000 });
    const segLoader = new DataLoader(brightMasks(), { batchSize: 8 });
    const s = await segTrainer.fit({ train: segLoader, val: segLoader, epochs: 4 });
    expect(s.history[3]!.train.loss).toBeLessThan(s.history[0]!.train.loss);
    expect(s.history[3]!.logs.val_pixelAccuracy).toBeGreaterThan(0.9);
    expect(s.history[3]!.logs.val_meanIoU).toBeGreaterThan(0.8);

    const lm = new TinyLm(5, 8);
    const lmTrainer = new Trainer({ model: lm, task: 'language', optimizer: { kind: 'adamw', lr: 0.1 }, logEvery: 1000 });
    const lmLoader = new DataLoader(cyclicTokens(), { batchSize: 8, shuffle: true, seed: 1 });
    const l = await lmTrainer.fit({ train: lmLoader, val: lmLoader, epochs: 4 });
    expect(l.history[3]!.logs.val_perplexity).toBeLessThan(l.history[0]!.logs.val_perplexity!);
    expect(l.history[3]!.logs.val_perplexity).toBeCloseTo(Math.exp(l.history[3]!.logs.val_loss!), 4);
    segTrainer.optimizer.dispose();
    lmTrainer.optimizer.dispose();
    seg.dispose();
    lm.dispose();
  });

  it('validates its options', () => {
    const model = new TinyMlp(4, 8, 3);
    expect(() => new Trainer({ model, optimizer: { kind: 'sgd', lr: 0.1 }, logEvery: 0 })).toThrow(/logEvery must be a positive integer/);
    expect(() => new Trainer({ model, optimizer: { kind: 'sgd', lr: 0.1 }, clipGradNorm: -1 })).toThrow(/clipGradNorm must be > 0/);
    const cb: Callback = { name: 'x' };
    expect(() => new Trainer({ model, optimizer: { kind: 'sgd', lr: 0.1 }, callbacks: [cb, cb] })).toThrow(/two callbacks are named 'x'/);
    model.dispose();
  });
});
