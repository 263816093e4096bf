/** The configuration of a training run: defaults, `--config FILE`, flags, and its JSON form. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonValue } from '@skipnet/train';
import { CliError, choiceOption, numberOption } from './args.js';
import { MARKER_KEY } from './run-dir.js';

/** Everything that defines a training run (saved as `config.json`; plain JSON). */
export type RunConfig = {
  model: string;
  dataset: string;
  backend?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  schedule: 'cosine' | 'step' | 'onecycle' | 'constant';
  weightDecay: number;
  seed: number;
  /** Use the first N training samples (quick runs, tests; a generated dataset makes N); 0 = all. */
  trainSize: number;
  /** Evaluate on at most N test samples per epoch; 0 = all. */
  testSize: number;
  labelSmoothing: number;
  clipGrad: number;
  logEvery: number;
  /** Extra options for the model builder (`{"skip": false}`, widths, …). */
  modelOptions: Record<string, JsonValue>;
  /** Start from the weights of this run or checkpoint directory (absolute; see `--init`). */
  init?: string;
};

/** Defaults per dataset task: what trains well on the built-in data in a few epochs. */
export function defaultsFor(task: string): Partial<RunConfig> {
  switch (task) {
    case 'segmentation':
      // Measured: U-Net (base 8, BN) on `shapes` learns to tell the shapes apart after ~25 epochs.
      return { model: 'unet', epochs: 60, batchSize: 16, lr: 5e-3, optimizer: 'adamw', weightDecay: 1e-4, schedule: 'cosine' };
    case 'detection':
      // fcos_small on shapes-det, measured on the 2-core machine (see the README's results table):
      // 4,000 generated scenes for 5 epochs beat 1,000 for 20 at the same cost (AP 0.579 vs 0.459),
      // since the detector overfits 1,000 scenes.
      return {
        model: 'fcos_small',
        trainSize: 4000,
        epochs: 5,
        batchSize: 16,
        lr: 4e-3,
        optimizer: 'adamw',
        weightDecay: 1e-4,
        schedule: 'cosine',
        clipGrad: 10,
      };
    case 'translation':
      // transformer_seq2seq_small on number-words (see the CLI README for the measured run).
      return { model: 'transformer_seq2seq_small', epochs: 8, batchSize: 64, lr: 2e-3, optimizer: 'adamw', weightDecay: 0.01, schedule: 'cosine', clipGrad: 1 };
    case 'masked-lm':
      // bert_mlm (4 layers, 128 wide) on names-mlm, measured on the 2-core machine (see the README's results table).
      return { model: 'bert_mlm', epochs: 2, batchSize: 64, lr: 1e-3, optimizer: 'adamw', weightDecay: 0.01, schedule: 'cosine', clipGrad: 1 };
    case 'language':
      return { model: 'gpt', epochs: 10, batchSize: 64, lr: 3e-3, optimizer: 'adamw', weightDecay: 0.01, schedule: 'cosine', clipGrad: 1 };
    default:
      return { model: 'resnet20', epochs: 3, batchSize: 32, lr: 0.1, optimizer: 'sgd', weightDecay: 5e-4, schedule: 'onecycle' };
  }
}

/**
 * Builder options the CLI uses by default for models whose paper-sized defaults are too big to
 * train on a CPU in minutes (U-Net's 64-channel base: 31M parameters; GPT-2's 124M).
 */
export const MODEL_DEFAULTS: Readonly<Record<string, Record<string, JsonValue>>> = {
  unet: { baseWidth: 8, batchNorm: true },
  gpt: { nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0.1 },
  // A small BERT (BERT-mini's shape: 4 layers, 4 heads, 256 wide is Turc et al.'s; 128 fits a CPU run).
  bert_mlm: { hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 512 },
  bert_cls: { hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 512 },
};

/**
 * Defaults of datasets whose task's defaults do not fit them: `names-scrambled` is
 * classification of token ids, fine-tuning a BERT rather than training a ResNet on images.
 */
const DATASET_DEFAULTS: Readonly<Record<string, Partial<RunConfig>>> = {
  'names-scrambled': { model: 'bert_cls', epochs: 2, batchSize: 64, lr: 5e-4, optimizer: 'adamw', weightDecay: 0.01, schedule: 'cosine', clipGrad: 1 },
};

const BASE: Omit<RunConfig, 'model'> = {
  dataset: 'mnist',
  epochs: 3,
  batchSize: 64,
  lr: 0.05,
  optimizer: 'sgd',
  schedule: 'onecycle',
  weightDecay: 5e-4,
  seed: 0,
  trainSize: 0,
  testSize: 0,
  labelSmoothing: 0,
  clipGrad: 0,
  logEvery: 10,
  modelOptions: {},
};

