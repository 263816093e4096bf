/**
 * The detection demo's model: a detector trained by the CLI, bundled with the site as a
 * float16 safetensors file and a JSON description (written by scripts/export-detector.ts),
 * rebuilt here from the zoo and run on the active backend — once with the FPN's lateral skips
 * on and once, in the same weights, with them off.
 */
import { loadTensors, noGrad, setSkips, tensor, tidy } from '@skipnet/core';
import { createModel, FPNDetector } from '@skipnet/models';
import type { DemoSession } from './use-demo.js';
import type { FoundBoxes } from './detection-scene.js';

/** Figures of one COCO-style evaluation (the names of `@skipnet/train`'s `DetectionSummary`). */
export interface AssetEvaluation {
  AP: number;
  AP50: number;
  AP75: number;
  APsmall: number;
  APmedium: number;
  APlarge: number;
}

/** The JSON written beside the weights: what to build and what it was measured at. */
export interface DetectorAsset {
  format: 'skipnet-docs-detector';
  /** Zoo name for `createModel`. */
  model: string;
  /** Options for `createModel` (those the CLI built the model with). */
  options: Record<string, unknown>;
  /** The dataset the detector was trained on (`shapes-det`), its image size and class names by label. */
  dataset: string;
  imageSize: [number, number];
  classNames: string[];
  /** The weights file (next to this JSON), its size in bytes and its storage type. */
  weights: { file: string; bytes: number; dtype: 'F16'; parameters: number };
  /** How it was trained: the CLI command and the checkpoint's epoch, step and best validation AP. */
  training: { command: string; epochs: number; step: number; best: { monitor: string; value: number; epoch: number } | null };
  /**
   * The float16 weights evaluated on the first `scenes` test scenes of `shapes-det` (score
   * threshold 0.05, COCO AP with the dataset's size buckets), lateral skips on and off.
   */
  evaluation: { scenes: number; lateralSkipsOn: AssetEvaluation; lateralSkipsOff: AssetEvaluation };
  /** Largest |difference| of the packed head outputs between the float32 checkpoint and the float16 weights, over those scenes. */
  float16MaxAbsDiff: number;
}

/** The module path of the FPN, whose Skips are the lateral + top-down merges (`backbone.fpn.top_down.*`). */
export const LATERAL_SKIPS = 'backbone.fpn';

/** The detections of one image with the lateral skips on and with them off. */
export interface DetectionPair {
  on: FoundBoxes;
  off: FoundBoxes;
  /** Milliseconds for both forward passes and post-processing. */
  ms: number;
}

/** A loaded detector, ready to detect (no training: the demo session has no `trainStep`). */
export class DetectorSession implements DemoSession {
  readonly detector: FPNDetector;
  readonly asset: DetectorAsset;
  /** The FPN's lateral skips (three for the P2–P5 pyramid). */
  readonly lateralSkips: number;
  #disposed = false;

  /** Builds the asset's model on the active backend and loads the weights into it (strictly). */
  constructor(asset: DetectorAsset, weights: Uint8Array) {
    const model = createModel(asset.model, asset.options as never);
    if (!(model instanceof FPNDetector)) {
      model.dispose();
      throw new Error(`detector demo: '${asset.model}' is not a detector (expected e.g. fcos_small)`);
    }
    const { tensors } = loadTensors(weights, asset.weights.file);
    try {
      model.loadStateDict(tensors, { strict: true });
    } catch (e) {
      model.dispose();
      throw e;
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
    model.eval();
    this.detector = model;
    this.asset = asset;
    this.lateralSkips = setSkips(model, true, LATERAL_SKIPS);
  }

  /**
   * Detects in one `[3, H, W]` image twice — lateral skips on, then off — and leaves them on.
   * Scores at or above `scoreThreshold` are kept (class-wise NMS at the detector's default).
   */
  async detect(x: Float32Array, scoreThreshold: number): Promise<DetectionPair> {
    if (this.#disposed) throw new Error('detector demo: the session was disposed');
    const [h, w] = this.asset.imageSize;
    const t = performance.now();
    const run = async (lateral: boolean): Promise<FoundBoxes> => {
      setSkips(this.detector, lateral, LATERAL_SKIPS);
      const out = noGrad(() => tidy(() => this.detector.call(tensor(x, [1, 3, h, w]))));
      try {
        const [d] = await this.detector.postprocess(out, [h, w], { scoreThreshold });
        return d!;
      } finally {
        out.dispose();
        setSkips(this.detector, true, LATERAL_SKIPS);
      }
    };
    const on = await run(true);
    const off = await run(false);
    return { on, off, ms: performance.now() - t };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.detector.dispose();
  }
}
