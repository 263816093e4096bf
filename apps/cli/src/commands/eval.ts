/** `skipnet eval`: test metrics of a checkpoint. */
import { DataLoader } from '@skipnet/data';
import { Trainer, formatClassAPTable, formatDetectionSummary, type DetectionAP, type DetectionMetrics, type Task } from '@skipnet/train';
import { CliError, numberOption, type Command } from '../args.js';
import { useBackend } from '../setup.js';
import { restoreModel } from './checkpoint-model.js';
import { taskTrainerOptions } from '../detection.js';

/** The `eval` command. */
export const evalCommand: Command = {
  name: 'eval',
  summary: "Evaluate a checkpoint on a dataset's test split.",
  usage: 'skipnet eval --checkpoint PATH [--dataset NAME] [--backend NAME] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'run directory or checkpoint directory', value: 'PATH' },
    dataset: { type: 'string', help: 'dataset to evaluate on (default: the one it was trained on)', value: 'NAME' },
    backend: { type: 'string', help: 'backend', value: 'NAME' },
    'batch-size': { type: 'string', help: 'samples per batch', value: 'N', default: '128' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  async run(values) {
    if (typeof values.checkpoint !== 'string') throw new CliError('eval: --checkpoint PATH is required', 2);
    const batchSize = numberOption(values, 'batch-size', 128, { min: 1, integer: true, max: 65_536 });
    await useBackend(values.backend as string | undefined);
    const { model, config, dataset, dir } = await restoreModel(values.checkpoint, values.dataset as string | undefined);
    const loader = new DataLoader(dataset, { batchSize, shuffle: false });
    let ap: DetectionAP | undefined;
    const trainer = new Trainer({
      model,
      optimizer: { kind: 'sgd', lr: 0 },
      task: dataset.task as Task,
      ...taskTrainerOptions(model, dataset, (m) => (ap = m)),
    });
    const r = await trainer.evaluate(loader);
    // Detection: the whole COCO table (overall, by size, recall) and AP per class.
    const detection = ap?.metrics();
    if (values.json)
      console.log(
        JSON.stringify({
          checkpoint: dir,
          model: config.model,
          dataset: dataset.name,
          samples: r.samples,
          loss: r.loss,
          metrics: r.metrics,
          ...(detection ? { detection: detectionJson(detection) } : {}),
        }),
      );
    else if (detection)
      console.log(
        `${config.model} on ${dataset.name} (${r.samples} test images): loss ${r.loss.toFixed(4)}\n${formatDetectionSummary(detection)}\n\n${formatClassAPTable(detection)}`,
      );
    else
      console.log(
        `${config.model} on ${dataset.name} (${r.samples} test samples): loss ${r.loss.toFixed(4)}  ${Object.entries(r.metrics)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join('  ')}`,
      );
    model.dispose();
    trainer.optimizer.dispose();
  },
};

/** The detection figures as JSON (`NaN`, an undefined AP, as `null`). */
function detectionJson(m: DetectionMetrics): Record<string, unknown> {
  const { perClass, ...summary } = m;
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    ...Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, typeof v === 'number' ? num(v) : v])),
    perClass: perClass.map((c) => ({ ...c, AP: num(c.AP), AP50: num(c.AP50), AP75: num(c.AP75), AR100: num(c.AR100) })),
  };
}
