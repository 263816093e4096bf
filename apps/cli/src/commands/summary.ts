/** `skipnet summary`: the layer table of a model. */
import { formatSummary, summary, tidy, type Module } from '@skipnet/core';
import { createModel } from '@skipnet/models';
import { CliError, parseShape, type Command } from '../args.js';
import { modelNames } from '../model-factory.js';
import { useBackend } from '../setup.js';

/** The `summary` command. */
export const summaryCommand: Command = {
  name: 'summary',
  summary: 'Print a model\'s layers, output shapes, parameters, multiply-adds and skip connections.',
  usage: 'skipnet summary --model NAME [--input CxHxW | T] [--classes N] [--plain] [--json]',
  options: {
    model: { type: 'string', help: 'model (skipnet list models)', value: 'NAME' },
    input: { type: 'string', help: 'input shape without the batch: CxHxW for images, T for token models', value: 'SHAPE', default: "the model's default" },
    classes: { type: 'string', help: 'output classes', value: 'N' },
    plain: { type: 'boolean', help: 'the plain twin (skips switched off)' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  async run(values) {
    if (typeof values.model !== 'string') throw new CliError('summary: --model NAME is required', 2);
    const names = modelNames();
    if (!names.includes(values.model)) throw new CliError(`unknown model '${values.model}'; valid: ${names.join(', ')}`, 2);
    await useBackend('cpu');
    const shape = typeof values.input === 'string' ? parseShape('input', values.input) : undefined;
    const options: Record<string, unknown> = {};
    if (shape && shape.length === 3) Object.assign(options, { inChannels: shape[0], ...(shape[1] === shape[2] ? { imageSize: shape[1] } : {}) });
    if (shape && shape.length === 1) Object.assign(options, { blockSize: shape[0] });
    if (values.classes !== undefined) options.numClasses = Number(values.classes);
    if (values.plain) options.skip = false;
    let model: Module;
    try {
      model = createModel(values.model, options as never) as unknown as Module;
    } catch (e) {
      throw new CliError(`cannot build '${values.model}': ${(e as Error).message}`);
    }
    try {
      const spec = (model as unknown as { inputSpec?: { kind: string; channels?: number; size?: readonly number[]; maxLength?: number } }).inputSpec;
      const inputShape = shape
        ? [1, ...shape]
        : spec?.kind === 'tokens' ? [1, Math.min(spec.maxLength ?? 16, 16)] : [1, spec?.channels ?? 3, spec?.size?.[0] ?? 224, spec?.size?.[1] ?? 224];
      const dtype = spec?.kind === 'tokens' ? 'int32' : 'float32';
      let s;
      try {
        s = tidy(() => summary(model, inputShape, { dtype }));
      } catch (e) {
        throw new CliError(`${values.model} cannot take input ${JSON.stringify(inputShape.slice(1))}: ${(e as Error).message}`);
      }
      if (values.json) {
        console.log(JSON.stringify({ model: values.model, input: inputShape, params: s.totalParams, trainableParams: s.trainableParams, multiplyAdds: s.totalMultiplyAdds, skipConnections: s.skips, outputShape: s.outputShape, layers: s.rows.length }));
      } else {
        console.log(formatSummary(s));
      }
    } finally {
      model.dispose();
    }
  },
};
