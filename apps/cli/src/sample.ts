/** Sampling from a character language model (the GPT on `names`). */
import { noGrad, tensor, tidy, type Tensor } from '@skipnet/core';
import type { Model } from '@skipnet/models';
import { Rng, type DescribedDataset } from '@skipnet/data';

/**
 * Samples `count` names: start from the boundary token, draw each next character from the
 * model's softmax (temperature-scaled, seeded), stop at the next boundary.
 */
export async function sampleNames(
  model: Model,
  ds: DescribedDataset,
  options: { count: number; seed: number; temperature?: number; prefix?: string; maxLength?: number },
): Promise<string[]> {
  const vocab = ds.vocab;
  if (!vocab || vocab.boundary === undefined) throw new Error(`dataset '${ds.name}' has no vocabulary with a boundary token to sample from`);
  const block = ds.inputShape[0]!;
  const rng = new Rng(options.seed, 0x53414d50);
  const temperature = options.temperature ?? 0.8;
  const maxLength = options.maxLength ?? 24;
  model.eval();
  const names: string[] = [];
  for (let n = 0; n < options.count; n++) {
    const ids: number[] = [vocab.boundary, ...Array.from(vocab.encode(options.prefix ?? ''))];
    while (ids.length - 1 < maxLength) {
      const context: number[] = ids.slice(-block);
      const logits: Tensor = noGrad(() =>
        tidy(() => {
          const out = model.call(tensor(Int32Array.from(context), [1, context.length], { dtype: 'int32' }));
          return out
            .slice([0, context.length - 1, 0], [1, 1, -1])
            .reshape([-1])
            .div(temperature)
            .softmax();
        }),
      );
      const p: ArrayLike<number> = await logits.data();
      logits.dispose();
      let u = rng.float();
      let next: number = p.length - 1;
      for (let i = 0; i < p.length; i++) {
        u -= p[i]!;
        if (u <= 0) {
          next = i;
          break;
        }
      }
      if (next === vocab.boundary) break;
      ids.push(next);
    }
    names.push(vocab.decode(ids.slice(1)));
  }
  return names;
}
