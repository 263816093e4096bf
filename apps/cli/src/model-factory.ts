/** Builds a registry model sized for a dataset, and checks the model can take its input. */
import type { DescribedDataset } from '@skipnet/data';
import { Detector, Seq2SeqTransformer, createModel, describeInput, inputProblem, listModels, type Model } from '@skipnet/models';
import { CliError, unknownName } from './args.js';

/** Model names of the registry. */
export function modelNames(): string[] {
  return listModels();
}

/** Builder options derived from what a dataset holds. */
export function optionsForDataset(ds: DescribedDataset): Record<string, unknown> {
  if (ds.task === 'language') {
    return { vocabSize: ds.vocab?.size ?? ds.numClasses, blockSize: ds.inputShape[0] };
  }
  // Token ids for an encoder (BERT): its vocabulary, length and [PAD] id, and a mask over the padding.
  if ((ds.task === 'masked-lm' || ds.task === 'classification') && ds.inputDType === 'int32' && ds.vocab) {
    const pad = ds.vocab.tokens.indexOf('[PAD]');
    return {
      vocabSize: ds.vocab.size,
      maxPositionEmbeddings: ds.inputShape[0],
      ...(pad >= 0 ? { padTokenId: pad, maskPadding: true } : {}),
      ...(ds.task === 'classification' ? { numClasses: ds.numClasses } : {}),
    };
  }
  if (ds.task === 'translation' && ds.translation) {
    const t = ds.translation;
    return { srcVocabSize: t.sourceTokens.length, tgtVocabSize: t.targetTokens.length, sourceLength: t.sourceLength, targetLength: t.targetLength, pad: t.pad };
  }
  const [c, h, w] = ds.inputShape as [number, number, number];
  // Detectors take any image size: their anchors follow the input.
  if (ds.task === 'detection') return { inChannels: c, numClasses: ds.numClasses };
  // Models with a fixed input size (ViT, row Transformer, MLP) take a square side.
  return { inChannels: c, numClasses: ds.numClasses, ...(h === w ? { imageSize: h } : {}) };
}

/**
 * Splits a model spec: `NAME` or `NAME:plain` (the plain twin, `{ skip: false }`), so any
 * model can be compared with its twin (`skipnet compare --models resnet56,resnet56:plain`).
 */
export function parseModelSpec(spec: string): { name: string; options: Record<string, unknown> } {
  const [name, variant, ...rest] = spec.split(':');
  if (rest.length || (variant !== undefined && variant !== 'plain'))
    throw new CliError(`model '${spec}': the only variant is ':plain' (e.g. resnet20:plain)`, 2);
  return { name: name!, options: variant === 'plain' ? { skip: false } : {} };
}

/** Parses a model spec and checks its name is in the registry (before any work starts). */
export function checkModelSpec(spec: string): { name: string; options: Record<string, unknown> } {
  const parsed = parseModelSpec(spec);
  if (!modelNames().includes(parsed.name)) throw unknownName('model', parsed.name, modelNames());
  return parsed;
}

/** Creates `name` for `ds` (plus user options); unknown names and unfit inputs fail clearly. */
export function buildModel(spec: string, ds: DescribedDataset, extra: Record<string, unknown> = {}): Model {
  const { name, options } = checkModelSpec(spec);
  let model: Model;
  try {
    model = createModel(name, { ...optionsForDataset(ds), ...extra, ...options } as never);
  } catch (e) {
    throw new CliError(`cannot build model '${name}' for dataset '${ds.name}': ${(e as Error).message}`);
  }
  // Checked before any compute: the model declares what it takes.
  const problem = inputProblem(model.inputSpec, [1, ...ds.inputShape], ds.inputDType);
  if (problem) {
    model.dispose();
    throw new CliError(
      `model '${name}' cannot take dataset '${ds.name}' (input [N, ${ds.inputShape.join(', ')}] ${ds.inputDType}: ${problem}); it expects ${describeInput(model.inputSpec)}`,
    );
  }
  // A detector needs boxes to learn from, and only a detector can learn from boxes.
  if (model instanceof Detector !== (ds.task === 'detection')) {
    model.dispose();
    const detectors = modelNames().filter((n) => /fcos|retinanet|detr/.test(n));
    throw new CliError(
      ds.task === 'detection'
        ? `model '${name}' is not a detector, but dataset '${ds.name}' is for detection; detectors: ${detectors.join(', ')}`
        : `model '${name}' is a detector, but dataset '${ds.name}' is for ${ds.task}; detectors train on detection data such as shapes-det`,
    );
  }
  // Translation needs an encoder–decoder, and only one can take its packed source and target.
  if (model instanceof Seq2SeqTransformer !== (ds.task === 'translation')) {
    model.dispose();
    throw new CliError(
      ds.task === 'translation'
        ? `model '${name}' is not an encoder–decoder, but dataset '${ds.name}' is for translation; try transformer_seq2seq_small`
        : `model '${name}' is an encoder–decoder for translation, but dataset '${ds.name}' is for ${ds.task}; it trains on translation data such as number-words`,
    );
  }
  return model;
}
