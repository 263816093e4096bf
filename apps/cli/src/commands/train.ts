/** `skipnet train`: train a model on a dataset into a run directory. */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manualSeed, type Module, type ScheduleConfig } from '@skipnet/core';
import { DataLoader, subset, type DescribedDataset } from '@skipnet/data';
import {
  GradientFlowProbe, ModelCheckpoint, NanGuard, Trainer, type Callback, type EvalResult, type LogRecord, type StepInfo, type Task,
} from '@skipnet/train';
import { MetricsJsonlWriter, nodeCheckpointIO } from '@skipnet/train/node';
import { CliError, numberOption, type Command } from '../args.js';
import { buildModel } from '../model-factory.js';
import { Progress } from '../progress.js';
import { renderReport, type GradFlowRecord, type ReportRecord, type ReportRun } from '../report.js';
import { resolveConfig, type RunConfig } from '../run-config.js';
import { loadDataset, useBackend } from '../setup.js';
import { sampleNames } from '../sample.js';

/** Options shared by `train` and `compare`. */
export const TRAIN_OPTIONS = {
  dataset: { type: 'string', help: 'built-in dataset (skipnet list datasets)', value: 'NAME', default: 'mnist' },
  backend: { type: 'string', help: 'backend (skipnet list backends); default: the fastest available', value: 'NAME' },
  epochs: { type: 'string', help: 'epochs to train', value: 'N', default: '3 (mnist)' },
  'batch-size': { type: 'string', help: 'samples per step', value: 'N', default: '64' },
  lr: { type: 'string', help: 'peak learning rate', value: 'X' },
  optimizer: { type: 'string', help: 'sgd | adam | adamw', value: 'NAME' },
  schedule: { type: 'string', help: 'cosine | step | onecycle | constant', value: 'NAME' },
  'weight-decay': { type: 'string', help: 'weight decay', value: 'X' },
  seed: { type: 'string', help: 'seed for weights, data order and augmentation', value: 'N', default: '0' },
  'train-size': { type: 'string', help: 'use only the first N training samples (0 = all)', value: 'N' },
  'test-size': { type: 'string', help: 'evaluate on at most N test samples (0 = all)', value: 'N' },
  'label-smoothing': { type: 'string', help: 'label smoothing', value: 'X' },
  'clip-grad': { type: 'string', help: 'clip the global gradient norm (0 = off)', value: 'X' },
  'log-every': { type: 'string', help: 'log a metrics line every N steps', value: 'N', default: '10' },
  'model-options': { type: 'string', help: 'JSON options for the model builder, e.g. \'{"baseWidth":32}\' or \'{"skip":false}\'', value: 'JSON' },
  config: { type: 'string', help: 'JSON file with any of these settings (flags override it)', value: 'FILE' },
} as const;

/** Everything a finished run reports. */
export interface RunOutcome {
  readonly config: RunConfig;
  readonly dir: string;
  readonly test: EvalResult;
  readonly records: ReportRecord[];
  readonly gradFlow: GradFlowRecord[];
  readonly params: number;
  readonly interrupted: boolean;
}

function taskOfDataset(name: string): string {
  return name === 'shapes' || name === 'mnist-seg' ? 'segmentation' : name === 'names' ? 'language' : 'classification';
}

