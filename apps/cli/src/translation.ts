/**
 * What the CLI does for translation runs: exact-match accuracy of greedy decoding as the
 * validation metric, and translating the text a user gives.
 */
import { contiguous, noGrad, slice, tidy, tensor, type Tensor } from '@skipnet/core';
import type { DescribedDataset, TranslationInfo } from '@skipnet/data';
import { Seq2SeqTransformer, beamSearchDecode, greedyDecode, type Model } from '@skipnet/models';
import { ExactMatch, type TrainerOptions } from '@skipnet/train';
import { CliError } from './args.js';

/** The translation layout of a dataset, or a CLI error when it has none. */
export function translationInfo(dataset: DescribedDataset): TranslationInfo {
  if (!dataset.translation) throw new CliError(`dataset '${dataset.name}' is for translation but does not describe its sequences (no translation info)`);
  return dataset.translation;
}

/** The translation model behind `model`, or a CLI error naming the mismatch. */
export function asSeq2Seq(model: Model, dataset: DescribedDataset): Seq2SeqTransformer {
  if (!(model instanceof Seq2SeqTransformer)) {
    throw new CliError(
      `model '${model.modelName}' is not an encoder–decoder, but dataset '${dataset.name}' is for translation; try --model transformer_seq2seq_small`,
    );
  }
  return model;
}

/** Greedy translations of the packed inputs `[N, S + T]` (only the source part is read). */
export async function greedyTranslate(model: Seq2SeqTransformer, inputs: Tensor, info: TranslationInfo): Promise<number[][]> {
  const n = inputs.shape[0]!;
  const src = noGrad(() => tidy(() => contiguous(slice(inputs, [0, 0], [n, info.sourceLength]))));
  try {
    return await greedyDecode(model, src, { bos: info.bos, eos: info.eos, maxLength: info.targetLength });
  } finally {
    src.dispose();
  }
}

/**
 * The trainer options of a translation run: the teacher-forced token accuracy (the task's
 * default) plus `exactMatch`, the fraction of samples whose greedy decoding is exactly right;
 * metrics only on validation, since decoding every training batch would cost more than the step.
 */
export function translationTrainerOptions(model: Model, dataset: DescribedDataset): Pick<TrainerOptions, 'metrics' | 'trainMetrics'> {
  const seq2seq = asSeq2Seq(model, dataset);
  const info = translationInfo(dataset);
  return {
    metrics: ['accuracy', () => new ExactMatch({ eos: info.eos, decode: (inputs) => greedyTranslate(seq2seq, inputs, info) })],
    trainMetrics: false,
  };
}

/** Options of {@link translateText}. */
export interface TranslateOptions {
  /** Beam width; 1 (default) is greedy decoding. */
  beamWidth?: number;
  /** Length-normalisation exponent of beam search (default 1). */
  lengthPenalty?: number;
}

/**
 * Translates `text` with a trained model: the source is checked and encoded by the dataset
 * (a text it cannot encode is a CLI error saying why), then decoded greedily or by beam search.
 */
export async function translateText(model: Seq2SeqTransformer, dataset: DescribedDataset, text: string, options: TranslateOptions = {}): Promise<string> {
  const info = translationInfo(dataset);
  let ids: Int32Array;
  try {
    ids = info.encodeSource(text);
  } catch (e) {
    throw new CliError(`--input: ${(e as Error).message}`);
  }
  model.eval();
  const src = tensor(ids, [1, info.sourceLength], { dtype: 'int32' });
  try {
    const width = options.beamWidth ?? 1;
    const decode = { bos: info.bos, eos: info.eos, maxLength: info.targetLength };
    const tokens =
      width === 1
        ? (await greedyDecode(model, src, decode))[0]!
        : (await beamSearchDecode(model, src, { ...decode, beamWidth: width, lengthPenalty: options.lengthPenalty ?? 1 }))[0]!.tokens;
    return info.decodeTarget(tokens);
  } finally {
    src.dispose();
  }
}

/** Up to `count` test samples as `source → translation (✓ | expected …)` lines, for the end of a run. */
export async function translationExamples(model: Seq2SeqTransformer, dataset: DescribedDataset, count = 5): Promise<string[]> {
  const info = translationInfo(dataset);
  const lines: string[] = [];
  for (let i = 0; i < Math.min(count, dataset.length); i++) {
    const s = dataset.get(i);
    const source = Array.from(s.x.subarray(0, info.sourceLength), (id) => (id === info.pad ? '' : info.sourceTokens[id]!)).join('');
    const expected = info.decodeTarget(Array.from(s.y, (id) => (id < 0 ? info.pad : id)));
    const got = await translateText(model, dataset, source);
    lines.push(`${source} → ${got}${got === expected ? ' ✓' : `  (expected: ${expected})`}`);
  }
  return lines;
}
