/**
 * The detection demo's scene and its bookkeeping, with no tensor code: a `shapes-det` scene
 * from @skipnet/data (or a blank background) that the reader can draw more shapes on, whose
 * ground-truth boxes are recomputed from an instance map exactly as `shapes-det` computes
 * them; and what a detector found — detections matched to the ground truth, and the detections
 * one run (lateral skips on) has that another (skips off) lacks.
 */
import { Rng, renderShapesDetScene, SHAPES_DET_AREA_RANGES } from '@skipnet/data';

/** Side of the scenes, in pixels (the size the demo's detector was trained on). */
export const SCENE_SIDE = 128;
/** Standard deviation of the pixel noise, as in `shapes-det`. */
const NOISE = 0.05;
/** Objects keep at least this fraction of their pixels visible, as in `shapes-det`; more hidden ones are no longer ground truth. */
const MIN_VISIBLE = 0.5;
/** Undo steps kept. */
const HISTORY = 30;

// The `shapes` geometry of @skipnet/data (not exported by the package): `r` is the radius of
// the circle of the same area; a square has half-side r·√π/2, an equilateral triangle the
// circumradius r·√(4π/(3√3)). The tests check this copy against renderShapesDetScene.
const SQUARE_HALF = Math.sqrt(Math.PI) / 2;
const TRIANGLE_CIRCUMRADIUS = Math.sqrt((4 * Math.PI) / (3 * Math.sqrt(3)));

/** Where a shape lies: centre, equal-area radius and (triangles) the angle of the first vertex. */
export interface Placement {
  cx: number;
  cy: number;
  r: number;
  angle: number;
}

/** One object of a scene: its class (0 circle, 1 square, 2 triangle) and placement. */
export interface SceneObject {
  label: number;
  placement: Placement;
  /** Pixels it covers when nothing hides it. */
  area: number;
}

/** Largest distance from a shape's centre to its outline, as a multiple of `r`. */
export function extentFactor(label: number): number {
  return label === 0 ? 1 : label === 1 ? SQUARE_HALF * Math.SQRT2 : TRIANGLE_CIRCUMRADIUS;
}

/** Whether point (px, py) lies inside the shape (boundary included), as `shapes-det` decides it. */
export function insideShape(label: number, p: Placement, px: number, py: number): boolean {
  const dx = px - p.cx;
  const dy = py - p.cy;
  if (label === 0) return dx * dx + dy * dy <= p.r * p.r;
  if (label === 1) return Math.abs(dx) <= p.r * SQUARE_HALF && Math.abs(dy) <= p.r * SQUARE_HALF;
  const inradius = (p.r * TRIANGLE_CIRCUMRADIUS) / 2;
  for (let v = 0; v < 3; v++) {
    const a = p.angle + (v * 2 * Math.PI) / 3 + Math.PI;
    if (dx * Math.cos(a) + dy * Math.sin(a) > inradius) return false;
  }
  return true;
}

/** The pixels `i·size + j` whose centres lie inside the shape. */
export function shapePixels(label: number, p: Placement, size = SCENE_SIDE): number[] {
  const extent = p.r * extentFactor(label);
  const out: number[] = [];
  const x0 = Math.max(0, Math.floor(p.cx - extent));
  const x1 = Math.min(size - 1, Math.ceil(p.cx + extent));
  const y0 = Math.max(0, Math.floor(p.cy - extent));
  const y1 = Math.min(size - 1, Math.ceil(p.cy + extent));
  for (let i = y0; i <= y1; i++) for (let j = x0; j <= x1; j++) if (insideShape(label, p, j + 0.5, i + 0.5)) out.push(i * size + j);
  return out;
}

/** Boxes and labels of a scene's visible objects (the `[x1, y1, x2, y2]` rows of `shapes-det`). */
export interface GroundTruth {
  /** `[K·4]` tight boxes of the visible pixels, in pixels. */
  boxes: Float32Array;
  labels: Int32Array;
}

/**
 * A 128×128 RGB scene the reader edits: a `shapes-det` test scene or a blank background, plus
 * the shapes drawn on it, each painted over what is below (colour plus the dataset's noise).
 */
export class DetectionScene {
  /** `[3, S, S]` pixels in [0, 1], what the detector sees. */
  x: Float32Array;
  /** Per pixel, the index of the object seen there, or -1. */
  instances: Int32Array;
  objects: SceneObject[];
  /** Mean colour of the background and of each object (new colours keep away from them). */
  private colours: number[][];
  private readonly history: { x: Float32Array; instances: Int32Array; objects: SceneObject[]; colours: number[][] }[] = [];
  private readonly rng: Rng;