function prepareOutDir(dir: string, config: RunConfig, overwrite: boolean, resuming: boolean): void {
  const cfgFile = join(dir, 'config.json');
  if (resuming) {
    if (!existsSync(join(dir, 'checkpoints', 'last', 'state.json'))) {
      throw new CliError(`--resume: ${dir} holds no checkpoint (expected ${join(dir, 'checkpoints', 'last', 'state.json')})`);
    }
    return;
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    let same = false;
    try {
      const saved = JSON.parse(readFileSync(cfgFile, 'utf8')) as RunConfig;
      same = JSON.stringify(saved) === JSON.stringify(config);
    } catch {
      same = false;
    }
    if (!overwrite) {
      throw new CliError(
        `output directory ${dir} already holds ${same ? 'a run with this configuration' : 'a different run'}; ` +
          `use --resume ${dir} to continue it, --overwrite to replace it, or --out for a new directory`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

function numParams(model: Module): number {
  let n = 0;
  for (const [, p] of model.namedParameters()) n += p.size;
  return n;
}

/** Trains one configuration end to end (used by `train` and `compare`). */
export async function trainRun(config: RunConfig, dir: string, opts: { resume: boolean; overwrite: boolean; quiet?: boolean; label?: string; maxSteps?: number }): Promise<RunOutcome> {
  const progress = new Progress();
  const backend = await useBackend(config.backend);
  prepareOutDir(dir, config, opts.overwrite, opts.resume);
  if (!opts.resume) writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  manualSeed(config.seed);
  const trainFull = await loadDataset(config.dataset, 'train');
  const testFull = await loadDataset(config.dataset, 'test');
  const trainSet: DescribedDataset = config.trainSize > 0 && config.trainSize < trainFull.length ? { ...trainFull, ...subsetOf(trainFull, config.trainSize) } : trainFull;
  const testSet: DescribedDataset = config.testSize > 0 && config.testSize < testFull.length ? { ...testFull, ...subsetOf(testFull, config.testSize) } : testFull;
  const model = buildModel(config.model, trainFull, config.modelOptions);
  const params = numParams(model);
  const task = trainFull.task as Task;
  const train = new DataLoader(trainSet, { batchSize: config.batchSize, shuffle: true, seed: config.seed, dropLast: trainSet.length >= config.batchSize * 2 });
  const test = new DataLoader(testSet, { batchSize: Math.max(config.batchSize, 64), shuffle: false });
  const totalSteps = train.numBatches * config.epochs;
  const schedule = scheduleConfig(config, totalSteps);

  const label = opts.label ?? config.model;
  if (!opts.quiet) {
    progress.line(`skipnet: training ${config.model} (${params.toLocaleString('en-US')} parameters) on ${config.dataset} ` +
      `(${trainSet.length} train / ${testSet.length} test) with the ${backend} backend → ${dir}`);
  }
  const records: ReportRecord[] = [];
  const gradFlow: GradFlowRecord[] = [];
  const gradFile = join(dir, 'gradflow.jsonl');
  if (!opts.resume) writeFileSync(gradFile, '');
  const cli: Callback = {
    name: 'cli',
    onStepEnd(_trainer: Trainer, info: StepInfo) {
      const ips = rate(info);
      const eta = ips > 0 ? ((totalSteps - info.step) * info.batchSize) / ips : null;
      progress.update({ label: `${label} epoch ${info.epoch + 1}/${config.epochs}`, done: info.step, total: totalSteps, loss: info.loss, metrics: {}, imagesPerSec: ips, eta });
    },
    onLog(_t: Trainer, r: LogRecord) {
      records.push({ kind: r.kind, split: r.split, epoch: r.epoch, step: r.step, loss: r.loss, metrics: r.metrics, lr: r.lr });
      if (r.kind === 'step') {
        progress.update({ label: `${label} epoch ${r.epoch + 1}/${config.epochs}`, done: r.step, total: r.totalSteps, loss: r.loss, metrics: r.metrics, imagesPerSec: r.imagesPerSec, eta: r.eta });
      } else if (!opts.quiet) {
        progress.line(`${label} epoch ${r.epoch + 1}/${config.epochs} ${r.split.padEnd(5)} loss ${r.loss.toFixed(4)}  ${Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ')}  ${r.imagesPerSec.toFixed(0)} img/s`);
      }
    },
  };
  // Throughput as an exponential moving average over steps, for a steady display.
  let lastStepTime = performance.now();
  let smoothed = 0;
  const rate = (info: StepInfo): number => {
    const now = performance.now();
    const r = (info.batchSize * 1000) / Math.max(now - lastStepTime, 1e-3);
    lastStepTime = now;
    smoothed = smoothed === 0 ? r : 0.8 * smoothed + 0.2 * r;
    return smoothed;
  };
  const probe = new GradientFlowProbe({ every: Math.max(1, Math.floor(totalSteps / 40)), sink: (r) => { gradFlow.push(r); appendFileSync(gradFile, JSON.stringify(r) + '\n'); } });
  const monitor = task === 'classification' ? 'val_accuracy' : task === 'segmentation' ? 'val_meanIoU' : 'val_loss';
  const trainer = new Trainer({
    model: model as never,
    optimizer: config.optimizer === 'sgd'
      ? { kind: 'sgd', lr: config.lr, momentum: 0.9, nesterov: true, weightDecay: config.weightDecay }
      : { kind: config.optimizer, lr: config.lr, weightDecay: config.weightDecay },
    task,
    loss: { labelSmoothing: config.labelSmoothing },
    schedule,
    ...(config.clipGrad > 0 ? { clipGradNorm: config.clipGrad } : {}),
    callbacks: [
      cli,
      probe,
      new MetricsJsonlWriter(join(dir, 'metrics.jsonl')),
      new NanGuard({ action: 'stop' }),
      new ModelCheckpoint({ dir: join(dir, 'checkpoints'), io: nodeCheckpointIO, monitor, mode: 'auto', everySteps: Math.max(50, Math.floor(train.numBatches / 2)) }),
    ],
    seed: config.seed,
    // Short runs log more often so the curves have points.
    logEvery: Math.max(1, Math.min(config.logEvery, Math.floor(totalSteps / 100))),
    config: { ...config, modelOptions: config.modelOptions as never, task } as never,
    checkpointIO: nodeCheckpointIO,
  });

  // Ctrl-C: stop after the current step; the checkpoint callback saves `last` when fit ends.
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.line('skipnet: interrupted — saving a checkpoint (Ctrl-C again to quit at once)');
    trainer.stop('interrupted by the user');
  };
  process.on('SIGINT', onSigint);
  let result;
  try {
    result = await trainer.fit({
      train, val: test, epochs: config.epochs,
      ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
      ...(opts.resume ? { resumeFrom: join(dir, 'checkpoints', 'last') } : {}),
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.stopReason && !interrupted && !opts.quiet) progress.line(`skipnet: stopped early: ${result.stopReason}`);

  const testResult = await trainer.evaluate(test);
  const summary = { split: 'test', loss: testResult.loss, metrics: testResult.metrics, samples: testResult.samples };
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ model: config.model, dataset: config.dataset, params, epochs: result.epochs, steps: result.globalStep, stopReason: interrupted ? 'interrupted' : result.stopReason, test: summary }, null, 2) + '\n');
  const outcome: RunOutcome = { config, dir, test: testResult, records: readRecords(join(dir, 'metrics.jsonl'), records), gradFlow: readGradFlow(gradFile, gradFlow), params, interrupted };
  writeFileSync(join(dir, 'report.html'), renderReport(`${config.model} on ${config.dataset}`, [runForReport(outcome)]));
  if (!opts.quiet) {
    progress.line(`skipnet: test ${Object.entries(testResult.metrics).map(([k, v]) => `${k} ${(k.includes('ccuracy') || k.includes('IoU') ? (100 * v).toFixed(2) + '%' : v.toFixed(4))}`).join('  ')}  loss ${testResult.loss.toFixed(4)}`);
    if (task === 'language') {
      const samples = await sampleNames(model, trainFull, { count: 10, seed: config.seed });
      progress.line(`skipnet: sampled names: ${samples.join(', ')}`);
    }
    progress.line(`skipnet: report ${join(dir, 'report.html')}`);
  }
  model.dispose();
  trainer.optimizer.dispose();
  return outcome;
}

function subsetOf(ds: DescribedDataset, n: number): { length: number; get: DescribedDataset['get'] } {
  const s = subset(ds, Array.from({ length: n }, (_, i) => i));
  return { length: s.length, get: (i: number) => s.get(i) };
}

function readRecords(file: string, fallback: ReportRecord[]): ReportRecord[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ReportRecord);
  } catch {
    return fallback;
  }
}

