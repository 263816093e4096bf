/** `skipnet train`: train a model on a dataset into a run directory. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manualSeed, type ScheduleConfig } from '@skipnet/core';
import { DataLoader, listDatasets, subset, type DescribedDataset } from '@skipnet/data';
import {
  GradientFlowProbe,
  ModelCheckpoint,
  NanGuard,
  Trainer,
  type Callback,
  type EvalResult,
  type FitOptions,
  type FitResult,
  type LogRecord,
  type StepInfo,
  type TrainingContext,
} from '@skipnet/train';
import { MetricsJsonlWriter, nodeCheckpointIO } from '@skipnet/train/node';
import { describeTraining, readCheckpointConfig } from './checkpoint-model.js';
import { CliError, numberOption, type Command, type OptionSpec } from '../args.js';
import type { Model } from '@skipnet/models';
import { buildModel, checkModelSpec } from '../model-factory.js';
import { Progress } from '../progress.js';
import { asDetector, detectionReportSamples, taskTrainerOptions } from '../detection.js';
import { renderReport, type GradFlowRecord, type ReportRecord, type ReportRun, type ReportSample } from '../report.js';
import { defaultsForDataset, parseRunConfigJson, resolveConfig, runConfigJson, type RunConfig } from '../run-config.js';
import { abandonFolder, checkReplaceable, prepareFolder } from '../run-dir.js';
import { checkBackendName, datasetTask, loadDataset, useBackend } from '../setup.js';
import { sampleNames } from '../sample.js';
import { asSeq2Seq, translationExamples } from '../translation.js';
import { initFromCheckpoint } from '../init-weights.js';

/**
 * A default as help shows it: one value, or the value per built-in dataset when they differ
 * (`32 (mnist), 16 (mnist-seg, shapes), 64 (names)`) — read from the same table the run uses.
 */
function perDatasetDefault(key: keyof RunConfig): string {
  const byValue = new Map<string, string[]>();
  for (const { name } of listDatasets()) {
    const v = defaultsForDataset(name, datasetTask)[key];
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    byValue.set(text, [...(byValue.get(text) ?? []), name]);
  }
  return byValue.size === 1 ? [...byValue.keys()][0]! : [...byValue].map(([v, names]) => `${v} (${names.join(', ')})`).join(', ');
}

/** Options shared by `train` and `compare`. */
export const TRAIN_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  dataset: { type: 'string', help: 'built-in dataset (skipnet list datasets)', value: 'NAME', default: 'mnist' },
  backend: { type: 'string', help: 'backend (skipnet list backends); default: the fastest available', value: 'NAME' },
  epochs: { type: 'string', help: 'epochs to train', value: 'N', default: perDatasetDefault('epochs') },
  'batch-size': { type: 'string', help: 'samples per step', value: 'N', default: perDatasetDefault('batchSize') },
  lr: { type: 'string', help: 'peak learning rate', value: 'X', default: perDatasetDefault('lr') },
  optimizer: { type: 'string', help: 'sgd | adam | adamw', value: 'NAME', default: perDatasetDefault('optimizer') },
  schedule: { type: 'string', help: 'cosine | step | onecycle | constant', value: 'NAME', default: perDatasetDefault('schedule') },
  'weight-decay': { type: 'string', help: 'weight decay', value: 'X', default: perDatasetDefault('weightDecay') },
  seed: { type: 'string', help: 'seed for weights, data order and augmentation', value: 'N', default: perDatasetDefault('seed') },
  'train-size': {
    type: 'string',
    help: `use the first N training samples (0 = all); generated datasets (${listDatasets()
      .filter((d) => d.generated)
      .map((d) => d.name)
      .join(', ')}) make N`,
    value: 'N',
    default: perDatasetDefault('trainSize'),
  },
  'test-size': { type: 'string', help: 'evaluate on at most N test samples (0 = all)', value: 'N', default: perDatasetDefault('testSize') },
  'label-smoothing': { type: 'string', help: 'label smoothing', value: 'X', default: perDatasetDefault('labelSmoothing') },
  'clip-grad': { type: 'string', help: 'clip the global gradient norm (0 = off)', value: 'X', default: perDatasetDefault('clipGrad') },
  'log-every': { type: 'string', help: 'log a metrics line every N steps', value: 'N', default: perDatasetDefault('logEvery') },
  'model-options': { type: 'string', help: 'JSON options for the model builder, e.g. \'{"baseWidth":32}\' or \'{"skip":false}\'', value: 'JSON' },
  config: { type: 'string', help: "JSON file with any of these settings (flags override it); a run's config.json works", value: 'FILE' },
  quiet: { type: 'boolean', help: 'print only errors and the final result' },
};

