/** Builds a registry model sized for a dataset, and checks the model can take its input. */
import type { Module } from '@skipnet/core';
import type { DescribedDataset } from '@skipnet/data';
import { createModel, listModels } from '@skipnet/models';
import { CliError } from './args.js';

/** Model names of the registry. */
export function modelNames(): string[] {
  return listModels();
}

/** Builder options derived from what a dataset holds. */
export function optionsForDataset(ds: DescribedDataset): Record<string, unknown> {
  if (ds.task === 'language') {
    return { vocabSize: ds.vocab?.size ?? ds.numClasses, blockSize: ds.inputShape[0] };
  }
  const [c, h, w] = ds.inputShape as [number, number, number];
  return { inChannels: c, numClasses: ds.numClasses, imageSize: [h, w] };
}

/** Creates `name` for `ds` (plus user options); unknown names and unfit inputs fail clearly. */
export function buildModel(name: string, ds: DescribedDataset, extra: Record<string, unknown> = {}): Module {
  const names = modelNames();
  if (!names.includes(name)) throw new CliError(`unknown model '${name}'; valid: ${names.join(', ')}`, 2);
  let model: Module;
  try {
    model = createModel(name, { ...optionsForDataset(ds), ...extra } as never) as unknown as Module;
  } catch (e) {
    throw new CliError(`cannot build model '${name}' for dataset '${ds.name}': ${(e as Error).message}`);
  }
  const check = (model as { inputProblemFor?: (shape: readonly number[], dtype: string) => string | null }).inputProblemFor;
  const problem = check?.call(model, [1, ...ds.inputShape], ds.inputDType);
  if (problem) {
    model.dispose();
    throw new CliError(`model '${name}' cannot take dataset '${ds.name}' input ${JSON.stringify([...ds.inputShape])}: ${problem}`);
  }
  return model;
}
