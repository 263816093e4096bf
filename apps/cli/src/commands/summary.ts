/** `skipnet summary`: the layer table of a model. */
import { formatSummary, graph, summary, tidy, type ModelSummary, type Module } from '@skipnet/core';
import { createModel, type Model } from '@skipnet/models';
import { CliError, numberOption, parseShape, type Command } from '../args.js';
import { checkModelSpec } from '../model-factory.js';
import { useBackend } from '../setup.js';

/** One layer of `summary --json`: a summary row plus the layers whose output bypasses into it. */
interface SummaryJsonRow {
  readonly name: string;
  readonly type: string;
  readonly outputShape: number[];
  readonly params: number;
  readonly multiplyAdds: number;
  /** For a skip merge: the layers (or `input`) whose outputs reach it through the shortcut. */
  readonly skipFrom: string[];
}

/**
 * The summary's rows with each merge's skip edges, from the traced graph (node `i + 1` is row
 * `i`: both record one entry per leaf call and per merge, in execution order).
 */
function rowsWithSkips(s: ModelSummary, model: Module, inputShape: number[], dtype: 'int32' | 'float32'): SummaryJsonRow[] {
  const g = tidy(() => graph(model, inputShape, { dtype }));
  const skipFrom = new Map<number, string[]>();
  for (const e of g.skipEdges) skipFrom.set(e.to, [...(skipFrom.get(e.to) ?? []), g.nodes[e.from]!.name]);
  return s.rows.map((r, i) => ({ ...r, skipFrom: skipFrom.get(i + 1) ?? [] }));
}

/** The `summary` command. */
export const summaryCommand: Command = {
  name: 'summary',
  summary: "Print a model's layers, output shapes, parameters, multiply-adds and skip connections.",
  usage: 'skipnet summary --model NAME [--input CxHxW | T] [--classes N] [--plain] [--json]',
  options: {
    model: { type: 'string', help: 'model (skipnet list models)', value: 'NAME' },
    input: {
      type: 'string',
      help: 'input shape without the batch: CxHxW for images, T for token models',
      value: 'SHAPE',
      default: "the model's own (e.g. 3x32x32 for resnet20)",
    },
    classes: { type: 'string', help: 'output classes', value: 'N' },
    plain: { type: 'boolean', help: 'the plain twin (skips switched off)' },
    json: { type: 'boolean', help: 'print one JSON object: every layer (name, type, output shape, parameters, multiply-adds, skip edges) and the totals' },
  },
  async run(values) {
    if (typeof values.model !== 'string') throw new CliError('summary: --model NAME is required', 2);
    const { name, options: variant } = checkModelSpec(values.model);
    const shape = typeof values.input === 'string' ? parseShape('input', values.input) : undefined;
    const options: Record<string, unknown> = { ...variant };
    if (shape && shape.length === 3) Object.assign(options, { inChannels: shape[0], ...(shape[1] === shape[2] ? { imageSize: shape[1] } : {}) });
    if (shape && shape.length === 1) Object.assign(options, { blockSize: shape[0] });
    if (values.classes !== undefined) options.numClasses = numberOption(values, 'classes', 0, { min: 1, integer: true });
    if (values.plain) options.skip = false;
    await useBackend('cpu');
    let model: Model;
    try {
      model = createModel(name, options as never);
    } catch (e) {
      throw new CliError(`cannot build '${values.model}': ${(e as Error).message}`);
    }
    try {
      // Without --input, the model's own example input (resnet20: 3×32×32, GPT: its context).
      const inputShape = shape ? [1, ...shape] : [...model.inputSpec.example];
      const dtype = model.inputSpec.kind === 'tokens' ? 'int32' : 'float32';
      let s: ModelSummary;
      try {
        s = tidy(() => summary(model, inputShape, { dtype }));
      } catch (e) {
        throw new CliError(`${values.model} cannot take input ${JSON.stringify(inputShape.slice(1))}: ${(e as Error).message}`);
      }
      if (values.json) {
        console.log(
          JSON.stringify({
            model: values.model,
            input: inputShape,
            outputShape: s.outputShape,
            params: s.totalParams,
            trainableParams: s.trainableParams,
            multiplyAdds: s.totalMultiplyAdds,
            skipConnections: s.skips,
            layers: rowsWithSkips(s, model, inputShape, dtype),
          }),
        );
      } else {
        console.log(formatSummary(s));
      }
    } finally {
      model.dispose();
    }
  },
};
