/** `skipnet compare`: the same training budget for several models, one report side by side. */
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, type Command } from '../args.js';
import { renderReport } from '../report.js';
import { resolveConfig } from '../run-config.js';
import { Progress } from '../progress.js';
import { TRAIN_OPTIONS, runForReport, taskOfDataset, trainRun, type RunOutcome } from './train.js';

/** The `compare` command. */
export const compareCommand: Command = {
  name: 'compare',
  summary: 'Train several models with the same seed, data order and budget; write one report comparing their curves and gradient flow.',
  usage: 'skipnet compare --models plain20,resnet20 [--dataset NAME] [--epochs N] [options]',
  options: {
    models: { type: 'string', help: 'comma-separated model names', value: 'A,B,…' },
    ...TRAIN_OPTIONS,
    out: { type: 'string', help: 'output directory (one sub-directory per model + report.html)', value: 'DIR', default: 'runs/compare-<models>-<dataset>' },
    overwrite: { type: 'boolean', help: 'replace an existing comparison' },
  },
  async run(values) {
    if (typeof values.models !== 'string') throw new CliError('compare: --models A,B is required', 2);
    const models = values.models.split(',').map((m) => m.trim()).filter(Boolean);
    if (models.length < 2) throw new CliError(`compare: --models needs at least two names, got '${values.models}'`, 2);
    const base = resolveConfig({ ...values, model: models[0] }, taskOfDataset);
    const dir = resolve(typeof values.out === 'string' ? values.out : join('runs', `compare-${models.join('-')}-${base.dataset}`));
    if (existsSync(dir) && readdirSync(dir).length > 0 && values.overwrite !== true) {
      throw new CliError(`output directory ${dir} already holds a comparison; use --overwrite to replace it or --out for a new directory`);
    }
    mkdirSync(dir, { recursive: true });
    const outcomes: RunOutcome[] = [];
    const progress = new Progress();
    for (const model of models) {
      // Same seed ⇒ same data order and augmentation for every model.
      outcomes.push(await trainRun({ ...base, model }, join(dir, model), { resume: false, overwrite: true, label: model }));
    }
    writeFileSync(join(dir, 'report.html'), renderReport(`${models.join(' vs ')} on ${base.dataset}`, outcomes.map((o) => runForReport(o))));
    const rows = outcomes.map((o) => ({
      model: o.config.model,
      params: o.params,
      finalTrainLoss: lastTrainLoss(o),
      testLoss: o.test.loss,
      ...o.test.metrics,
    }));
    writeFileSync(join(dir, 'comparison.json'), JSON.stringify({ dataset: base.dataset, epochs: base.epochs, seed: base.seed, runs: rows }, null, 2) + '\n');
    progress.line('');
    for (const r of rows) progress.line(`${r.model.padEnd(14)} final train loss ${r.finalTrainLoss.toFixed(4)}  test loss ${r.testLoss.toFixed(4)}`);
    progress.line(`skipnet: report ${join(dir, 'report.html')}`);
  },
};

function lastTrainLoss(o: RunOutcome): number {
  const epochs = o.records.filter((r) => r.kind === 'epoch' && r.split === 'train');
  return epochs.length ? epochs[epochs.length - 1]!.loss : NaN;
}
