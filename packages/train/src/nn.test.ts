// The trainer against core's real nn modules: the structural TrainableModel contract must
// accept them, and exact resume must hold with buffers (BatchNorm running statistics).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential, manualSeed } from '@skipnet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { ModelCheckpoint } from './callbacks.js';
import type { StepInfo } from './events.js';
import type { TrainableModel } from './model.js';
import { nodeCheckpointIO } from './node/index.js';
import { Trainer } from './trainer.js';
import { blobLoader, readDict } from './test/helpers.js';

let dir: string;
beforeAll(async () => {
  await useBackend('cpu', createCpuBackend);
  dir = await mkdtemp(join(tmpdir(), 'skipnet-nn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function build(initSeed: number, extra: { resume?: boolean; checkpoint?: boolean } = {}) {
  manualSeed(initSeed);
  const model: TrainableModel & Sequential = new Sequential(new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Dropout(0.1), new Linear(16, 3));
  const steps: StepInfo[] = [];
  const trainer = new Trainer({
    model,
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
    schedule: { name: 'multiStepLR', lr: 0.05, milestones: [6, 10], gamma: 0.5 },
    seed: 3,
    checkpointIO: nodeCheckpointIO,
    callbacks: [
      { name: 'steps', onStepEnd: (_t, i) => void steps.push(i) },
      ...(extra.checkpoint ? [new ModelCheckpoint({ dir: join(dir, 'nn'), io: nodeCheckpointIO })] : []),
    ],
  });
  return { model, trainer, steps };
}

describe('with core nn modules', () => {
  it('trains a Sequential with BatchNorm and Dropout and resumes it bit for bit', async () => {
    const full = build(1);
    await full.trainer.fit({ train: blobLoader(), epochs: 2 });
    const part = build(1, { checkpoint: true });
    await part.trainer.fit({ train: blobLoader(), epochs: 2, maxSteps: 5 });
    const rest = build(2);
    await rest.trainer.fit({ train: blobLoader(), epochs: 2, resumeFrom: join(dir, 'nn', 'last') });
    expect([...part.steps, ...rest.steps].map((s) => s.loss)).toEqual(full.steps.map((s) => s.loss));
    const weights = await readDict(full.model.stateDict());
    expect(Object.keys(weights)).toContain('1.running_mean');
    expect(await readDict(rest.model.stateDict())).toEqual(weights);
    for (const r of [full, part, rest]) {
      r.trainer.optimizer.dispose();
      r.model.dispose();
    }
  });
});
