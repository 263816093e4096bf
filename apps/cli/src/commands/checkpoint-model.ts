/** Restores the model of a run or checkpoint directory for `eval` and `predict`. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DescribedDataset } from '@skipnet/data';
import type { Model } from '@skipnet/models';
import { disposeCheckpoint } from '@skipnet/train';
import { loadCheckpoint } from '@skipnet/train/node';
import { CliError } from '../args.js';
import { buildModel } from '../model-factory.js';
import type { RunConfig } from '../run-config.js';
import { loadDataset } from '../setup.js';

/** A restored model with the configuration it was trained with. */
export interface RestoredModel {
  readonly model: Model;
  readonly config: RunConfig;
  readonly dataset: DescribedDataset;
  readonly dir: string;
}

/**
 * Accepts a checkpoint directory (holding state.json) or a run directory (uses
 * checkpoints/best, else checkpoints/last). `flag` names the option in errors.
 */
export function resolveCheckpointDir(path: string, flag = '--checkpoint'): string {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CliError(`${flag}: ${dir} does not exist`);
  if (existsSync(join(dir, 'state.json'))) return dir;
  for (const sub of ['checkpoints/best', 'checkpoints/last']) if (existsSync(join(dir, sub, 'state.json'))) return join(dir, sub);
  throw new CliError(`${flag}: ${dir} is neither a checkpoint (no state.json) nor a run directory (no checkpoints/best or checkpoints/last)`);
}

/** "a resnet32 trained on mnist (batch 32, seed 0, first 500 samples)" — how a user names a run. */
export function describeTraining(config: Partial<RunConfig>): string {
  const model = String(config.model ?? 'model of unknown kind');
  const extras = [
    config.batchSize !== undefined ? `batch ${config.batchSize}` : '',
    config.seed !== undefined ? `seed ${config.seed}` : '',
    config.trainSize ? `first ${config.trainSize} samples` : '',
    config.modelOptions && Object.keys(config.modelOptions).length ? `options ${JSON.stringify(config.modelOptions)}` : '',
  ].filter(Boolean);
  return `${/^[aeiou]/i.test(model) ? 'an' : 'a'} ${model} trained on ${String(config.dataset ?? 'an unknown dataset')}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/**
 * The run settings saved in a checkpoint's `state.json`, read without loading any tensor, so a
 * command can check that a checkpoint fits before it starts.
 */
export function readCheckpointConfig(checkpointDir: string, flag: string): Partial<RunConfig> {
  const file = join(checkpointDir, 'state.json');
  if (!existsSync(file)) throw new CliError(`${flag}: ${dirname(checkpointDir)} holds no checkpoint (expected ${file})`);
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${flag}: ${file} is not valid JSON (${(e as Error).message}); the checkpoint is damaged`);
  }
  const config = (state as { config?: unknown } | null)?.config;
  if (!config || typeof config !== 'object' || typeof (config as RunConfig).model !== 'string' || typeof (config as RunConfig).dataset !== 'string') {
    throw new CliError(`${flag}: ${file} does not say which model and dataset it was trained on (not a skipnet CLI run?)`);
  }
  return config as Partial<RunConfig>;
}

/** "412 of 418 tensors do not fit (e.g. layer4.0.conv1.weight, …)" — a mismatch in one line, not a key dump. */
function stateDictMismatch(file: Record<string, { shape: readonly number[] }>, own: Record<string, { shape: readonly number[] }>): string {
  const missing = Object.keys(own).filter((k) => !(k in file));
  const unexpected = Object.keys(file).filter((k) => !(k in own));
  const reshaped = Object.keys(own).filter((k) => k in file && file[k]!.shape.join('x') !== own[k]!.shape.join('x'));
  const part = (n: number, what: string, keys: string[]) => (n ? `${n} ${what} (e.g. ${keys.slice(0, 2).join(', ')})` : '');
  return [part(missing.length, 'missing', missing), part(unexpected.length, 'unexpected', unexpected), part(reshaped.length, 'of another shape', reshaped)]
    .filter(Boolean)
    .join('; ');
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
    const mismatch = stateDictMismatch(ckpt.model, model.stateDict());
    if (mismatch) {
      model.dispose();
      throw new CliError(
        `--checkpoint: ${join(dir, 'model.safetensors')} does not hold the weights of ${describeTraining(config)}, as its state.json says: ${mismatch} tensors. The checkpoint is damaged or was assembled from two runs.`,
      );
    }
    model.loadStateDict(ckpt.model, { strict: true });
    if (
      dataset !== trained &&
      (dataset.task !== trained.task || JSON.stringify(dataset.inputShape) !== JSON.stringify(trained.inputShape) || dataset.numClasses !== trained.numClasses)
    ) {
      model.dispose();
      throw new CliError(
        `--dataset: '${dataset.name}' (${dataset.task}, input ${JSON.stringify(dataset.inputShape)}, ${dataset.numClasses} classes) does not match what '${config.model}' was trained on ('${trained.name}': ${trained.task}, input ${JSON.stringify(trained.inputShape)}, ${trained.numClasses} classes)`,
      );
    }
    model.eval();
    return { model, config, dataset, dir };
  } finally {
    disposeCheckpoint(ckpt);
  }
}