function readGradFlow(file: string, fallback: GradFlowRecord[]): GradFlowRecord[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GradFlowRecord);
  } catch {
    return fallback;
  }
}

/** A run as the report shows it. */
export function runForReport(o: RunOutcome, name = o.config.model): ReportRun {
  const facts: Record<string, string | number> = {
    model: o.config.model, dataset: o.config.dataset, parameters: o.params.toLocaleString('en-US'), epochs: o.config.epochs,
    'batch size': o.config.batchSize, optimizer: `${o.config.optimizer}, lr ${o.config.lr}, ${o.config.schedule}`, seed: o.config.seed,
    'test loss': o.test.loss.toFixed(4),
  };
  for (const [k, v] of Object.entries(o.test.metrics)) facts[`test ${k}`] = v.toFixed(4);
  return { name, records: o.records, gradFlow: o.gradFlow, facts };
}

function scheduleConfig(config: RunConfig, totalSteps: number): ScheduleConfig {
  // One-cycle needs a warm-up of more than a step; very short runs use a constant rate.
  const kind = config.schedule === 'onecycle' && totalSteps < 10 ? 'constant' : config.schedule;
  switch (kind) {
    case 'onecycle':
      return { name: 'oneCycle', maxLr: config.lr, totalSteps: Math.max(totalSteps, 2), pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4, anneal: 'cos' };
    case 'step':
      return { name: 'stepLR', lr: config.lr, stepSize: Math.max(1, Math.floor(totalSteps / 3)), gamma: 0.1 };
    case 'constant':
      return { name: 'constantLR', lr: config.lr, factor: 1, totalIters: 0 };
    default:
      return { name: 'cosineWithWarmup', lr: config.lr, warmupSteps: Math.min(Math.floor(totalSteps / 10), 200), totalSteps: Math.max(totalSteps, 1), minLr: config.lr / 100, warmupStartLr: 0 };
  }
}

