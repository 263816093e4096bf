/**
 * Task-aware cross-entropy: one loss for classification, segmentation and language
 * modelling, differing only in where the class axis sits.
 */
import { crossEntropy, reshape, type Tensor } from '@skipnet/core';

/**
 * What the model predicts; decides the logits/targets layout. Same names as `@skipnet/data`'s
 * `Task`. Detection has no task loss: its loss comes from the detector (see {@link taskLoss}).
 */
export type Task = 'classification' | 'segmentation' | 'language' | 'detection' | 'translation' | 'masked-lm';

/** Options of {@link taskLoss}. */
export interface LossOptions {
  /** Mix targets with the uniform distribution by this much (default 0). */
  labelSmoothing?: number;
  /** Target value that contributes nothing: padding tokens, void pixels (default -100, like PyTorch). */
  ignoreIndex?: number;
}

/** A custom loss: logits and targets of one batch to a scalar. */
export type LossFn = (logits: Tensor, targets: Tensor) => Tensor;

/** Tasks whose logits are `[N, T, V]` over token positions: language, translation, masked-LM. */
function isTokenTask(task: Task): boolean {
  return task === 'language' || task === 'translation' || task === 'masked-lm';
}

/**
 * The class axis of `task`'s logits: 1 for classification and segmentation, 2 (last) for
 * language, translation and masked-LM (a translation model's logits are `[N, T, V]` over the
 * decoder positions, a masked LM's over every input position, as a language model's).
 */
export function classAxis(task: Task): number {
  return isTokenTask(task) ? 2 : 1;
}

/**
 * Checks that logits and targets have `task`'s ranks and matching sizes. @internal
 * @throws Error naming the expected and actual shapes.
 */
export function checkLayout(logits: Tensor, targets: Tensor, task: Task): void {
  if (task === 'detection') throw new Error(detectionLossError);
  const expect = task === 'classification' ? 2 : task === 'segmentation' ? 4 : 3;
  const axis = classAxis(task);
  const want = task === 'classification' ? '[N, C] and [N]' : task === 'segmentation' ? '[N, C, H, W] and [N, H, W]' : '[N, T, V] and [N, T]';
  const rest = logits.shape.filter((_, i) => i !== axis);
  if (logits.rank !== expect || targets.rank !== expect - 1 || rest.some((d, i) => d !== targets.shape[i])) {
    throw new Error(`${task}: expected logits and targets of shapes ${want}, got [${logits.shape.join(', ')}] and [${targets.shape.join(', ')}]`);
  }
}

/**
 * Flattens logits to `[M, C]` and targets to `[M]` for the given task:
 * classification `[N, C]`/`[N]` (unchanged), segmentation `[N, C, H, W]`/`[N, H, W]`
 * (class axis moved last, which copies), language `[N, T, V]`/`[N, T]` (views).
 * @throws Error when the shapes do not fit the task.
 */
export function flattenLogits(logits: Tensor, targets: Tensor, task: Task): { logits: Tensor; targets: Tensor } {
  checkLayout(logits, targets, task);
  if (task === 'classification') return { logits, targets };
  if (isTokenTask(task)) {
    const v = logits.shape[2]!;
    return { logits: reshape(logits, [-1, v]), targets: reshape(targets, [-1]) };
  }
  const c = logits.shape[1]!;
  return { logits: reshape(logits.permute([0, 2, 3, 1]), [-1, c]), targets: reshape(targets, [-1]) };
}

const detectionLossError =
  'detection: there is no task loss; the detector computes it from its head outputs and the padded boxes — pass `loss: (out, y) => detector.loss(out, y, [H, W])`';

/**
 * Mean cross-entropy over the non-ignored targets of a batch, for `task`'s layout (see
 * {@link flattenLogits}). Classification and segmentation call core's `crossEntropy`
 * directly (it takes `[N, C, ...]`); language and translation logits are flattened to
 * `[N·T, V]` first (translation targets past `<eos>` are the ignore index; masked-LM targets
 * are the ignore index everywhere but the masked positions, so only those count, as in BERT).
 */
export function taskLoss(logits: Tensor, targets: Tensor, task: Task, options: LossOptions = {}): Tensor {
  if (task === 'detection') throw new Error(detectionLossError);
  const ce = { labelSmoothing: options.labelSmoothing ?? 0, ignoreIndex: options.ignoreIndex ?? -100 };
  if (isTokenTask(task)) {
    const flat = flattenLogits(logits, targets, task);
    return crossEntropy(flat.logits, flat.targets, ce);
  }
  checkLayout(logits, targets, task); // core's crossEntropy takes [N, C, ...] as is
  return crossEntropy(logits, targets, ce);
}