  private constructor(x: Float32Array, instances: Int32Array, objects: SceneObject[], colours: number[][], seed: number) {
    this.x = x;
    this.instances = instances;
    this.objects = objects;
    this.colours = colours;
    this.rng = new Rng(seed, 0x64726177);
  }

  /** Scene `index` of the `shapes-det` test split (the detector never trained on it). */
  static generated(index: number): DetectionScene {
    const scene = renderShapesDetScene(index, { split: 'test', size: SCENE_SIDE });
    const x = Float32Array.from(scene.sample.x);
    const instances = Int32Array.from(scene.instances);
    const objects = scene.objects.map((o) => ({ label: o.label, placement: { ...o.geometry }, area: o.area }));
    // Mean colour per instance (-1, the background, first): the noise averages out.
    const sums = Array.from({ length: objects.length + 1 }, () => [0, 0, 0, 0]);
    const plane = SCENE_SIDE * SCENE_SIDE;
    for (let p = 0; p < plane; p++) {
      const s = sums[instances[p]! + 1]!;
      for (let c = 0; c < 3; c++) s[c]! += x[c * plane + p]!;
      s[3]!++;
    }
    const colours = sums.filter((s) => s[3]! > 0).map((s) => [s[0]! / s[3]!, s[1]! / s[3]!, s[2]! / s[3]!]);
    return new DetectionScene(x, instances, objects, colours, index);
  }

  /** An empty scene: one dark background colour with noise, as `shapes-det` paints it. */
  static blank(seed: number): DetectionScene {
    const rng = new Rng(seed, 0x626c616e);
    const bg = [rng.uniform(0, 0.5), rng.uniform(0, 0.5), rng.uniform(0, 0.5)];
    const plane = SCENE_SIDE * SCENE_SIDE;
    const x = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) x[c * plane + p] = clip01(bg[c]! + NOISE * rng.normal());
    return new DetectionScene(x, new Int32Array(plane).fill(-1), [], [bg], seed);
  }

  /** Whether {@link DetectionScene.undo} has a step to take back. */
  get canUndo(): boolean {
    return this.history.length > 0;
  }

  /**
   * Paints a shape of class `label` (0 circle, 1 square, 2 triangle) over the scene in a new
   * colour, at least 0.25 (RMS) from the background and every other object's. Returns false,
   * changing nothing, when it covers no pixel centre.
   */
  addShape(label: number, placement: Placement): boolean {
    const pixels = shapePixels(label, placement);
    if (pixels.length === 0) return false;
    this.history.push({ x: this.x.slice(), instances: this.instances.slice(), objects: [...this.objects], colours: [...this.colours] });
    if (this.history.length > HISTORY) this.history.shift();
    const colour = this.newColour();
    const id = this.objects.length;
    const plane = SCENE_SIDE * SCENE_SIDE;
    for (const p of pixels) {
      this.instances[p] = id;
      for (let c = 0; c < 3; c++) this.x[c * plane + p] = clip01(colour[c]! + NOISE * this.rng.normal());
    }
    this.objects = [...this.objects, { label, placement: { ...placement }, area: pixels.length }];
    this.colours = [...this.colours, colour];
    return true;
  }

  /** Takes the last drawn shape back. */
  undo(): void {
    const last = this.history.pop();
    if (!last) return;
    ({ x: this.x, instances: this.instances, objects: this.objects, colours: this.colours } = last);
  }

  /**
   * The ground truth: for each object with at least half its pixels visible (the `shapes-det`
   * rule), the tight box of its visible pixels — pixel (i, j) spans [j, j+1) × [i, i+1).
   */
  groundTruth(): GroundTruth {
    const n = this.objects.length;
    const bounds = Array.from({ length: n }, () => [SCENE_SIDE, SCENE_SIDE, 0, 0]);
    const visible = new Array<number>(n).fill(0);
    for (let i = 0; i < SCENE_SIDE; i++) {
      for (let j = 0; j < SCENE_SIDE; j++) {
        const id = this.instances[i * SCENE_SIDE + j]!;
        if (id < 0) continue;
        const b = bounds[id]!;
        b[0] = Math.min(b[0]!, j);
        b[1] = Math.min(b[1]!, i);
        b[2] = Math.max(b[2]!, j + 1);
        b[3] = Math.max(b[3]!, i + 1);
        visible[id]!++;
      }
    }
    const kept = this.objects.map((o, k) => k).filter((k) => visible[k]! > 0 && visible[k]! >= MIN_VISIBLE * this.objects[k]!.area);
    return { boxes: Float32Array.from(kept.flatMap((k) => bounds[k]!)), labels: Int32Array.from(kept, (k) => this.objects[k]!.label) };
  }

  private newColour(): number[] {
    const far = (c: number[]): boolean =>
      this.colours.every((o) => Math.sqrt(((c[0]! - o[0]!) ** 2 + (c[1]! - o[1]!) ** 2 + (c[2]! - o[2]!) ** 2) / 3) >= 0.25);
    let colour = [this.rng.float(), this.rng.float(), this.rng.float()];
    for (let tries = 0; tries < 16 && !far(colour); tries++) colour = [this.rng.float(), this.rng.float(), this.rng.float()];
    return colour;
  }
}

