/**
 * What the CLI does for detection runs: the trainer's loss and AP metric from the detector,
 * the detections of one image, and a PNG with the boxes drawn. The other tasks use the
 * trainer's defaults (see {@link taskTrainerOptions}).
 */
import { noGrad, tensor, tidy } from '@skipnet/core';
import { unpadBoxes, type DescribedDataset } from '@skipnet/data';
import { Detector, type Detections, type Model } from '@skipnet/models';
import { DetectionAP, type MetricSpec, type TrainerOptions } from '@skipnet/train';
import { PNG } from 'pngjs';
import { CliError } from './args.js';
import type { ReportSample } from './report.js';
import { translationTrainerOptions } from './translation.js';

/** Scores below this are not worth evaluating: COCO evaluations keep detections down to 0.05. */
export const EVAL_SCORE_THRESHOLD = 0.05;

/** Scores at or above this are reported by `predict` and drawn in reports. */
export const SHOW_SCORE_THRESHOLD = 0.4;

/** The detector behind `model`, or a CLI error naming the mismatch. */
export function asDetector(model: Model, dataset: DescribedDataset): Detector {
  if (!(model instanceof Detector)) {
    throw new CliError(`model '${model.modelName}' is not a detector, but dataset '${dataset.name}' is for detection; try --model fcos_small`);
  }
  return model;
}

/** The `[H, W]` of a dataset's images. */
export function imageSizeOf(dataset: DescribedDataset): [number, number] {
  const [, h, w] = dataset.inputShape as [number, number, number];
  return [h, w];
}

/**
 * The trainer options a task needs beyond the defaults: for detection the detector's loss,
 * COCO AP (with the dataset's size buckets) as the validation metric and no training
 * metrics (AP needs post-processing, too costly per step); for translation exact match of
 * greedy decoding (see `translationTrainerOptions`); nothing for the others.
 * `onMetric` sees each AP metric the trainer creates (for the full table after `evaluate`).
 */
export function taskTrainerOptions(
  model: Model,
  dataset: DescribedDataset,
  onMetric?: (metric: DetectionAP) => void,
): Pick<TrainerOptions, 'loss' | 'metrics' | 'trainMetrics'> {
  if (dataset.task === 'translation') return translationTrainerOptions(model, dataset);
  if (dataset.task !== 'detection') return {};
  const detector = asDetector(model, dataset);
  const size = imageSizeOf(dataset);
  const metric: MetricSpec = () => {
    const m = new DetectionAP({
      postprocess: (out) => detector.postprocess(out, size, { scoreThreshold: EVAL_SCORE_THRESHOLD }),
      numClasses: dataset.numClasses,
      ...(dataset.classNames ? { classNames: dataset.classNames } : {}),
      ...(dataset.areaRanges ? { areaRanges: dataset.areaRanges } : {}),
    });
    onMetric?.(m);
    return m;
  };
  return { loss: (out, y) => detector.loss(out, y, size), metrics: [metric], trainMetrics: false };
}

/** The detections of one `[C, H, W]` image, at or above `minScore`. */
export async function detectImage(detector: Detector, chw: Float32Array, shape: readonly [number, number, number], minScore: number): Promise<Detections> {
  const [c, h, w] = shape;
  const out = noGrad(() => tidy(() => detector.call(tensor(chw, [1, c, h, w]))));
  try {
    const [d] = await detector.postprocess(out, [h, w], { scoreThreshold: minScore });
    return d!;
  } finally {
    out.dispose();
  }
}

/** One detection as the CLI prints it. */
export interface DetectionRow {
  label: number;
  name: string;
  score: number;
  box: [number, number, number, number];
}

/** Detections as rows, best first, with class names. */
export function detectionRows(d: Detections, classNames: readonly string[] | undefined): DetectionRow[] {
  return Array.from(d.scores, (score, i) => ({
    label: d.labels[i]!,
    name: classNames?.[d.labels[i]!] ?? String(d.labels[i]),
    score,
    box: [d.boxes[i * 4]!, d.boxes[i * 4 + 1]!, d.boxes[i * 4 + 2]!, d.boxes[i * 4 + 3]!] as [number, number, number, number],
  })).sort((a, b) => b.score - a.score);
}

/** Distinct, saturated colours per class (RGB 0–255). */
export function classColour(label: number): [number, number, number] {
  const palette: [number, number, number][] = [
    [255, 64, 64],
    [64, 200, 255],
    [255, 220, 0],
    [80, 255, 120],
    [255, 96, 255],
    [255, 160, 32],
  ];
  return palette[label % palette.length]!;
}

/**
 * A PNG of the `[C, H, W]` image (values in [0, 1]) scaled up `scale` times, with each
 * detection's box outlined in its class colour.
 */
export function drawDetectionsPng(chw: Float32Array, shape: readonly [number, number, number], rows: readonly DetectionRow[], scale = 1): Buffer {
  const [c, h, w] = shape;
  const W = w * scale;
  const H = h * scale;
  const png = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = Math.floor(y / scale) * w + Math.floor(x / scale);
      const v = [0, 1, 2].map((k) => Math.round(255 * Math.min(1, Math.max(0, chw[(c === 1 ? 0 : k) * h * w + p]!))));
      png.data.set([v[0]!, v[1]!, v[2]!, 255], (y * W + x) * 4);
    }
  }
  for (const r of rows) {
    const [r0, g0, b0] = classColour(r.label);
    const x1 = Math.max(0, Math.min(W - 1, Math.round(r.box[0] * scale)));
    const y1 = Math.max(0, Math.min(H - 1, Math.round(r.box[1] * scale)));
    const x2 = Math.max(0, Math.min(W - 1, Math.round(r.box[2] * scale) - 1));
    const y2 = Math.max(0, Math.min(H - 1, Math.round(r.box[3] * scale) - 1));
    const set = (x: number, y: number) => png.data.set([r0, g0, b0, 255], (y * W + x) * 4);
    for (let x = x1; x <= x2; x++) {
      set(x, y1);
      set(x, y2);
    }
    for (let y = y1; y <= y2; y++) {
      set(x1, y);
      set(x2, y);
    }
  }
  return PNG.sync.write(png);
}

/**
 * The first `count` images of `dataset` for a report: each its ground truth beside the
 * detector's predictions scoring at least {@link SHOW_SCORE_THRESHOLD}.
 */
export async function detectionReportSamples(detector: Detector, dataset: DescribedDataset, count = 6): Promise<ReportSample[]> {
  const shape = dataset.inputShape as [number, number, number];
  const samples: ReportSample[] = [];
  for (let i = 0; i < Math.min(count, dataset.length); i++) {
    const s = dataset.get(i);
    const chw = Float32Array.from(s.x);
    const truth = unpadBoxes(s.y, s.yShape);
    const truthRows = detectionRows({ ...truth, scores: new Float32Array(truth.labels.length).fill(1) }, dataset.classNames);
    const predicted = detectionRows(await detectImage(detector, chw, shape, SHOW_SCORE_THRESHOLD), dataset.classNames);
    const png = (rows: readonly DetectionRow[]) => `data:image/png;base64,${drawDetectionsPng(chw, shape, rows, 2).toString('base64')}`;
    samples.push({
      pictures: [
        { src: png(truthRows), caption: `test image ${i}: ground truth (${truthRows.length})` },
        { src: png(predicted), caption: `predicted (${predicted.length} at score ≥ ${SHOW_SCORE_THRESHOLD})` },
      ],
    });
  }
  return samples;
}