/** Reads `--config FILE` (JSON with RunConfig keys). */
export function readConfigFile(file: string): Partial<RunConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`--config: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--config: ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`--config: ${file} must hold a JSON object`);
  // A run's own config.json works as --config too: its marker is not a setting.
  const { [MARKER_KEY]: _marker, ...settings } = parsed as Record<string, unknown>;
  const known = new Set([...Object.keys(BASE), 'model', 'backend', 'init']);
  const unknown = Object.keys(settings).filter((k) => !known.has(k));
  if (unknown.length) throw new CliError(`--config: ${file} has unknown keys ${unknown.join(', ')}; valid: ${[...known].join(', ')}`);
  return settings as Partial<RunConfig>;
}

/** A run's `config.json`: its settings plus skipnet's marker (how `--overwrite` recognises a run). */
export function runConfigJson(config: RunConfig): string {
  return JSON.stringify({ [MARKER_KEY]: 'run', ...config }, null, 2) + '\n';
}

/** The settings in a run's `config.json` (without the marker). */
export function parseRunConfigJson(text: string): RunConfig {
  const { [MARKER_KEY]: _marker, ...config } = JSON.parse(text) as RunConfig & { [MARKER_KEY]?: unknown };
  return config;
}

/** The defaults a run on `dataset` gets before any flag: the base settings and its task's. */
export function defaultsForDataset(dataset: string, task: (dataset: string) => string): Omit<RunConfig, 'model'> & { model?: string } {
  return { ...BASE, ...defaultsFor(task(dataset)), ...(DATASET_DEFAULTS[dataset] ?? {}), dataset };
}

/** Merges defaults ← task defaults ← config file ← flags, validating every value. */
export function resolveConfig(values: Record<string, unknown>, task: (dataset: string) => string): RunConfig {
  const file = typeof values.config === 'string' ? readConfigFile(values.config) : {};
  const dataset = (values.dataset as string | undefined) ?? file.dataset ?? BASE.dataset;
  const merged = { ...defaultsForDataset(dataset, task), ...file, dataset } as RunConfig;
  const flags: Record<string, unknown> = { ...merged, ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) };
  const model = (flags.model as string) ?? merged.model;
  let flagOptions: Record<string, JsonValue> = {};
  if (typeof values['model-options'] === 'string') {
    try {
      flagOptions = JSON.parse(values['model-options']) as Record<string, JsonValue>;
    } catch (e) {
      throw new CliError(`--model-options: not valid JSON (${(e as Error).message})`, 2);
    }
    if (!flagOptions || typeof flagOptions !== 'object' || Array.isArray(flagOptions)) throw new CliError('--model-options: must be a JSON object', 2);
  }
  const num = (key: string, flag: string, opts: Parameters<typeof numberOption>[3]) =>
    numberOption({ [flag]: values[flag] !== undefined ? values[flag] : String((merged as unknown as Record<string, unknown>)[key]) }, flag, 0, opts);
  return {
    model,
    dataset,
    ...(flags.backend !== undefined ? { backend: String(flags.backend) } : {}),
    ...(typeof flags.init === 'string' ? { init: resolve(flags.init) } : {}),
    epochs: num('epochs', 'epochs', { min: 1, integer: true, max: 10_000 }),
    batchSize: num('batchSize', 'batch-size', { min: 1, integer: true, max: 65_536 }),
    lr: num('lr', 'lr', { min: 0, exclusiveMin: true, max: 100 }),
    optimizer: choiceOption({ optimizer: values.optimizer ?? merged.optimizer }, 'optimizer', ['sgd', 'adam', 'adamw'] as const, 'sgd'),
    schedule: choiceOption({ schedule: values.schedule ?? merged.schedule }, 'schedule', ['cosine', 'step', 'onecycle', 'constant'] as const, 'cosine'),
    weightDecay: num('weightDecay', 'weight-decay', { min: 0, max: 10 }),
    seed: num('seed', 'seed', { min: 0, integer: true, max: 2 ** 32 - 1 }),
    trainSize: num('trainSize', 'train-size', { min: 0, integer: true }),
    testSize: num('testSize', 'test-size', { min: 0, integer: true }),
    labelSmoothing: num('labelSmoothing', 'label-smoothing', { min: 0, max: 0.99 }),
    clipGrad: num('clipGrad', 'clip-grad', { min: 0 }),
    logEvery: num('logEvery', 'log-every', { min: 1, integer: true }),
    modelOptions: { ...(MODEL_DEFAULTS[model] ?? {}), ...(merged.modelOptions ?? {}), ...flagOptions },
  };
}
