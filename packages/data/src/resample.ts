/** How {@link resampleChw} computes an output pixel. */
export type ResampleMode = 'bilinear' | 'nearest';

/**
 * Resizes `planes` row-major planes of `h × w` values to `oh × ow`, with half-pixel
 * centres (`align_corners=False`) and no antialiasing. `'bilinear'` matches PyTorch's
 * `F.interpolate(mode='bilinear', align_corners=False)`; `'nearest'` takes source pixel
 * `floor((i + 0.5) · in / out)` (PyTorch's `'nearest-exact'`), which keeps integer masks
 * integer. Shared by image loading and the `resize` transform.
 */
export function resampleChw<A extends Float32Array | Int32Array>(
  src: A,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  mode: ResampleMode,
  out: A,
): A {
  const plane = h * w;
  const sy = h / oh;
  const sx = w / ow;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      if (mode === 'nearest') {
        const si = Math.min(h - 1, Math.floor((i + 0.5) * sy));
        const sj = Math.min(w - 1, Math.floor((j + 0.5) * sx));
        for (let k = 0; k < planes; k++) out[(k * oh + i) * ow + j] = src[k * plane + si * w + sj]!;
        continue;
      }
      const fy = Math.min(h - 1, Math.max(0, (i + 0.5) * sy - 0.5));
      const fx = Math.min(w - 1, Math.max(0, (j + 0.5) * sx - 0.5));
      const y0 = Math.floor(fy),
        x0 = Math.floor(fx);
      const y1 = Math.min(h - 1, y0 + 1),
        x1 = Math.min(w - 1, x0 + 1);
      const dy = fy - y0,
        dx = fx - x0;
      for (let k = 0; k < planes; k++) {
        const base = k * plane;
        const top = src[base + y0 * w + x0]! * (1 - dx) + src[base + y0 * w + x1]! * dx;
        const bottom = src[base + y1 * w + x0]! * (1 - dx) + src[base + y1 * w + x1]! * dx;
        out[(k * oh + i) * ow + j] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return out;
}
