/**
 * Static data for the browser demos, so a page fetches a few hundred kilobytes instead of
 * importing the 21 MB `mnist` package: the first digits of @skipnet/data's fixed MNIST splits
 * as bytes, and the `names` training list as text.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadMnistArrays, loadNameLists } from '@skipnet/data';

/** Digits per split in the demo subset. */
export const MNIST_SUBSET = { train: 1024, test: 256 } as const;

/** `[n·784]` pixels quantised to bytes, then `[n]` labels. */
function encodeMnist(images: Float32Array, labels: Int32Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 785);
  for (let i = 0; i < n * 784; i++) out[i] = Math.round(Math.min(1, Math.max(0, images[i]!)) * 255);
  for (let i = 0; i < n; i++) out[n * 784 + i] = labels[i]!;
  return out;
}

export async function generateDemoData(outDir: string, log: (s: string) => void): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const files = ['mnist-train.bin', 'mnist-test.bin', 'names-train.txt'].map((f) => path.join(outDir, f));
  if (files.every(existsSync)) {
    log('demo data: cached');
    return;
  }
  for (const split of ['train', 'test'] as const) {
    const { images, labels } = await loadMnistArrays(split);
    writeFileSync(path.join(outDir, `mnist-${split}.bin`), encodeMnist(images, labels, MNIST_SUBSET[split]));
  }
  const names = await loadNameLists();
  writeFileSync(path.join(outDir, 'names-train.txt'), names.train.join('\n'));
  log(`demo data: ${MNIST_SUBSET.train}+${MNIST_SUBSET.test} MNIST digits, ${names.train.length} names`);
}