/** The `train` command. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a model on a built-in dataset; writes config.json, metrics.jsonl, checkpoints/ and report.html.',
  usage: 'skipnet train [--model NAME] [--dataset NAME] [options]',
  options: {
    model: { type: 'string', help: 'model (skipnet list models)', value: 'NAME', default: 'resnet20 (mnist), unet (shapes), gpt (names)' },
    ...TRAIN_OPTIONS,
    out: { type: 'string', help: 'run directory', value: 'DIR', default: 'runs/<model>-<dataset>' },
    resume: { type: 'string', help: 'continue the run in DIR from its last checkpoint, with its saved settings', value: 'DIR' },
    'max-steps': { type: 'string', help: 'stop after N optimizer steps in all (the schedule still spans --epochs; --resume continues)', value: 'N' },
    overwrite: { type: 'boolean', help: 'replace an existing run in the output directory' },
    quiet: { type: 'boolean', help: 'print only errors' },
  },
  async run(values) {
    let config: RunConfig;
    let dir: string;
    if (typeof values.resume === 'string') {
      dir = resolve(values.resume);
      try {
        config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;
      } catch (e) {
        throw new CliError(`--resume: cannot read ${join(dir, 'config.json')}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (is this a run directory?)' : (e as Error).message}`);
      }
      // The run continues with its saved settings: a different budget would change the schedule
      // and break the promise that a resumed run matches an uninterrupted one.
      const ignored = Object.keys(values).filter((k) => values[k] !== undefined && !['resume', 'max-steps', 'quiet', 'backend'].includes(k));
      if (ignored.length) throw new CliError(`--resume continues a run with its saved settings (${join(dir, 'config.json')}); drop ${ignored.map((k) => '--' + k).join(', ')}`, 2);
      if (typeof values.backend === 'string') config = { ...config, backend: values.backend };
    } else {
      config = resolveConfig(values, taskOfDataset);
      dir = resolve(typeof values.out === 'string' ? values.out : join('runs', `${config.model}-${config.dataset}`));
    }
    const maxSteps = numberOption(values, 'max-steps', 0, { min: 1, integer: true });
    await trainRun(config, dir, { resume: typeof values.resume === 'string', overwrite: values.overwrite === true, quiet: values.quiet === true, ...(maxSteps ? { maxSteps } : {}) });
  },
};

export { taskOfDataset };
