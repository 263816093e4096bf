import { mkdtemp, readFile, readdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, parseSafetensors } from '@skipnet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { useBackend } from '@skipnet/core/testing';
import { ModelCheckpoint } from '../callbacks.js';
import { CHECKPOINT_FORMAT, disposeCheckpoint, parseTrainingState } from '../checkpoint.js';
import { Trainer } from '../trainer.js';
import { TinyMlp, blobLoader } from '../test/helpers.js';
import { MetricsJsonlWriter, loadCheckpoint, nodeCheckpointIO, saveCheckpoint } from './index.js';

let dir: string;
beforeAll(async () => {
  await useBackend('cpu', createCpuBackend);
  dir = await mkdtemp(join(tmpdir(), 'skipnet-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A trainer after 4 steps of a 6-batch epoch, saved to `path`. */
async function trained(path: string) {
  const model = new TinyMlp(4, 8, 3);
  const trainer = new Trainer({ model, optimizer: { kind: 'adamw', lr: 0.01, weightDecay: 0.1 }, seed: 5, config: { run: 'test' } });
  await trainer.fit({ train: blobLoader(), epochs: 1, maxSteps: 4 });
  await saveCheckpoint(path, trainer);
  return { model, trainer };
}

describe('checkpoint directories', () => {
  it('writes model.safetensors, optimizer.safetensors and state.json with the full state', async () => {
    const path = join(dir, 'a');
    const before = memory().tensors;
    const { model, trainer } = await trained(path);
    expect((await readdir(path)).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const weights = parseSafetensors(await readFile(join(path, 'model.safetensors')));
    expect([...weights.tensors.keys()].sort()).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
    expect(weights.metadata).toEqual({ format: 'pt' });
    const buffers = parseSafetensors(await readFile(join(path, 'optimizer.safetensors')));
    expect([...buffers.tensors.keys()]).toContain('fc1.weight.exp_avg_sq');
    const state = parseTrainingState(await readFile(join(path, 'state.json'), 'utf8'), 'state.json');
    expect(state).toMatchObject({
      format: CHECKPOINT_FORMAT,
      version: 1,
      epoch: 0,
      batch: 4,
      globalStep: 4,
      optimizer: { config: { kind: 'adamw', lr: 0.01, weightDecay: 0.1 }, step: 4 },
      schedule: null,
      best: null,
      loader: { seed: 7, batchSize: 16, shuffle: true, dropLast: false, numBatches: 6 },
      config: { run: 'test', trainer: { task: 'classification', seed: 5, loss: { kind: 'crossEntropy', labelSmoothing: 0, ignoreIndex: -100 } } },
    });
    expect(state.rng.seed).toBe(5);
    expect(state.progress.epochSamples).toBe(64);
    expect(state.progress.metrics.accuracy).toMatchObject({ total: 64 });

    // Saving again replaces the directory without leaving temporaries behind.
    await saveCheckpoint(path, trainer);
    expect((await readdir(dir)).filter((n) => n.startsWith('a'))).toEqual(['a']);
    const loaded = await loadCheckpoint(path);
    expect(loaded.sources!.model).toBe(join(path, 'model.safetensors'));
    disposeCheckpoint(loaded);
    trainer.optimizer.dispose();
    model.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('loading a missing or corrupt checkpoint names the file and the problem', async () => {
    const path = join(dir, 'b');
    const { model, trainer } = await trained(path);
    const before = memory().tensors;
    await expect(loadCheckpoint(join(dir, 'nope'))).rejects.toThrow(`${join(dir, 'nope')}: checkpoint directory not found`);

    const state = await readFile(join(path, 'state.json'), 'utf8');
    await writeFile(join(path, 'state.json'), state.slice(0, 40));
    await expect(loadCheckpoint(path)).rejects.toThrow(new RegExp(`^${join(path, 'state.json')}: not valid JSON`));
    await writeFile(join(path, 'state.json'), state.replace('"globalStep": 4', '"globalStep": "4"'));
    await expect(loadCheckpoint(path)).rejects.toThrow(`${join(path, 'state.json')}: field 'globalStep' must be a non-negative integer, got "4"`);
    await writeFile(join(path, 'state.json'), state.replace('"version": 1', '"version": 9'));
    await expect(loadCheckpoint(path)).rejects.toThrow(/state\.json: field 'version' must be 1 \(written by another version of @skipnet\/train\), got 9/);
    await writeFile(join(path, 'state.json'), state);

    const optimizerBytes = await readFile(join(path, 'optimizer.safetensors'));
    await truncate(join(path, 'optimizer.safetensors'), 100);
    await expect(loadCheckpoint(path)).rejects.toThrow(join(path, 'optimizer.safetensors'));
    await unlink(join(path, 'optimizer.safetensors'));
    await expect(loadCheckpoint(path)).rejects.toThrow(
      `${join(path, 'optimizer.safetensors')}: file not found (a checkpoint directory holds model.safetensors, optimizer.safetensors, state.json)`,
    );
    await writeFile(join(path, 'optimizer.safetensors'), optimizerBytes);
    expect(memory().tensors).toBe(before); // failed loads free what they had read

    // A state dict that does not fit the model, and an optimizer of another kind.
    const wide = new TinyMlp(4, 16, 3);
    const wideTrainer = new Trainer({ model: wide, optimizer: { kind: 'adamw', lr: 0.01 }, checkpointIO: nodeCheckpointIO });
    await expect(wideTrainer.fit({ train: blobLoader(), epochs: 1, resumeFrom: path })).rejects.toThrow(
      `${join(path, 'model.safetensors')}: the state dict does not match the model:\n  shape mismatches (3):\n    fc1.weight: checkpoint [8,4], model [16,4]\n    fc1.bias: checkpoint [8], model [16]\n    fc2.weight: checkpoint [3,8], model [3,16]`,
    );
    const sgd = new Trainer({ model, optimizer: { kind: 'sgd', lr: 0.01 }, checkpointIO: nodeCheckpointIO });
    await expect(sgd.fit({ train: blobLoader(), epochs: 1, resumeFrom: path })).rejects.toThrow(
      `${join(path, 'state.json')}: the checkpoint's optimizer is 'adamw' but the trainer's is 'sgd'`,
    );
    const other = new Trainer({ model, optimizer: { kind: 'adamw', lr: 0.01 }, checkpointIO: nodeCheckpointIO });
    await expect(other.fit({ train: blobLoader(8), epochs: 1, resumeFrom: path })).rejects.toThrow(
      /state\.json: the training loader does not match the checkpoint's: seed 8 \(checkpoint: 7\)/,
    );
    const noIo = new Trainer({ model, optimizer: { kind: 'adamw', lr: 0.01 } });
    await expect(noIo.fit({ train: blobLoader(), epochs: 1, resumeFrom: path })).rejects.toThrow(/has no checkpointIO/);
    expect(memory().tensors).toBe(before + 4); // only the wide model's parameters were added
    for (const t of [trainer, wideTrainer, sgd, other, noIo]) t.optimizer.dispose();
    model.dispose();
    wide.dispose();
  });

  it('metrics.jsonl: one line per logged step and epoch; a resumed run drops lines past its checkpoint', async () => {
    const run = async (root: string, opts: { maxSteps?: number; resume?: boolean }) => {
      const model = new TinyMlp(4, 8, 3);
      const trainer = new Trainer({
        model,
        optimizer: { kind: 'sgd', lr: 0.1 },
        logEvery: 2,
        seed: 1,
        checkpointIO: nodeCheckpointIO,
        callbacks: [new ModelCheckpoint({ dir: root, io: nodeCheckpointIO }), new MetricsJsonlWriter(join(root, 'metrics.jsonl'))],
      });
      await trainer.fit({
        train: blobLoader(),
        val: blobLoader(5),
        epochs: 2,
        ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
        ...(opts.resume ? { resumeFrom: join(root, 'last') } : {}),
      });
      model.dispose();
      const text = await readFile(join(root, 'metrics.jsonl'), 'utf8');
      return text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const full = await run(join(dir, 'j1'), {});
    expect(full.map((l) => [l.kind, l.split, l.step])).toEqual([
      ['step', 'train', 2],
      ['step', 'train', 4],
      ['step', 'train', 6],
      ['epoch', 'train', 6],
      ['epoch', 'val', 6],
      ['step', 'train', 8],
      ['step', 'train', 10],
      ['step', 'train', 12],
      ['epoch', 'train', 12],
      ['epoch', 'val', 12],
    ]);
    expect(Object.keys(full[0]!)).toEqual(['epoch', 'step', 'split', 'kind', 'loss', 'metrics', 'lr', 'imagesPerSec', 'time']);
    const root = join(dir, 'j2');
    await run(root, { maxSteps: 9 });
    // Simulate a crash after the checkpoint at step 9: a stray line from step 10.
    await writeFile(join(root, 'metrics.jsonl'), `${await readFile(join(root, 'metrics.jsonl'), 'utf8')}{"kind":"step","split":"train","step":10}\n`);
    const resumed = await run(root, { resume: true });
    const strip = (ls: Record<string, unknown>[]) => ls.map(({ time: _t, imagesPerSec: _i, ...rest }) => rest);
    expect(strip(resumed)).toEqual(strip(full));
  });
});
