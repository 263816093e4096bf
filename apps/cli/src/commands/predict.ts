/** `skipnet predict`: run a checkpoint on a file the user brings. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { noGrad, tensor, tidy } from '@skipnet/core';
import type { DescribedDataset } from '@skipnet/data';
import { decodeImage, imageToChw } from '@skipnet/data/node';
import { PNG } from 'pngjs';
import { CliError, numberOption, type Command } from '../args.js';
import { useBackend } from '../setup.js';
import { sampleNames } from '../sample.js';
import { restoreModel } from './checkpoint-model.js';
import { SHOW_SCORE_THRESHOLD, asDetector, detectImage, detectionRows, drawDetectionsPng } from '../detection.js';
import { asSeq2Seq, translateText } from '../translation.js';

/** The `predict` command. */
export const predictCommand: Command = {
  name: 'predict',
  summary:
    'Classify an image, segment it (writes a mask PNG), detect objects (writes the boxes drawn on it), sample names from a text prefix, or translate a text (--input "4071").',
  usage: 'skipnet predict --checkpoint PATH --input FILE|TEXT [--top K] [--out FILE] [--beam K] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'run directory or checkpoint directory', value: 'PATH' },
    input: {
      type: 'string',
      help: 'PNG/JPEG image, a text file with a name prefix for language models, or the text itself for translation models',
      value: 'FILE|TEXT',
    },
    beam: { type: 'string', help: 'translation: beam width (1 = greedy decoding)', value: 'K', default: '1' },
    top: { type: 'string', help: 'classes to show', value: 'K', default: '5' },
    out: {
      type: 'string',
      help: 'segmentation: where to write the predicted mask PNG; detection: the image with its boxes (never over an existing file)',
      value: 'FILE',
      default: '<input>.mask.png, or <input>.boxes.png for detection',
    },
    'min-score': { type: 'string', help: 'detection: report detections scoring at least this', value: 'P', default: String(SHOW_SCORE_THRESHOLD) },
    invert: { type: 'boolean', help: 'invert the image (1 − value) before predicting, e.g. dark-on-light drawings for MNIST' },
    backend: { type: 'string', help: 'backend', value: 'NAME' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  async run(values) {
    if (typeof values.checkpoint !== 'string') throw new CliError('predict: --checkpoint PATH is required', 2);
    if (typeof values.input !== 'string') throw new CliError('predict: --input FILE is required', 2);
    const input = values.input;
    const top = numberOption(values, 'top', 5, { min: 1, integer: true });
    const minScore = numberOption(values, 'min-score', SHOW_SCORE_THRESHOLD, { min: 0, max: 1 });
    const beamWidth = numberOption(values, 'beam', 1, { min: 1, integer: true, max: 64 });
    await useBackend(values.backend as string | undefined);
    const { model, config, dataset } = await restoreModel(values.checkpoint);
    // Translation reads the text itself; every other task reads a file.
    if (dataset.task === 'translation') {
      try {
        const translation = await translateText(asSeq2Seq(model, dataset), dataset, input, { beamWidth });
        console.log(values.json ? JSON.stringify({ model: config.model, input, translation, beamWidth }) : translation);
      } finally {
        model.dispose();
      }
      return;
    }
    if (!existsSync(input)) {
      model.dispose();
      throw new CliError(`--input: ${input} does not exist`);
    }
    // Checked before any compute: a mask or drawing never replaces a file that is already there.
    const maskFile = typeof values.out === 'string' ? values.out : `${input}.${dataset.task === 'detection' ? 'boxes' : 'mask'}.png`;
    if ((dataset.task === 'segmentation' || dataset.task === 'detection') && existsSync(maskFile)) {
      model.dispose();
      throw new CliError(`--out: ${maskFile} already exists; skipnet does not overwrite files. Choose another --out (or remove that file yourself)`);
    }
    try {
      if (dataset.task === 'language') {
        const prefix = readFileSync(input, 'utf8').trim().toLowerCase();
        let names: string[];
        try {
          names = await sampleNames(model, dataset, { count: 10, seed: 0, prefix });
        } catch (e) {
          throw new CliError(`--input: ${input}: ${(e as Error).message}`);
        }
        console.log(values.json ? JSON.stringify({ model: config.model, prefix, samples: names }) : names.join('\n'));
        return;
      }
      const [c, h, w] = dataset.inputShape as [number, number, number];
      let chw: Float32Array;
      try {
        const image = decodeImage(readFileSync(input), input);
        chw = imageToChw(image, { channels: c as 1 | 3 | 4, size: [h, w] }).x;
      } catch (e) {
        throw new CliError(`--input: ${(e as Error).message}`);
      }
      if (values.invert) chw = chw.map((v) => 1 - v);
      const polarity = values.invert ? undefined : polarityWarning(chw, dataset);
      if (polarity) process.stderr.write(`skipnet: note: ${polarity}\n`);
      if (dataset.task === 'detection') {
        const shape = [c, h, w] as const;
        const rows = detectionRows(await detectImage(asDetector(model, dataset), chw, shape, minScore), dataset.classNames);
        // Drawn at 4x so thin boxes on a 128-px scene stay visible.
        writeFileSync(maskFile, drawDetectionsPng(chw, shape, rows, 4));
        const fmtBox = (b: readonly number[]) => `[${b.map((v) => v.toFixed(1)).join(', ')}]`;
        console.log(
          values.json
            ? JSON.stringify({ model: config.model, image: maskFile, minScore, detections: rows, ...(polarity ? { warning: polarity } : {}) })
            : `${rows.length} detection${rows.length === 1 ? '' : 's'} scoring at least ${minScore} (boxes x1, y1, x2, y2 in pixels of the ${w}x${h} input):\n` +
                rows.map((r) => `${r.name.padEnd(10)} ${(100 * r.score).toFixed(1).padStart(5)}%  ${fmtBox(r.box)}`).join('\n') +
                `\nboxes drawn in ${maskFile}`,
        );
        return;
      }
      const probs = noGrad(() => tidy(() => model.call(tensor(chw, [1, c, h, w])).softmax(1)));
      const p = await probs.data();
      probs.dispose();
      if (dataset.task === 'segmentation') {
        const k = dataset.numClasses;
        const mask = new Uint8Array(h * w);
        const counts = new Array<number>(k).fill(0);
        for (let i = 0; i < h * w; i++) {
          let best = 0;
          for (let j = 1; j < k; j++) if (p[j * h * w + i]! > p[best * h * w + i]!) best = j;
          mask[i] = best;
          counts[best]!++;
        }
        const out = maskFile;
        const png = new PNG({ width: w, height: h });
        for (let i = 0; i < h * w; i++) {
          const v = Math.round((mask[i]! * 255) / Math.max(k - 1, 1));
          png.data.set([v, v, v, 255], i * 4);
        }
        writeFileSync(out, PNG.sync.write(png));
        const names = dataset.classNames ?? counts.map((_, i) => String(i));
        const fractions = Object.fromEntries(counts.map((n, i) => [names[i]!, n / (h * w)]));
        console.log(
          values.json
            ? JSON.stringify({ model: config.model, mask: out, classFractions: fractions, ...(polarity ? { warning: polarity } : {}) })
            : `mask written to ${out}\n${Object.entries(fractions)
                .map(([n, f]) => `${n.padEnd(12)} ${(100 * f).toFixed(1)}%`)
                .join('\n')}`,
        );
        return;
      }
      const ranked = Array.from(p, (v, i) => [i, v] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, top);
      const names = dataset.classNames;
      if (values.json)
        console.log(
          JSON.stringify({
            model: config.model,
            top: ranked.map(([i, v]) => ({ class: i, name: names?.[i] ?? String(i), probability: v })),
            ...(polarity ? { warning: polarity } : {}),
          }),
        );
      else console.log(ranked.map(([i, v]) => `${(names?.[i] ?? String(i)).padEnd(10)} ${(100 * v).toFixed(2)}%`).join('\n'));
    } finally {
      model.dispose();
    }
  },
};

/** Mean of the outer frame (2 pixels wide) of each CHW image: the background's brightness. */
function borderMean(x: ArrayLike<number>, [c, h, w]: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < c!; k++) {
    for (let i = 0; i < h!; i++) {
      for (let j = 0; j < w!; j++) {
        if (i >= 2 && i < h! - 2 && j >= 2 && j < w! - 2) continue;
        sum += x[(k * h! + i) * w! + j]!;
        n++;
      }
    }
  }
  return n ? sum / n : 0;
}

/**
 * Says when an image's background is light where the dataset's is dark (or the reverse) —
 * a drawn digit is dark on white, MNIST's are white on black — so the user knows to `--invert`.
 */
function polarityWarning(chw: Float32Array, dataset: DescribedDataset): string | undefined {
  const shape = dataset.inputShape;
  const count = Math.min(dataset.length, 64);
  let datasetBorder = 0;
  for (let i = 0; i < count; i++) datasetBorder += borderMean(dataset.get(i).x, shape) / count;
  const imageBorder = borderMean(chw, shape);
  const light = (v: number) => v > 0.5;
  if (Math.abs(imageBorder - datasetBorder) < 0.5 || light(imageBorder) === light(datasetBorder)) return undefined;
  const tone = (v: number) => (light(v) ? 'a light background' : 'a dark background');
  return `the image has ${tone(imageBorder)} but ${dataset.name} images have ${tone(datasetBorder)}: it looks inverted for this model; pass --invert to flip it`;
}
