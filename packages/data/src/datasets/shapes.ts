import { checkIndex } from '../dataset.js';
import { Rng, hashKeys } from '../random.js';
import type { DescribedDataset, Sample, Split } from '../types.js';

/** Class names of `shapes`, by mask value. */
export const SHAPE_CLASSES = ['background', 'circle', 'square', 'triangle'] as const;

/** Options of {@link shapesDataset}. */
export interface ShapesOptions {
  /** Which split (default `'train'`); train and test scenes come from disjoint random streams. */
  split?: Split;
  /** Number of scenes (default 1000 for train, 200 for test). */
  count?: number;
  /** Image side in pixels (default 64). */
  size?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Colour channels, 3 (RGB, default) or 1 (grey). */
  channels?: 1 | 3;
  /** Shapes per scene, inclusive range (default `[1, 4]`). */
  shapesPerImage?: readonly [number, number];
  /** Standard deviation of the per-pixel Gaussian noise (default 0.05). */
  noise?: number;
}

/** Split keys mixed into every scene's seed so train and test never share a stream. */
export const SPLIT_KEY: Readonly<Record<Split, number>> = { train: 0x7472, test: 0x7465 };

/** Mask value of a shape: 1 circle, 2 square, 3 triangle. */
export type ShapeClass = 1 | 2 | 3;

/**
 * Placement of one shape. `r` is the radius of the circle with the same area: a square
 * gets half-side `r·√π/2`, an equilateral triangle circumradius `r·√(4π/(3√3))`.
 * `angle` rotates triangles (squares stay axis-aligned, circles do not care).
 */
export interface ShapeGeometry {
  /** Centre column, in pixels (pixel `j` spans `[j, j + 1)`). */
  cx: number;
  /** Centre row, in pixels. */
  cy: number;
  /** Radius of the equal-area circle. */
  r: number;
  /** Rotation of a triangle's first vertex, in radians from the +x axis. */
  angle: number;
}

const SQUARE_HALF = Math.sqrt(Math.PI) / 2;
const TRIANGLE_CIRCUMRADIUS = Math.sqrt((4 * Math.PI) / (3 * Math.sqrt(3)));

/** Largest distance from the centre to any covered point. */
export function shapeExtent(cls: ShapeClass, r: number): number {
  return cls === 1 ? r : cls === 2 ? r * SQUARE_HALF * Math.SQRT2 : r * TRIANGLE_CIRCUMRADIUS;
}

/** Whether point (px, py) lies inside the shape (boundary included). */
export function pointInShape(cls: ShapeClass, g: ShapeGeometry, px: number, py: number): boolean {
  const dx = px - g.cx;
  const dy = py - g.cy;
  if (cls === 1) return dx * dx + dy * dy <= g.r * g.r;
  if (cls === 2) return Math.abs(dx) <= g.r * SQUARE_HALF && Math.abs(dy) <= g.r * SQUARE_HALF;
  // Inside an equilateral triangle iff on the inner side of all three edges: the
  // projection on each edge's inward normal is at most the inradius (R / 2).
  const inradius = (g.r * TRIANGLE_CIRCUMRADIUS) / 2;
  for (let v = 0; v < 3; v++) {
    // Edge v faces away from vertex v, so its outward normal points opposite the vertex.
    const a = g.angle + (v * 2 * Math.PI) / 3 + Math.PI;
    if (dx * Math.cos(a) + dy * Math.sin(a) > inradius) return false;
  }
  return true;
}

/** Root-mean-square difference of two colours (channel values in [0, 1]). */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(s / a.length);
}

/**
 * Fills the `channels` planes of `x` with one random background colour, kept in the darker
 * half so shapes usually stand out. Draws one uniform per channel; returns the colour.
 */
export function paintBackground(x: Float32Array, channels: number, rng: Rng): number[] {
  const plane = x.length / channels;
  const bg = Array.from({ length: channels }, () => rng.uniform(0, 0.5));
  for (let k = 0; k < channels; k++) x.fill(bg[k]!, k * plane, (k + 1) * plane);
  return bg;
}

/**
 * A random colour at least 0.25 (RMS) from every colour in `avoid`, so the pixels painted
 * with it are visible against them; after 8 redraws the last one is kept.
 */
export function drawColour(rng: Rng, channels: number, avoid: readonly (readonly number[])[]): number[] {
  const tooClose = (colour: readonly number[]): boolean => avoid.some((other) => colourDistance(colour, other) < 0.25);
  let colour = Array.from({ length: channels }, () => rng.float());
  for (let tries = 0; tries < 8 && tooClose(colour); tries++) colour = Array.from({ length: channels }, () => rng.float());
  return colour;
}

/**
 * Calls `visit(i * size + j)` for every pixel `(i, j)` of a `size × size` image whose centre
 * lies inside the shape (coverage at pixel centres, so it does not depend on sub-pixel
 * placement bias), row by row.
 */
