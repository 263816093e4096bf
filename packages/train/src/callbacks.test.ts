import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SGD, memory, stepLR } from '@skipnet/core';
import { DataLoader, datasetFromArrays } from '@skipnet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { EarlyStopping, GradientFlowProbe, ModelCheckpoint, NanGuard, NonFiniteError, ProgressLogger, formatProgress } from './callbacks.js';
import type { LogRecord, StepInfo } from './events.js';
import { loadCheckpoint, nodeCheckpointIO } from './node/index.js';
import { disposeCheckpoint } from './checkpoint.js';
import { Trainer } from './trainer.js';
import { TinyMlp, blobLoader, blobs, readDict } from './test/helpers.js';

let dir: string;
beforeAll(async () => {
  await useBackend('cpu', createCpuBackend);
  dir = await mkdtemp(join(tmpdir(), 'skipnet-callbacks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('callbacks', () => {
  it('progress: step records every logEvery steps and epoch records, with lr, throughput and eta', async () => {
    const records: LogRecord[] = [];
    const model = new TinyMlp(4, 8, 3);
    const schedule = stepLR({ lr: 0.1, stepSize: 5, gamma: 0.5 });
    const trainer = new Trainer({ model, optimizer: { kind: 'sgd', lr: 0.1 }, schedule, logEvery: 3, callbacks: [new ProgressLogger((r) => records.push(r))] });
    await trainer.fit({ train: blobLoader(), val: blobLoader(5), epochs: 2 });
    const steps = records.filter((r) => r.kind === 'step');
    expect(steps.map((r) => r.step)).toEqual([3, 6, 9, 12]);
    expect(steps.map((r) => r.lr)).toEqual([2, 5, 8, 11].map((s) => schedule.at(s)));
    for (const r of steps) {
      expect(Object.keys(r).sort()).toEqual(['epoch', 'epochs', 'eta', 'imagesPerSec', 'kind', 'loss', 'lr', 'metrics', 'split', 'step', 'totalSteps'].sort());
      expect(r.loss).toBeGreaterThan(0);
      expect(r.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.imagesPerSec).toBeGreaterThan(0);
      expect(r.eta).not.toBeNull();
    }
    expect(steps[3]!.eta).toBe(0);
    const epochs = records.filter((r) => r.kind === 'epoch');
    expect(epochs.map((r) => [r.epoch, r.split])).toEqual([
      [0, 'train'],
      [0, 'val'],
      [1, 'train'],
      [1, 'val'],
    ]);
    expect(formatProgress(steps[0]!)).toMatch(/^epoch 1\/2 step 3\/12 \| loss \d\.\d{4} \| accuracy .* \| lr 0\.1000 \| .* img\/s \| eta \d+s$/);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('early stopping stops when the monitored metric stalls', async () => {
    const model = new TinyMlp(4, 8, 3);
    const stopper = new EarlyStopping({ patience: 2 });
    const trainer = new Trainer({ model, optimizer: { kind: 'sgd', lr: 0 }, callbacks: [stopper] }); // lr 0: val_loss never improves
    const result = await trainer.fit({ train: blobLoader(), val: blobLoader(5), epochs: 10 });
    expect(result.epochs).toBe(3);
    expect(result.stopReason).toMatch(/^EarlyStopping: val_loss has not improved for 2 epoch\(s\) \(best .* at epoch 1\)$/);
    expect(stopper.stateDict()).toMatchObject({ bestEpoch: 0, wait: 2 });
    model.dispose();
  });

  it('NaN guard stops at the bad step, names it and keeps the last good checkpoint', async () => {
    // Sample 50 (batch 3 of an unshuffled loader of 16) is NaN.
    const clean = blobs();
    const poisoned = datasetFromArrays({
      x: Float32Array.from({ length: clean.length * 4 }, (_, i) => (Math.floor(i / 4) === 50 ? NaN : clean.get(Math.floor(i / 4)).x[i % 4]!)),
      xShape: [clean.length, 4],
      y: Int32Array.from({ length: clean.length }, (_, i) => clean.get(i).y[0]!),
      yShape: [clean.length],
    });
    const root = join(dir, 'nan');
    const model = new TinyMlp(4, 8, 3);
    const optimizer = new SGD(model.namedParameters(), { lr: 0.1 });
    const ckpt = new ModelCheckpoint({ dir: root, io: nodeCheckpointIO, everySteps: 1 });
    const trainer = new Trainer({ model, optimizer, callbacks: [ckpt, new NanGuard()] });
    const run = trainer.fit({ train: new DataLoader(poisoned, { batchSize: 16 }), epochs: 2 });
    await expect(run).rejects.toThrow(NonFiniteError);
    await expect(run).rejects.toThrow(
      `NanGuard: the loss is NaN at step 4 (epoch 1, batch 3); training stopped. The last good checkpoint, ${root}/last (step 3), was kept.`,
    );
    expect(trainer.state.finite).toBe(false);
    expect(() => trainer.checkpoint()).toThrow(/refusing to checkpoint after a non-finite step/);
    const saved = await loadCheckpoint(join(root, 'last'));
    expect(saved.state.globalStep).toBe(3);
    for (const values of Object.values(await readDict(saved.model))) expect(values.every(Number.isFinite)).toBe(true);
    disposeCheckpoint(saved);

    // action 'stop': fit resolves, reporting the reason.
    const model2 = new TinyMlp(4, 8, 3);
    const trainer2 = new Trainer({ model: model2, optimizer: { kind: 'sgd', lr: 0.1 }, callbacks: [new NanGuard({ action: 'stop' })] });
    const result = await trainer2.fit({ train: new DataLoader(poisoned, { batchSize: 16 }), epochs: 2 });
    expect(result.stopReason).toMatch(/the loss is NaN at step 4 .* No checkpoint had been saved\./);
    expect(result.globalStep).toBe(4);
    model.dispose();
    model2.dispose();
  });

  it('gradient-flow probe records every parameter norm on logged steps, consistent with the global norm', async () => {
    const model = new TinyMlp(4, 8, 3);
    const probe = new GradientFlowProbe();
    const infos: StepInfo[] = [];
    const trainer = new Trainer({
      model,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
      logEvery: 2,
      callbacks: [probe, { name: 'infos', onStepEnd: (_t, i) => void infos.push(i) }],
    });
    await trainer.fit({ train: blobLoader(), epochs: 1 });
    expect(probe.records.map((r) => r.step)).toEqual([2, 4, 6]);
    expect(infos.filter((i) => i.paramGradNorms === null).map((i) => i.step)).toEqual([1, 3, 5]);
    for (const r of probe.records) {
      expect(Object.keys(r.norms)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
      const global = Math.hypot(...Object.values(r.norms));
      expect(global).toBeCloseTo(infos[r.step - 1]!.gradNorm, 5);
      for (const v of Object.values(r.norms)) expect(v).toBeGreaterThan(0);
    }
    const m = probe.matrix();
    expect(m.steps).toEqual([2, 4, 6]);
    expect(m.names).toHaveLength(4);
    expect(m.values[0]).toHaveLength(3);
    model.dispose();
  });

  it('checkpoint keeps last and best by the monitored metric', async () => {
    const root = join(dir, 'best');
    const model = new TinyMlp(4, 8, 3);
    const trainer = new Trainer({
      model,
      optimizer: { kind: 'adam', lr: 0.05 },
      callbacks: [new ModelCheckpoint({ dir: root, io: nodeCheckpointIO, monitor: 'val_accuracy' })],
    });
    const before = memory().tensors;
    const result = await trainer.fit({ train: blobLoader(), val: blobLoader(5), epochs: 3 });
    const best = await loadCheckpoint(join(root, 'best'));
    const last = await loadCheckpoint(join(root, 'last'));
    const accs = result.history.map((h) => h.logs.val_accuracy!);
    const bestEpoch = accs.indexOf(Math.max(...accs));
    expect(trainer.state.best).toMatchObject({ monitor: 'val_accuracy', mode: 'max', value: accs[bestEpoch], epoch: bestEpoch });
    expect(best.state.best).toEqual(trainer.state.best);
    expect(best.state.epoch).toBe(bestEpoch + 1);
    expect(last.state).toMatchObject({ epoch: 3, batch: 0, globalStep: 18 });
    expect(trainer.state.lastCheckpoint).toEqual({ dir: `${root}/last`, step: 18 });
    disposeCheckpoint(best);
    disposeCheckpoint(last);
    // Checkpoint snapshots are freed after saving: only Adam's buffers were added.
    expect(memory().tensors).toBe(before + 8);
    trainer.optimizer.dispose();
    model.dispose();
  });
});
