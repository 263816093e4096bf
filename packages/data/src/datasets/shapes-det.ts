import { checkIndex } from '../dataset.js';
import { BOX_ROW } from '../detection.js';
import { Rng, hashKeys } from '../random.js';
import type { DescribedDataset, Sample, Split } from '../types.js';
import { addNoise, drawColour, forEachShapePixel, paintBackground, shapeExtent, SPLIT_KEY, type ShapeClass, type ShapeGeometry } from './shapes.js';

/** Class names of `shapes-det`, by label (no background class). */
export const SHAPES_DET_CLASSES = ['circle', 'square', 'triangle'] as const;

/** Options of {@link shapesDetDataset}. */
export interface ShapesDetOptions {
  /** Which split (default `'train'`); train and test scenes come from disjoint random streams. */
  split?: Split;
  /** Number of scenes (default 1000 for train, 200 for test). */
  count?: number;
  /** Image side in pixels (default 128). */
  size?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Colour channels, 3 (RGB, default) or 1 (grey). */
  channels?: 1 | 3;
  /** Objects drawn per scene, inclusive range (default `[2, 8]`); placement may leave a few out. */
  objectsPerImage?: readonly [number, number];
  /**
   * Range of object sizes, as the diameter in pixels of the circle of the same area
   * (default `[size / 32, size / 2]`, i.e. 4 to 64 at 128 px), sampled log-uniformly.
   */
  diameter?: readonly [number, number];
  /**
   * Least fraction of each object's pixels that later objects may leave visible
   * (default 0.5); see {@link shapesDetDataset}.
   */
  minVisible?: number;
  /** Standard deviation of the per-pixel Gaussian noise (default 0.05). */
  noise?: number;
}

/** Box-area ranges of the size buckets, in square pixels: `small` `[0, a)`, `medium` `[a, b)`, `large` `[b, ∞)`. */
export interface AreaRanges {
  /** Boxes with area below the first threshold. */
  small: readonly [number, number];
  /** Boxes with area from the first up to the second threshold. */
  medium: readonly [number, number];
  /** Boxes with area at or above the second threshold. */
  large: readonly [number, number];
}

// Area thresholds as fractions of the image side: (size / 12)² and (size / 5)².
const SMALL_SIDE = 1 / 12;
const LARGE_SIDE = 1 / 5;

/**
 * The small / medium / large box-area ranges of `shapes-det` scenes of side `size`:
 * small below `(size / 12)²`, large from `(size / 5)²` on (at 128 px: about 10.7² = 114 and
 * 25.6² = 655 px²). COCO fixes 32² and 96² for images of about 640 px; scaled to 128 px
 * those would be 6.4² and 19.2², which would put a sixth of these objects in `small` and
 * almost half in `large`. These thresholds are instead chosen so that, with the default
 * object sizes (diameter log-uniform over `[size / 32, size / 2]`), each bucket holds about
 * a third of the objects (the tests check 25–42 % each over 500 scenes), and they scale
 * with the image side so the split means the same at any `size`.
 */
export function shapesDetAreaRanges(size: number): AreaRanges {
  const a = (size * SMALL_SIDE) ** 2;
  const b = (size * LARGE_SIDE) ** 2;
  return { small: [0, a], medium: [a, b], large: [b, Infinity] };
}

/** {@link shapesDetAreaRanges} at the default 128 px. */
export const SHAPES_DET_AREA_RANGES: AreaRanges = shapesDetAreaRanges(128);

/** One labelled object of a rendered scene. */
export interface ShapesDetObject {
  /** Class id: 0 circle, 1 square, 2 triangle. */
  label: number;
  /** Where it was drawn (see `ShapeGeometry`). */
  geometry: ShapeGeometry;
  /** Tight box `[x1, y1, x2, y2]` of its visible pixels. */
  box: [number, number, number, number];
  /** Visible pixels. */
  visible: number;
  /** Pixels it would cover if nothing occluded it. */
  area: number;
}