export function forEachShapePixel(cls: ShapeClass, geometry: ShapeGeometry, size: number, visit: (pixel: number) => void): void {
  const extent = shapeExtent(cls, geometry.r);
  const x0 = Math.max(0, Math.floor(geometry.cx - extent));
  const x1 = Math.min(size - 1, Math.ceil(geometry.cx + extent));
  const y0 = Math.max(0, Math.floor(geometry.cy - extent));
  const y1 = Math.min(size - 1, Math.ceil(geometry.cy + extent));
  for (let i = y0; i <= y1; i++) {
    for (let j = x0; j <= x1; j++) if (pointInShape(cls, geometry, j + 0.5, i + 0.5)) visit(i * size + j);
  }
}

/** Adds Gaussian noise of standard deviation `noise` to every value, clipping to [0, 1]. */
export function addNoise(x: Float32Array, noise: number, rng: Rng): void {
  if (noise > 0) {
    for (let p = 0; p < x.length; p++) x[p] = Math.min(1, Math.max(0, x[p]! + noise * rng.normal()));
  }
}

/**
 * Renders scene `index` of a shapes dataset; exposed for tests and demos. Deterministic
 * in `(seed, split, index)`.
 */
export function renderShapesScene(index: number, options: ShapesOptions = {}): Sample {
  const size = options.size ?? 64;
  const channels = options.channels ?? 3;
  const [minShapes, maxShapes] = options.shapesPerImage ?? [1, 4];
  const rng = new Rng(options.seed ?? 0, SPLIT_KEY[options.split ?? 'train'], index);
  const plane = size * size;
  const x = new Float32Array(channels * plane);
  const y = new Int32Array(plane);
  const bg = paintBackground(x, channels, rng);

  const nShapes = minShapes + rng.int(maxShapes - minShapes + 1);
  for (let s = 0; s < nShapes; s++) {
    const cls = (1 + rng.int(3)) as ShapeClass;
    // Every shape has the area of a circle of radius `area` (see ShapeGeometry), so
    // classes are balanced by pixel count and size is no cue to the class.
    const r = rng.uniform(0.08, 0.2) * size;
    const extent = shapeExtent(cls, r);
    const geometry: ShapeGeometry = { cx: rng.uniform(extent, size - extent), cy: rng.uniform(extent, size - extent), r, angle: rng.uniform(0, 2 * Math.PI) };
    // Redraw colours too close to the background, so every mask pixel is visible (bounded tries).
    const colour = drawColour(rng, channels, [bg]);
    // Later shapes occlude earlier ones, in the image and in the mask alike.
    forEachShapePixel(cls, geometry, size, (p) => {
      y[p] = cls;
      for (let k = 0; k < channels; k++) x[k * plane + p] = colour[k]!;
    });
  }
  addNoise(x, options.noise ?? 0.05, rng);
  return { x, xShape: [channels, size, size], y, yShape: [size, size] };
}

/**
 * Generated semantic-segmentation scenes: 1–4 circles, squares and triangles (triangles
 * randomly rotated, squares axis-aligned; all three of equal area for a given size, see
 * `ShapeGeometry`) of random size, position and colour on a
 * random-coloured background with Gaussian noise, values clipped to [0, 1]. The mask
 * holds 0 background, 1 circle, 2 square, 3 triangle, per pixel, later shapes occluding
 * earlier ones. Scenes are rendered on demand from `new Rng(seed, splitKey, index)`, so
 * the dataset costs no memory and any scene can be regenerated alone.
 */
export function shapesDataset(options: ShapesOptions = {}): DescribedDataset {
  const split = options.split ?? 'train';
  const count = options.count ?? (split === 'train' ? 1000 : 200);
  const size = options.size ?? 64;
  const channels = options.channels ?? 3;
  const [minShapes, maxShapes] = options.shapesPerImage ?? [1, 4];
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`shapes: count must be a non-negative integer, got ${count}`);
  if (!(Number.isInteger(size) && size >= 8)) throw new RangeError(`shapes: size must be an integer >= 8, got ${size}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`shapes: channels must be 1 or 3, got ${String(channels)}`);
  if (!(Number.isInteger(minShapes) && Number.isInteger(maxShapes) && minShapes >= 0 && maxShapes >= minShapes)) {
    throw new RangeError(`shapes: bad shapesPerImage [${minShapes}, ${maxShapes}]`);
  }
  hashKeys([options.seed ?? 0]); // validates the seed eagerly
  return {
    name: 'shapes',
    split,
    task: 'segmentation',
    inputShape: [channels, size, size],
    inputDType: 'float32',
    targetShape: [size, size],
    numClasses: SHAPE_CLASSES.length,
    classNames: SHAPE_CLASSES,
    length: count,
    get(i: number): Sample {
      checkIndex(i, count, 'shapes');
      return renderShapesScene(i, { ...options, split });
    },
  };
}
