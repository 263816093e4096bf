/** `skipnet eval`: test metrics of a checkpoint. */
import { DataLoader } from '@skipnet/data';
import { Trainer, type Task } from '@skipnet/train';
import { CliError, numberOption, type Command } from '../args.js';
import { useBackend } from '../setup.js';
import { restoreModel } from './checkpoint-model.js';

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
    const trainer = new Trainer({ model, optimizer: { kind: 'sgd', lr: 0 }, task: dataset.task as Task });
    const r = await trainer.evaluate(loader);
    if (values.json)
      console.log(JSON.stringify({ checkpoint: dir, model: config.model, dataset: dataset.name, samples: r.samples, loss: r.loss, metrics: r.metrics }));
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
