/**
 * `--init`: start a run from another run's weights — pre-train, then fine-tune. Tensors the two
 * models share by name load; whole modules only one side has are a fresh head (kept as
 * initialised) or a head of the checkpoint's task (dropped); anything else is an error naming the keys.
 */
import type { DescribedDataset } from '@skipnet/data';
import type { Model } from '@skipnet/models';
import type { Tensor } from '@skipnet/core';
import { disposeCheckpoint } from '@skipnet/train';
import { loadCheckpoint } from '@skipnet/train/node';
import { CliError } from './args.js';
import { describeTraining, readCheckpointConfig, resolveCheckpointDir } from './commands/checkpoint-model.js';
import { loadDataset } from './setup.js';

/** How the tensors of a checkpoint map onto a model (see {@link planInit}). */
export interface InitPlan {
  /** Keys present on both sides with the same shape: these load. */
  readonly shared: string[];
  /** Modules of the model the checkpoint lacks entirely (`classifier`, `bert.pooler`): kept fresh. */
  readonly fresh: string[];
  /** Modules of the checkpoint the model lacks entirely (`cls`, an MLM head): left out. */
  readonly dropped: string[];
  /** What cannot be reconciled: shape mismatches, missing layers, keys missing inside a shared module. */
  readonly problems: string[];
}

/**
 * The module a key belongs to that the other side has no key under at all: the shortest dotted
 * prefix of `key` no key of `other` starts with, or null when every prefix is shared (a lone
 * parameter missing inside a shared module) or the prefix ends at a list index (a layer the
 * other side has not got: a depth mismatch, never a head).
 */
function unsharedModule(key: string, other: readonly string[]): string | null {
  const parts = key.split('.');
  for (let j = 1; j < parts.length; j++) {
    const prefix = parts.slice(0, j).join('.');
    if (other.some((k) => k.startsWith(prefix + '.'))) continue;
    return /^\d+$/.test(parts[j - 1]!) ? null : prefix;
  }
  return null;
}

/**
 * Matches a checkpoint's tensor shapes against a model's. Keys of the same name and shape are
 * `shared`; a model key the checkpoint lacks is fine when its whole module is absent there
 * (`fresh`), a checkpoint key the model lacks when its whole module is absent in the model
 * (`dropped`); everything else — a shape mismatch, a missing layer, a missing parameter of a
 * shared module — is a problem, named with its key.
 */
export function planInit(file: Readonly<Record<string, { shape: readonly number[] }>>, own: Readonly<Record<string, { shape: readonly number[] }>>): InitPlan {
  const fileKeys = Object.keys(file);
  const ownKeys = Object.keys(own);
  const shared: string[] = [];
  const fresh = new Set<string>();
  const dropped = new Set<string>();
  const problems: string[] = [];
  for (const k of ownKeys) {
    const f = file[k];
    if (f) {
      const o = own[k]!.shape;
      if (f.shape.join('x') === o.join('x')) shared.push(k);
      else problems.push(`${k} is [${f.shape.join(', ')}] in the checkpoint but [${o.join(', ')}] in the model`);
      continue;
    }
    const m = unsharedModule(k, fileKeys);
    if (m === null) problems.push(`${k} is missing from the checkpoint`);
    else fresh.add(m);
  }
  for (const k of fileKeys) {
    if (k in own) continue;
    const m = unsharedModule(k, ownKeys);
    if (m === null) problems.push(`${k} of the checkpoint has no place in the model`);
    else dropped.add(m);
  }
  return { shared, fresh: [...fresh], dropped: [...dropped], problems };
}

/**
 * Loads the weights of the run or checkpoint at `path` into `model` (built for `dataset`), as
 * {@link planInit} matches them, and returns a line saying what loaded. A checkpoint that shares
 * no weights with the model (another kind of model), has tensors that do not fit, or was trained
 * on data with another vocabulary is a CLI error naming the keys or the tokens.
 */
export async function initFromCheckpoint(model: Model, path: string, dataset: DescribedDataset): Promise<string> {
  const dir = resolveCheckpointDir(path, '--init');
  const saved = readCheckpointConfig(dir, '--init');
  const what = describeTraining(saved);
  let ckpt;
  try {
    ckpt = await loadCheckpoint(dir);
  } catch (e) {
    throw new CliError(`--init: ${(e as Error).message}`);
  }
  try {
    const own = model.stateDict();
    const plan = planInit(ckpt.model, own);
    if (plan.shared.length === 0) {
      throw new CliError(
        `--init: ${dir} holds ${what}, which shares no weights with '${model.modelName}' (checkpoint keys such as ${Object.keys(ckpt.model).slice(0, 2).join(', ')}; ` +
          `the model's ${Object.keys(own).slice(0, 2).join(', ')}); --init takes a run of the same family, e.g. bert_mlm before bert_cls`,
      );
    }
    // Token ids mean what the vocabulary says: an embedding table of another vocabulary would load but mean nothing.
    if (dataset.vocab && typeof saved.dataset === 'string' && saved.dataset !== dataset.name) {
      const source = await loadDataset(saved.dataset, 'test');
      if (source.vocab && source.vocab.tokens.join('\u0000') !== dataset.vocab.tokens.join('\u0000')) {
        throw new CliError(
          `--init: ${dir} holds ${what}, whose vocabulary (${source.vocab.size} tokens) is not that of '${dataset.name}' (${dataset.vocab.size} tokens)`,
        );
      }
    }
    if (plan.problems.length) {
      const shown = plan.problems.slice(0, 4).join('; ');
      throw new CliError(
        `--init: ${dir} holds ${what}, which does not fit '${model.modelName}': ${plan.problems.length} tensor(s) do not match (${shown}${plan.problems.length > 4 ? '; …' : ''}). Build the model with the checkpoint's --model-options.`,
      );
    }
    const weights: Record<string, Tensor> = Object.fromEntries(plan.shared.map((k) => [k, ckpt.model[k]!]));
    model.loadStateDict(weights, { strict: false });
    const parts = [plan.fresh.length ? `fresh: ${plan.fresh.join(', ')}` : '', plan.dropped.length ? `left out: ${plan.dropped.join(', ')}` : ''].filter(
      Boolean,
    );
    return `skipnet: initialised ${plan.shared.length} tensors from ${what} (${dir})${parts.length ? `; ${parts.join('; ')}` : ''}`;
  } finally {
    disposeCheckpoint(ckpt);
  }
}
