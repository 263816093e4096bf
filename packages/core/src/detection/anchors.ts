/**
 * Anchor boxes of torchvision's `AnchorGenerator`, on the host: the anchors depend only on the
 * feature-map and image sizes, so detectors compute them once per input size, as plain arrays,
 * and upload them with `tensor(anchors, [anchors.length / 4, 4])` where an op needs them.
 */

/** `[height, width]`. */
export type Size2d = readonly [number, number];

/** Rounds half to even, as `torch.round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The anchors of one location, centred on 0: `[A·4]` (`A = ratios × sizes`, ratio-major, as
 * torchvision's `AnchorGenerator.generate_anchors`) with `h = size·√ratio`, `w = size/√ratio`
 * (ratio = height/width) and corners `±w/2`, `±h/2` rounded half to even. Computed in float32
 * step by step as torchvision does, so the rounding lands where torchvision's does.
 */
export function cellAnchors(sizes: readonly number[], aspectRatios: readonly number[]): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(sizes.length * aspectRatios.length * 4);
  let o = 0;
  for (const ratio of aspectRatios) {
    if (!(ratio > 0)) throw new Error(`cellAnchors: aspect ratios must be > 0, got ${ratio}`);
    const hRatio = f(Math.sqrt(f(ratio)));
    const wRatio = f(1 / hRatio);
    for (const size of sizes) {
      if (!(size > 0)) throw new Error(`cellAnchors: anchor sizes must be > 0, got ${size}`);
      const halfW = f(f(wRatio * f(size)) / 2);
      const halfH = f(f(hRatio * f(size)) / 2);
      out.set([roundHalfEven(-halfW), roundHalfEven(-halfH), roundHalfEven(halfW), roundHalfEven(halfH)], o);
      o += 4;
    }
  }
  return out;
}

/**
 * Anchors of every FPN level, as torchvision's `AnchorGenerator` for one image: `[ΣHWA, 4]`
 * row-major (`x1, y1, x2, y2`), levels in order, each level location-major (rows, then columns)
 * then anchor (the order of {@link cellAnchors}) — the order of a detector head's concatenated
 * outputs. Level `l` has stride `⌊imageSize / featureSizes[l]⌋` per axis and its cell anchors
 * shifted to `(x·strideW, y·strideH)` — the location's top-left pixel, as torchvision (no half-stride offset).
 *
 * @param featureSizes - `[h, w]` of each level's feature map.
 * @param imageSize - `[h, w]` of the (padded) input batch.
 * @param sizes - anchor sizes (pixels) of each level, e.g. RetinaNet's `[32, 40, 50]` at P3.
 * @param aspectRatios - height/width ratios of each level, e.g. `[0.5, 1, 2]`.
 */
export function generateAnchors(
  featureSizes: readonly Size2d[],
  imageSize: Size2d,
  sizes: readonly (readonly number[])[],
  aspectRatios: readonly (readonly number[])[],
): Float32Array {
  if (sizes.length !== featureSizes.length || aspectRatios.length !== featureSizes.length) {
    throw new Error(
      `generateAnchors: ${featureSizes.length} feature maps need as many size lists and aspect-ratio lists, got ${sizes.length} and ${aspectRatios.length}`,
    );
  }
  const [imageH, imageW] = imageSize;
  const cells = featureSizes.map((_, l) => cellAnchors(sizes[l]!, aspectRatios[l]!));
  const total = featureSizes.reduce((n, [h, w], l) => n + h * w * cells[l]!.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  featureSizes.forEach(([h, w], l) => {
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > imageH || w > imageW) {
      throw new Error(`generateAnchors: feature map ${l} is [${h}, ${w}]; it must be whole and no larger than the image [${imageH}, ${imageW}]`);
    }
    const strideH = Math.floor(imageH / h);
    const strideW = Math.floor(imageW / w);
    const cell = cells[l]!;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = x * strideW;
        const sy = y * strideH;
        for (let a = 0; a < cell.length; a += 4) {
          out[o++] = sx + cell[a]!;
          out[o++] = sy + cell[a + 1]!;
          out[o++] = sx + cell[a + 2]!;
          out[o++] = sy + cell[a + 3]!;
        }
      }
    }
  });
  return out;
}