/** Everything a finished (or interrupted) run reports. */
export interface RunOutcome {
  readonly config: RunConfig;
  readonly dir: string;
  /** Test metrics; absent when the run was interrupted (Ctrl-C). */
  readonly test?: EvalResult;
  readonly records: ReportRecord[];
  readonly gradFlow: GradFlowRecord[];
  readonly params: number;
  readonly interrupted: boolean;
  /** Detection: test images with ground truth beside predictions, for the report. */
  readonly samples?: ReportSample[];
}

/** A run whose whole command has been checked: data loaded, model built for it, no file written. */
export interface PreparedRun {
  readonly config: RunConfig;
  readonly backend: string;
  readonly trainFull: DescribedDataset;
  readonly trainSet: DescribedDataset;
  readonly testSet: DescribedDataset;
  readonly model: Model;
  /** What `--init` loaded (a line for the log), when the run starts from another run's weights. */
  readonly initNote?: string;
}

/** Checks the names of a configuration (model, dataset, backend) without loading anything. */
export async function checkRunNames(config: RunConfig): Promise<void> {
  checkModelSpec(config.model);
  datasetTask(config.dataset);
  await checkBackendName(config.backend);
}

/**
 * Everything a run needs before its first file: the backend started, both splits loaded, the
 * model built and checked against the data, and `config.init`'s weights loaded into it (not
 * when `resuming`: the run's own checkpoint replaces them). A problem here leaves nothing behind.
 */
