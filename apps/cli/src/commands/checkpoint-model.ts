/** Restores the model of a run or checkpoint directory for `eval` and `predict`. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Module } from '@skipnet/core';
import type { DescribedDataset } from '@skipnet/data';
import { disposeCheckpoint } from '@skipnet/train';
import { loadCheckpoint } from '@skipnet/train/node';
import { CliError } from '../args.js';
import { buildModel } from '../model-factory.js';
import type { RunConfig } from '../run-config.js';
import { loadDataset } from '../setup.js';

/** A restored model with the configuration it was trained with. */
export interface RestoredModel {
  readonly model: Module;
  readonly config: RunConfig;
  readonly dataset: DescribedDataset;
  readonly dir: string;
}

/**
 * Accepts a checkpoint directory (holding state.json) or a run directory (uses
 * checkpoints/best, else checkpoints/last).
 */
export function resolveCheckpointDir(path: string): string {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CliError(`--checkpoint: ${dir} does not exist`);
  if (existsSync(join(dir, 'state.json'))) return dir;
  for (const sub of ['checkpoints/best', 'checkpoints/last']) if (existsSync(join(dir, sub, 'state.json'))) return join(dir, sub);
  throw new CliError(`--checkpoint: ${dir} is neither a checkpoint (no state.json) nor a run directory (no checkpoints/best or checkpoints/last)`);
}

/** Loads the checkpoint, rebuilds its model for the (possibly overridden) dataset and loads the weights strictly. */
export async function restoreModel(path: string, datasetOverride?: string): Promise<RestoredModel> {
  const dir = resolveCheckpointDir(path);
  let ckpt;
  try {
    ckpt = await loadCheckpoint(dir);
  } catch (e) {
    throw new CliError(`--checkpoint: ${(e as Error).message}`);
  }
  try {
    const config = ckpt.state.config as unknown as RunConfig;
    if (typeof config.model !== 'string' || typeof config.dataset !== 'string') {
      throw new CliError(`--checkpoint: ${join(dir, 'state.json')} does not say which model and dataset it was trained on (not a skipnet CLI run?)`);
    }
    const trained = await loadDataset(config.dataset, 'test');
    const dataset = datasetOverride && datasetOverride !== config.dataset ? await loadDataset(datasetOverride, 'test') : trained;
    const model = buildModel(config.model, trained, config.modelOptions ?? {});
    try {
      model.loadStateDict(ckpt.model, { strict: true });
    } catch (e) {
      model.dispose();
      throw new CliError(`--checkpoint: ${join(dir, 'model.safetensors')} does not fit model '${config.model}': ${(e as Error).message}`);
    }
    if (dataset !== trained && (dataset.task !== trained.task || JSON.stringify(dataset.inputShape) !== JSON.stringify(trained.inputShape) || dataset.numClasses !== trained.numClasses)) {
      model.dispose();
      throw new CliError(`--dataset: '${dataset.name}' (${dataset.task}, input ${JSON.stringify(dataset.inputShape)}, ${dataset.numClasses} classes) does not match what '${config.model}' was trained on ('${trained.name}': ${trained.task}, input ${JSON.stringify(trained.inputShape)}, ${trained.numClasses} classes)`);
    }
    model.eval();
    return { model, config, dataset, dir };
  } finally {
    disposeCheckpoint(ckpt);
  }
}