/** A rendered scene with what produced it (for tests, demos and drawing ground truth). */
export interface ShapesDetScene {
  /** The sample: image `[C, size, size]` and targets `[K, 5]`. */
  sample: Sample;
  /** The labelled objects, in drawing order (row `k` of the target is object `k`). */
  objects: ShapesDetObject[];
  /** Per pixel, the index into `objects` of the object seen there, or -1 for background. */
  instances: Int32Array;
}

// Mixed into every scene's seed, so shapes-det and shapes never share a stream.
const STREAM_KEY = 0x6465;
// Positions tried per object before it is left out.
const PLACEMENT_TRIES = 20;

function resolveOptions(options: ShapesDetOptions): Required<Omit<ShapesDetOptions, 'count'>> {
  const size = options.size ?? 128;
  return {
    split: options.split ?? 'train',
    size,
    seed: options.seed ?? 0,
    channels: options.channels ?? 3,
    objectsPerImage: options.objectsPerImage ?? [2, 8],
    diameter: options.diameter ?? [size / 32, size / 2],
    minVisible: options.minVisible ?? 0.5,
    noise: options.noise ?? 0.05,
  };
}

/**
 * Renders scene `index` of `shapes-det`, with its objects and instance map. Deterministic
 * in `(seed, split, index)` and the options.
 */
export function renderShapesDetScene(index: number, options: ShapesDetOptions = {}): ShapesDetScene {
  const { split, size, seed, channels, objectsPerImage, diameter, minVisible, noise } = resolveOptions(options);
  const rng = new Rng(seed, SPLIT_KEY[split], STREAM_KEY, index);
  const plane = size * size;
  const x = new Float32Array(channels * plane);
  const instances = new Int32Array(plane).fill(-1);
  const bg = paintBackground(x, channels, rng);
  const colours: number[][] = [];
  const drawn: { cls: ShapeClass; geometry: ShapeGeometry; area: number; visible: number }[] = [];

  const [minObjects, maxObjects] = objectsPerImage;
  const nObjects = minObjects + rng.int(maxObjects - minObjects + 1);
  const logMin = Math.log(diameter[0]);
  const logMax = Math.log(diameter[1]);
  for (let s = 0; s < nObjects; s++) {
    const cls = (1 + rng.int(3)) as ShapeClass;
    // Log-uniform size, so small, medium and large objects are equally common.
    const r = Math.exp(rng.uniform(logMin, logMax)) / 2;
    const angle = rng.uniform(0, 2 * Math.PI);
    const extent = shapeExtent(cls, r);
    // Distinct from the background and from every object so far, so touching objects stay apart.
    const colour = drawColour(rng, channels, [bg, ...colours]);
    for (let tries = 0; tries < PLACEMENT_TRIES; tries++) {
      const geometry: ShapeGeometry = { cx: rng.uniform(extent, size - extent), cy: rng.uniform(extent, size - extent), r, angle };
      const pixels: number[] = [];
      forEachShapePixel(cls, geometry, size, (p) => pixels.push(p));
      if (pixels.length === 0) continue;
      // Would any earlier object keep less than minVisible of its pixels?
      const hidden = new Array<number>(drawn.length).fill(0);
      for (const p of pixels) if (instances[p]! >= 0) hidden[instances[p]!]!++;
      if (drawn.some((o, k) => o.visible - hidden[k]! < minVisible * o.area)) continue;
      drawn.forEach((o, k) => (o.visible -= hidden[k]!));
      const id = drawn.length;
      drawn.push({ cls, geometry, area: pixels.length, visible: pixels.length });
      colours.push(colour);
      for (const p of pixels) {
        instances[p] = id;
        for (let k = 0; k < channels; k++) x[k * plane + p] = colour[k]!;
      }
      break;
    }
  }
  addNoise(x, noise, rng);

  // Tight boxes of the visible pixels: pixel (i, j) spans [j, j + 1) × [i, i + 1).
  const bounds = drawn.map(() => [size, size, 0, 0] as [number, number, number, number]);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const id = instances[i * size + j]!;
      if (id < 0) continue;
      const b = bounds[id]!;
      b[0] = Math.min(b[0], j);
      b[1] = Math.min(b[1], i);
      b[2] = Math.max(b[2], j + 1);
      b[3] = Math.max(b[3], i + 1);
    }
  }
  const objects: ShapesDetObject[] = drawn.map((o, k) => ({ label: o.cls - 1, geometry: o.geometry, box: bounds[k]!, visible: o.visible, area: o.area }));
  const y = new Float32Array(objects.length * BOX_ROW);
  objects.forEach((o, k) => y.set([...o.box, o.label], k * BOX_ROW));
  return { sample: { x, xShape: [channels, size, size], y, yShape: [objects.length, BOX_ROW] }, objects, instances };
}

