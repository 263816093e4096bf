// The demos' training code, run in Node on the cpu backend: a few steps of each must lower
// the loss and leave no tensor behind.
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, registerBackend, setBackend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { loadMnistArrays, loadNameLists } from '@skipnet/data';
import { decodeDigits, type Digits } from './data.js';
import { NamesGpt } from './names-gpt.js';
import { PlainVsResidual } from './plain-vs-residual.js';
import { TwinTrainer } from './twin-trainer.js';
import { segmenterSpecs } from './models.js';

let digits: Digits;
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
  const { images, labels } = await loadMnistArrays('train');
  const n = 256;
  const bytes = new Uint8Array(n * 785);
  for (let i = 0; i < n * 784; i++) bytes[i] = Math.round(images[i]! * 255);
  bytes.set(Uint8Array.from(labels.subarray(0, n)), n * 784);
  digits = decodeDigits(bytes);
});

describe('demo training code', () => {
  it('decodes the MNIST subset: 14×14, normalised, labels kept', () => {
    expect(digits.n).toBe(256);
    expect(digits.x.length).toBe(256 * 196);
    expect(Math.max(...digits.y)).toBe(9);
  });

  it('plain vs residual: both losses fall, the residual one faster, with no leak', async () => {
    const before = memory().tensors;
    const s = new PlainVsResidual(digits, { depth: 8 });
    for (let i = 0; i < 40; i++) await s.trainStep();
    expect(mean(s.residual.losses.slice(-10))).toBeLessThan(mean(s.residual.losses.slice(0, 10)));
    expect(mean(s.plain.losses.slice(-10))).toBeLessThan(mean(s.plain.losses.slice(0, 10)));
    expect(s.residual.gradNorms[0]).toHaveLength(8 + 2);
    s.setBlockSkip(3, false);
    expect(s.blockSkips()).toEqual([true, true, true, false, true, true, true, true]);
    s.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('segmentation twin trainer: U-Net loss falls and masks come back', async () => {
    const before = memory().tensors;
    const t = new TwinTrainer({ task: 'segment', spec: segmenterSpecs.unet, compare: false, batchSize: 4 });
    for (let i = 0; i < 8; i++) await t.trainStep();
    expect(mean(t.runs[0]!.losses.slice(-3))).toBeLessThan(t.runs[0]!.losses[0]!);
    const masks = await t.predictMasks(new Float32Array(2 * 3 * 32 * 32), 2);
    expect(masks[0]).toHaveLength(2 * 32 * 32);
    t.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('names GPT: loss falls and samples are names over the vocabulary', async () => {
    const before = memory().tensors;
    const { train } = await loadNameLists();
    const g = new NamesGpt(train, { nLayer: 2, nEmbd: 32, batchSize: 16 });
    for (let i = 0; i < 30; i++) await g.trainStep();
    expect(mean(g.losses.slice(-5))).toBeLessThan(mean(g.losses.slice(0, 5)));
    const names = await g.sample(5);
    expect(names).toHaveLength(5);
    for (const n of names) expect(n).toMatch(/^[a-z-]*$/);
    g.dispose();
    expect(memory().tensors).toBe(before);
  });
});
