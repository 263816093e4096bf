/** `skipnet compare`: the same training budget for several models, one report side by side. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, type Command } from '../args.js';
import { buildModel, checkModelSpec } from '../model-factory.js';
import { renderReport } from '../report.js';
import { resolveConfig, type RunConfig } from '../run-config.js';
import { abandonFolder, checkReplaceable, MARKER_KEY, prepareFolder } from '../run-dir.js';
import { Progress } from '../progress.js';
import { datasetTask, loadDataset, useBackend } from '../setup.js';
import { TRAIN_OPTIONS, checkRunNames, prepareRun, runForReport, trainRun, type RunOutcome } from './train.js';

/** The `compare` command. */
export const compareCommand: Command = {
  name: 'compare',
  summary: 'Train several models with the same seed, data order and budget; write one report comparing their curves and gradient flow.',
  usage: 'skipnet compare --models plain20,resnet20 [--dataset NAME] [--epochs N] [options]',
  options: {
    models: { type: 'string', help: 'comma-separated model names', value: 'A,B,…' },
    ...TRAIN_OPTIONS,
    out: { type: 'string', help: 'output directory (one sub-directory per model + report.html)', value: 'DIR', default: 'runs/compare-<models>-<dataset>' },
    overwrite: { type: 'boolean', help: 'replace a skipnet comparison in the output directory (never a folder with other files)' },
  },
  async run(values) {
    if (typeof values.models !== 'string') throw new CliError('compare: --models A,B is required', 2);
    const models = values.models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    if (models.length < 2) throw new CliError(`compare: --models needs at least two names, got '${values.models}'`, 2);
    const repeated = models.filter((m, i) => models.indexOf(m) !== i);
    if (repeated.length) throw new CliError(`compare: --models names ${repeated.join(', ')} more than once`, 2);
    // The whole command is checked before the first model trains: every name, every model
    // against the dataset, and the output folder.
    for (const m of models) checkModelSpec(m);
    const base = resolveConfig({ ...values, model: models[0] }, datasetTask);
    const configs: RunConfig[] = models.map((model) => ({ ...base, model }));
    for (const c of configs) await checkRunNames(c);
    const dir = resolve(typeof values.out === 'string' ? values.out : join('runs', `compare-${models.join('-')}-${base.dataset}`));
    const overwrite = values.overwrite === true;
    checkReplaceable(dir, 'compare', overwrite);
    await useBackend(base.backend);
    const data = await loadDataset(base.dataset, 'train');
    for (const c of configs) buildModel(c.model, data, c.modelOptions).dispose();

    const quiet = values.quiet === true;
    const progress = new Progress(quiet);
    const folder = prepareFolder(dir, 'compare', overwrite);
    const writeComparison = (status: string, outcomes: readonly RunOutcome[]) => {
      const runs = outcomes.map((o) => ({
        model: o.config.model,
        params: o.params,
        finalTrainLoss: lastTrainLoss(o),
        testLoss: o.test?.loss ?? null,
        ...o.test?.metrics,
      }));
      writeFileSync(
        join(dir, 'comparison.json'),
        JSON.stringify({ [MARKER_KEY]: 'compare', status, models, dataset: base.dataset, epochs: base.epochs, seed: base.seed, runs }, null, 2) + '\n',
      );
      return runs;
    };
    writeComparison('running', []);
    const outcomes: RunOutcome[] = [];
    try {
      for (const config of configs) {
        // Same seed ⇒ same data order and augmentation for every model.
        const outcome = await trainRun(await prepareRun(config), join(dir, config.model), { resume: false, overwrite: false, label: config.model, quiet });
        outcomes.push(outcome);
        if (outcome.interrupted) {
          writeComparison('interrupted', outcomes);
          progress.result(`skipnet: comparison interrupted during ${config.model}; finished runs are in ${dir}`);
          return 130;
        }
      }
    } catch (e) {
      if (!outcomes.length && !existsSync(join(dir, configs[0]!.model, 'checkpoints'))) abandonFolder(dir, 'compare', folder.created);
      throw e;
    }
    writeFileSync(
      join(dir, 'report.html'),
      renderReport(
        `${models.join(' vs ')} on ${base.dataset}`,
        outcomes.map((o) => runForReport(o)),
      ),
    );
    const rows = writeComparison('done', outcomes);
    progress.line('');
    // Every test metric follows the losses: accuracy, mean IoU, or for detection AP, AP50, AP75 and AP by object size.
    outcomes.forEach((o, i) =>
      progress.result(
        `${rows[i]!.model.padEnd(14)} final train loss ${rows[i]!.finalTrainLoss.toFixed(4)}  test loss ${(rows[i]!.testLoss ?? NaN).toFixed(4)}` +
          Object.entries(o.test?.metrics ?? {})
            .map(([k, v]) => `  ${k} ${v.toFixed(4)}`)
            .join(''),
      ),
    );
    progress.line(`skipnet: report ${join(dir, 'report.html')}`);
    return 0;
  },
};

function lastTrainLoss(o: RunOutcome): number {
  const epochs = o.records.filter((r) => r.kind === 'epoch' && r.split === 'train');
  return epochs.length ? epochs[epochs.length - 1]!.loss : NaN;
}