/**
 * Generated object-detection scenes: 2–8 circles, squares and triangles (the `shapes`
 * geometry: equal area for a given size, triangles rotated) on a random dark background
 * with Gaussian noise, values clipped to [0, 1]. Object sizes span a wide range — the
 * diameter of the equal-area circle is log-uniform over `[size / 32, size / 2]`, a few
 * pixels to half the image — so small, medium and large objects (see
 * {@link shapesDetAreaRanges}) are about equally common. Targets are `[K, 5]` rows
 * `[x1, y1, x2, y2, label]`: the tight pixel box of each object's visible pixels and its
 * class (0 circle, 1 square, 2 triangle; see {@link SHAPES_DET_CLASSES}).
 *
 * Occlusion: objects may overlap, later ones on top, but every object keeps at least
 * `minVisible` (default half) of its pixels visible. A position that would hide more of an
 * earlier object is redrawn (up to 20 times), and an object that fits nowhere is left out
 * of the image altogether, so every painted pixel belongs to a labelled object and no
 * label points at a mostly hidden one. Each object's colour differs from the background
 * and from the other objects' colours, so neighbours do not merge.
 *
 * Scenes are rendered on demand from `new Rng(seed, splitKey, 0x6465, index)` (train and
 * test keys as in `shapes`), so the dataset costs no memory and any scene can be
 * regenerated alone with {@link renderShapesDetScene}.
 */
export function shapesDetDataset(options: ShapesDetOptions = {}): DescribedDataset {
  const resolved = resolveOptions(options);
  const { split, size, channels, objectsPerImage, diameter, minVisible } = resolved;
  const count = options.count ?? (split === 'train' ? 1000 : 200);
  const [minObjects, maxObjects] = objectsPerImage;
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`shapes-det: count must be a non-negative integer, got ${count}`);
  if (!(Number.isInteger(size) && size >= 16)) throw new RangeError(`shapes-det: size must be an integer >= 16, got ${size}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`shapes-det: channels must be 1 or 3, got ${String(channels)}`);
  if (!(Number.isInteger(minObjects) && Number.isInteger(maxObjects) && minObjects >= 0 && maxObjects >= minObjects)) {
    throw new RangeError(`shapes-det: bad objectsPerImage [${minObjects}, ${maxObjects}]`);
  }
  // Half the side keeps even a rotated triangle (extent 0.78 diameters) inside the image.
  if (!(diameter[0] >= 1 && diameter[1] >= diameter[0] && diameter[1] <= size / 2)) {
    throw new RangeError(`shapes-det: diameter [${diameter[0]}, ${diameter[1]}] must satisfy 1 <= min <= max <= size / 2 (${size / 2})`);
  }
  if (!(minVisible > 0 && minVisible <= 1)) throw new RangeError(`shapes-det: minVisible must be in (0, 1], got ${minVisible}`);
  hashKeys([resolved.seed]); // validates the seed eagerly
  return {
    name: 'shapes-det',
    split,
    task: 'detection',
    inputShape: [channels, size, size],
    inputDType: 'float32',
    targetShape: [-1, BOX_ROW],
    numClasses: SHAPES_DET_CLASSES.length,
    classNames: SHAPES_DET_CLASSES,
    areaRanges: shapesDetAreaRanges(size),
    length: count,
    get(i: number): Sample {
      checkIndex(i, count, 'shapes-det');
      return renderShapesDetScene(i, resolved).sample;
    },
  };
}