export async function prepareRun(config: RunConfig, options: { resuming?: boolean } = {}): Promise<PreparedRun> {
  await checkRunNames(config);
  const backend = await useBackend(config.backend);
  // A generated dataset makes as many training scenes as asked for; a fixed one is subset.
  const generated = listDatasets().find((d) => d.name === config.dataset)?.generated ?? false;
  const trainFull = await loadDataset(config.dataset, 'train', generated && config.trainSize > 0 ? { count: config.trainSize } : {});
  const testFull = await loadDataset(config.dataset, 'test');
  const trainSet = config.trainSize > 0 && config.trainSize < trainFull.length ? { ...trainFull, ...subsetOf(trainFull, config.trainSize) } : trainFull;
  const testSet = config.testSize > 0 && config.testSize < testFull.length ? { ...testFull, ...subsetOf(testFull, config.testSize) } : testFull;
  manualSeed(config.seed);
  const model = buildModel(config.model, trainFull, config.modelOptions);
  let initNote: string | undefined;
  if (config.init && !options.resuming) {
    try {
      initNote = await initFromCheckpoint(model, config.init, trainFull);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  return { config, backend, trainFull, trainSet, testSet, model, ...(initNote ? { initNote } : {}) };
}

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  readonly resume: boolean;
  readonly overwrite: boolean;
  readonly quiet?: boolean;
  readonly label?: string;
  readonly maxSteps?: number;
}

/**
 * Trains a prepared run in `dir` (used by `train` and `compare`). A new run's folder is made
 * ready first (created, or cleared under `--overwrite` when it is skipnet's); a run that fails
 * before its first checkpoint removes what it wrote, so the corrected command can start.
 */
export async function trainRun(run: PreparedRun, dir: string, opts: TrainRunOptions): Promise<RunOutcome> {
  const { config, model } = run;
  const progress = new Progress(opts.quiet);
  let folder: { created: boolean } | null = null;
  try {
    folder = opts.resume ? null : prepareFolder(dir, 'run', opts.overwrite);
    if (!opts.resume) writeFileSync(join(dir, 'config.json'), runConfigJson(config));
    return await runTraining(run, dir, opts, progress);
  } catch (e) {
    if (folder && !existsSync(join(dir, 'checkpoints', 'last', 'state.json'))) abandonFolder(dir, 'run', folder.created);
    throw e;
  } finally {
    model.dispose();
  }
}

async function runTraining(run: PreparedRun, dir: string, opts: TrainRunOptions, progress: Progress): Promise<RunOutcome> {
  const { config, model, trainFull, trainSet, testSet, backend } = run;
  const params = model.numParameters();
  const train = new DataLoader(trainSet, { batchSize: config.batchSize, shuffle: true, seed: config.seed, dropLast: trainSet.length >= config.batchSize * 2 });
  const test = new DataLoader(testSet, { batchSize: Math.max(config.batchSize, 64), shuffle: false });
  const totalSteps = train.numBatches * config.epochs;
  const label = opts.label ?? config.model;
  if (run.initNote) progress.line(run.initNote);
  progress.line(
    `skipnet: training ${config.model} (${params.toLocaleString('en-US')} parameters) on ${config.dataset} ` +
      `(${trainSet.length} train / ${testSet.length} test) with the ${backend} backend → ${dir}`,
  );

  const records: ReportRecord[] = [];
  const gradFlow: GradFlowRecord[] = [];
  const gradFile = join(dir, 'gradflow.jsonl');
  if (!opts.resume) writeFileSync(gradFile, '');
  const probe = new GradientFlowProbe({
    every: Math.max(1, Math.floor(totalSteps / 40)),
    sink: (r) => {
      gradFlow.push(r);
      appendFileSync(gradFile, JSON.stringify(r) + '\n');
    },
  });
  const trainer = createTrainer(run, dir, train.numBatches, totalSteps, [
    progressCallback(label, config.epochs, totalSteps, progress, records),
    probe,
    new MetricsJsonlWriter(join(dir, 'metrics.jsonl')),
  ]);
  const { result, interrupted } = await fitUntilDoneOrCtrlC(trainer, progress, {
    train,
    val: test,
    epochs: config.epochs,
    ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
    ...(opts.resume ? { resumeFrom: join(dir, 'checkpoints', 'last') } : {}),
  });
  if (result.stopReason && !interrupted) progress.line(`skipnet: stopped early: ${result.stopReason}`);

  // An interrupted run skips the test pass: the user asked to stop, and the checkpoint is saved.
  const testResult = interrupted ? undefined : await trainer.evaluate(test);
  trainer.optimizer.dispose();
  const summary = testResult && { split: 'test', loss: testResult.loss, metrics: testResult.metrics, samples: testResult.samples };
  writeFileSync(
    join(dir, 'results.json'),
    JSON.stringify(
      {
        model: config.model,
        dataset: config.dataset,
        params,
        epochs: result.epochs,
        steps: result.globalStep,
        stopReason: interrupted ? 'interrupted' : result.stopReason,
        ...(summary ? { test: summary } : {}),
      },
      null,
      2,
    ) + '\n',
  );
  // The files hold the whole run (a resumed one too); the in-memory records only this process's part.
  const outcome: RunOutcome = {
    config,
    dir,
    ...(testResult ? { test: testResult } : {}),
    records: readJsonl<ReportRecord>(join(dir, 'metrics.jsonl'), records),
    gradFlow: readJsonl<GradFlowRecord>(gradFile, gradFlow),
    params,
    interrupted,
    ...(testResult && testSet.task === 'detection' ? { samples: await detectionReportSamples(asDetector(model, testSet), testSet) } : {}),
  };
  writeFileSync(join(dir, 'report.html'), renderReport(`${config.model} on ${config.dataset}`, [runForReport(outcome)]));
  if (!testResult) {
    progress.result(
      `skipnet: interrupted at step ${result.globalStep}; checkpoint saved in ${join(dir, 'checkpoints', 'last')}; continue with: skipnet train --resume ${dir}`,
    );
    return outcome;
  }
  progress.result(`skipnet: ${label} test ${formatMetrics(testResult.metrics)}  loss ${testResult.loss.toFixed(4)}`);
  if (trainFull.task === 'language') {
    const samples = await sampleNames(model, trainFull, { count: 10, seed: config.seed });
    progress.line(`skipnet: sampled names: ${samples.join(', ')}`);
  }
  if (testSet.task === 'translation') {
    const examples = await translationExamples(asSeq2Seq(model, testSet), testSet);
    progress.line(`skipnet: test translations (greedy):\n  ${examples.join('\n  ')}`);
  }
  progress.line(`skipnet: report ${join(dir, 'report.html')}`);
  return outcome;
}

/** The trainer of a run: its optimizer, schedule and loss, plus checkpoints and a NaN guard after `callbacks`. */
function createTrainer(run: PreparedRun, dir: string, batchesPerEpoch: number, totalSteps: number, callbacks: Callback[]): Trainer {
  const { config, model } = run;
  const task = run.trainFull.task;
  const monitor = {
    classification: 'val_accuracy',
    segmentation: 'val_meanIoU',
    detection: 'val_AP',
    language: 'val_loss',
    translation: 'val_exactMatch',
    'masked-lm': 'val_maskedTokenAccuracy',
  }[task];
  return new Trainer({
    model,
    optimizer:
      config.optimizer === 'sgd'
        ? { kind: 'sgd', lr: config.lr, momentum: 0.9, nesterov: true, weightDecay: config.weightDecay }
        : { kind: config.optimizer, lr: config.lr, weightDecay: config.weightDecay },
    task,
    loss: { labelSmoothing: config.labelSmoothing },
    ...taskTrainerOptions(model, run.trainFull),
    schedule: scheduleConfig(config, totalSteps),
    ...(config.clipGrad > 0 ? { clipGradNorm: config.clipGrad } : {}),
    callbacks: [
      ...callbacks,
      new NanGuard({ action: 'stop' }),
      new ModelCheckpoint({
        dir: join(dir, 'checkpoints'),
        io: nodeCheckpointIO,
        monitor,
        mode: 'auto',
        everySteps: Math.max(50, Math.floor(batchesPerEpoch / 2)),
      }),
    ],
    seed: config.seed,
    // Short runs log more often so the curves have points.
    logEvery: Math.max(1, Math.min(config.logEvery, Math.floor(totalSteps / 100))),
    config: { ...config, task },
    checkpointIO: nodeCheckpointIO,
  });
}

/** The progress bar / log lines of a run, and the records for its report. */
function progressCallback(label: string, epochs: number, totalSteps: number, progress: Progress, records: ReportRecord[]): Callback {
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
  return {
    name: 'cli',
    onStepEnd(_context: TrainingContext, info: StepInfo) {
      const ips = rate(info);
      const eta = ips > 0 ? ((totalSteps - info.step) * info.batchSize) / ips : null;
      progress.update({
        label: `${label} epoch ${info.epoch + 1}/${epochs}`,
        done: info.step,
        total: totalSteps,
        loss: info.loss,
        metrics: {},
        imagesPerSec: ips,
        eta,
      });
    },
    onLog(_context: TrainingContext, r: LogRecord) {
      records.push({ kind: r.kind, split: r.split, epoch: r.epoch, step: r.step, loss: r.loss, metrics: r.metrics, lr: r.lr });
      if (r.kind === 'step') {
        progress.update({
          label: `${label} epoch ${r.epoch + 1}/${epochs}`,
          done: r.step,
          total: r.totalSteps,
          loss: r.loss,
          metrics: r.metrics,
          imagesPerSec: r.imagesPerSec,
          eta: r.eta,
        });
      } else {
        progress.line(
          `${label} epoch ${r.epoch + 1}/${epochs} ${r.split.padEnd(5)} loss ${r.loss.toFixed(4)}  ${Object.entries(r.metrics)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join('  ')}  ${r.imagesPerSec.toFixed(0)} img/s`,
        );
      }
    },
  };
}

/**
 * `trainer.fit`, where Ctrl-C stops after the current step (the checkpoint callback saves
 * `last` as fit ends) and a second Ctrl-C quits at once.
 */
async function fitUntilDoneOrCtrlC(trainer: Trainer, progress: Progress, options: FitOptions): Promise<{ result: FitResult; interrupted: boolean }> {
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.line('skipnet: interrupted — saving a checkpoint (Ctrl-C again to quit at once)');
    trainer.stop('interrupted by the user');
  };
  process.on('SIGINT', onSigint);
  try {
    return { result: await trainer.fit(options), interrupted };
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `accuracy 98.25%  meanIoU 93.30%  …` */
function formatMetrics(metrics: Readonly<Record<string, number>>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${k.includes('ccuracy') || k.includes('IoU') || k.includes('Match') ? (100 * v).toFixed(2) + '%' : v.toFixed(4)}`)
    .join('  ');
}

function subsetOf(ds: DescribedDataset, n: number): { length: number; get: DescribedDataset['get'] } {
  const s = subset(
    ds,
    Array.from({ length: n }, (_, i) => i),
  );
  return { length: s.length, get: (i: number) => s.get(i) };
}

/** The records of a JSON-lines file (the whole run after a resume), or those seen in this process. */
function readJsonl<T>(file: string, fallback: T[]): T[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  } catch {
    return fallback;
  }
}

/** A run as the report shows it. */
export function runForReport(o: RunOutcome, name = o.config.model): ReportRun {
  const facts: Record<string, string | number> = {
    model: o.config.model,
    dataset: o.config.dataset,
    parameters: o.params.toLocaleString('en-US'),
    epochs: o.config.epochs,
    'batch size': o.config.batchSize,
    optimizer: `${o.config.optimizer}, lr ${o.config.lr}, ${o.config.schedule}`,
    seed: o.config.seed,
    'test loss': o.test ? o.test.loss.toFixed(4) : 'not run (interrupted)',
  };
  for (const [k, v] of Object.entries(o.test?.metrics ?? {})) facts[`test ${k}`] = v.toFixed(4);
  return { name, records: o.records, gradFlow: o.gradFlow, facts, ...(o.samples ? { samples: o.samples } : {}) };
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
      return {
        name: 'cosineWithWarmup',
        lr: config.lr,
        warmupSteps: Math.min(Math.floor(totalSteps / 10), 200),
        totalSteps: Math.max(totalSteps, 1),
        minLr: config.lr / 100,
        warmupStartLr: 0,
      };
  }
}

/** The `train` command. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a model on a built-in dataset; writes config.json, metrics.jsonl, checkpoints/ and report.html.',
  usage: 'skipnet train [--model NAME] [--dataset NAME] [options]',
  options: {
    model: { type: 'string', help: 'model (skipnet list models)', value: 'NAME', default: perDatasetDefault('model') },
    ...TRAIN_OPTIONS,
    out: { type: 'string', help: 'run directory', value: 'DIR', default: 'runs/<model>-<dataset>' },
    resume: { type: 'string', help: 'continue the run in DIR from its last checkpoint, with its saved settings', value: 'DIR' },
    'max-steps': { type: 'string', help: 'stop after N optimizer steps in all (the schedule still spans --epochs; --resume continues)', value: 'N' },
    overwrite: { type: 'boolean', help: 'replace a skipnet run in the output directory (never a folder with other files)' },
    init: {
      type: 'string',
      help: "start from the weights of a run or checkpoint (fine-tuning: tensors shared by name load, the new model's own head stays fresh)",
      value: 'DIR',
    },
  },
  async run(values) {
    const maxSteps = numberOption(values, 'max-steps', 0, { min: 1, integer: true });
    const quiet = values.quiet === true;
    if (typeof values.resume === 'string') {
      const dir = resolve(values.resume);
      // The run continues with its saved settings: a different budget would change the schedule
      // and break the promise that a resumed run matches an uninterrupted one.
      const ignored = Object.keys(values).filter((k) => values[k] !== undefined && !['resume', 'max-steps', 'quiet', 'backend'].includes(k));
      if (ignored.length)
        throw new CliError(
          `--resume continues a run with its saved settings (${join(dir, 'config.json')}); drop ${ignored.map((k) => '--' + k).join(', ')}`,
          2,
        );
      let config = readResumableRun(dir);
      if (typeof values.backend === 'string') config = { ...config, backend: values.backend };
      const outcome = await trainRun(await prepareRun(config, { resuming: true }), dir, {
        resume: true,
        overwrite: false,
        quiet,
        ...(maxSteps ? { maxSteps } : {}),
      });
      return outcome.interrupted ? 130 : 0;
    }
    const config = resolveConfig(values, datasetTask);
    await checkRunNames(config);
    const dir = resolve(typeof values.out === 'string' ? values.out : join('runs', `${config.model}-${config.dataset}`));
    const overwrite = values.overwrite === true;
    checkReplaceable(dir, 'run', overwrite, config);
    const outcome = await trainRun(await prepareRun(config), dir, { resume: false, overwrite, quiet, ...(maxSteps ? { maxSteps } : {}) });
    return outcome.interrupted ? 130 : 0;
  },
};

/**
 * The saved settings of the run in `dir`, once its last checkpoint is known to belong to it:
 * a checkpoint of another model, dataset or batching is named as such, not as a key list.
 */
function readResumableRun(dir: string): RunConfig {
  const file = join(dir, 'config.json');
  let config: RunConfig;
  try {
    config = parseRunConfigJson(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(
      `--resume: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (is this a run directory?)' : (e as Error).message}`,
    );
  }
  if (typeof config.model !== 'string' || typeof config.dataset !== 'string')
    throw new CliError(`--resume: ${file} is not a skipnet run configuration (no model or dataset)`);
  const last = join(dir, 'checkpoints', 'last');
  const saved = readCheckpointConfig(last, '--resume');
  const differs = (['model', 'dataset', 'modelOptions', 'batchSize', 'seed', 'trainSize', 'optimizer'] as const).filter(
    (k) => JSON.stringify(saved[k] ?? null) !== JSON.stringify(config[k] ?? null),
  );
  if (differs.length) {
    throw new CliError(
      `--resume: ${last} holds ${describeTraining(saved)}, but ${file} is ${describeTraining(config)} (they differ in ${differs.join(', ')}); ` +
        'this checkpoint cannot continue this run. Nothing was changed.',
    );
  }
  return config;
}