function clip01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/** Detections of one image, best first (a detector's `postprocess` result). */
export interface FoundBoxes {
  /** `[D·4]` boxes `x1, y1, x2, y2`. */
  boxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

/** IoU of boxes `i` of `a` and `j` of `b` (flat `[·4]` arrays). */
export function boxIoU(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const iw = Math.min(a[i * 4 + 2]!, b[j * 4 + 2]!) - Math.max(a[i * 4]!, b[j * 4]!);
  const ih = Math.min(a[i * 4 + 3]!, b[j * 4 + 3]!) - Math.max(a[i * 4 + 1]!, b[j * 4 + 1]!);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const area = (x: ArrayLike<number>, k: number): number => (x[k * 4 + 2]! - x[k * 4]!) * (x[k * 4 + 3]! - x[k * 4 + 1]!);
  return inter / (area(a, i) + area(b, j) - inter);
}

/**
 * Greedy matching as COCO does it at one IoU threshold: detections in order of score, each
 * to the unmatched ground-truth box of its class it overlaps most, if that IoU ≥ `iouThreshold`.
 * Returns, per ground-truth box, the index of its detection or -1.
 */
export function matchToTruth(found: FoundBoxes, truth: GroundTruth, iouThreshold = 0.5): Int32Array {
  const match = new Int32Array(truth.labels.length).fill(-1);
  const order = Array.from(found.scores.keys()).sort((p, q) => found.scores[q]! - found.scores[p]!);
  for (const d of order) {
    let best = -1;
    let bestIoU = iouThreshold;
    for (let g = 0; g < truth.labels.length; g++) {
      if (match[g] !== -1 || truth.labels[g] !== found.labels[d]) continue;
      const v = boxIoU(found.boxes, d, truth.boxes, g);
      if (v >= bestIoU) [best, bestIoU] = [g, v];
    }
    if (best >= 0) match[best] = d;
  }
  return match;
}

/** Indices of the detections of `reference` that no detection of `other` of the same class overlaps with IoU ≥ `iouThreshold`. */
export function missingFrom(reference: FoundBoxes, other: FoundBoxes, iouThreshold = 0.5): number[] {
  const out: number[] = [];
  for (let d = 0; d < reference.labels.length; d++) {
    let kept = false;
    for (let e = 0; e < other.labels.length && !kept; e++)
      kept = other.labels[e] === reference.labels[d] && boxIoU(reference.boxes, d, other.boxes, e) >= iouThreshold;
    if (!kept) out.push(d);
  }
  return out;
}

export type SizeBucket = 'small' | 'medium' | 'large';

/** The `shapes-det` size bucket of box `k` (by area: below (128/12)² small, from (128/5)² large). */
export function sizeBucket(boxes: ArrayLike<number>, k: number): SizeBucket {
  const area = (boxes[k * 4 + 2]! - boxes[k * 4]!) * (boxes[k * 4 + 3]! - boxes[k * 4 + 1]!);
  return area < SHAPES_DET_AREA_RANGES.small[1] ? 'small' : area < SHAPES_DET_AREA_RANGES.medium[1] ? 'medium' : 'large';
}

/** Ground-truth objects and how many of them a detector found, per size bucket and in all. */
export type FoundCounts = Record<SizeBucket | 'all', { objects: number; found: number }>;

/** Counts, per size bucket, the ground-truth boxes `match` (from {@link matchToTruth}) found. */
export function foundCounts(truth: GroundTruth, match: Int32Array): FoundCounts {
  const out: FoundCounts = {
    small: { objects: 0, found: 0 },
    medium: { objects: 0, found: 0 },
    large: { objects: 0, found: 0 },
    all: { objects: 0, found: 0 },
  };
  for (let g = 0; g < truth.labels.length; g++) {
    for (const key of [sizeBucket(truth.boxes, g), 'all'] as const) {
      out[key].objects++;
      if (match[g]! >= 0) out[key].found++;
    }
  }
  return out;
}
