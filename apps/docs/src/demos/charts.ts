/** Small drawing helpers for the demos: SVG line paths and a heatmap colour scale. */

export interface Range {
  min: number;
  max: number;
}

/** The range of several series (ignoring non-finite values), padded a little. */
export function rangeOf(series: readonly (readonly number[])[], floor?: number): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const v of s) {
      if (!Number.isFinite(v)) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  if (floor !== undefined) min = Math.min(min, floor);
  if (max - min < 1e-6) max = min + 1;
  return { min, max: max + (max - min) * 0.05 };
}

/** SVG path `d` of `values` drawn into `w × h` with x from 0 to `length - 1` (or `xMax`). */
export function linePath(values: readonly number[], w: number, h: number, y: Range, xMax = values.length - 1): string {
  if (values.length === 0) return '';
  const sx = w / Math.max(1, xMax);
  const sy = h / (y.max - y.min);
  return values
    .map((v, i) => {
      const yy = Number.isFinite(v) ? h - (Math.min(y.max, Math.max(y.min, v)) - y.min) * sy : 0;
      return `${i === 0 ? 'M' : 'L'}${(i * sx).toFixed(1)} ${yy.toFixed(1)}`;
    })
    .join(' ');
}

/** Viridis-like colour for t in [0, 1]. */
export function heatColour(t: number): string {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Maps a gradient norm to [0, 1] on a log scale from 10^lo to 10^hi. */
export function logScale(v: number, lo = -5, hi = 0): number {
  if (!(v > 0)) return 0;
  return (Math.log10(v) - lo) / (hi - lo);
}

/**
 * Draws a heatmap: `rows[step][layer]` values, one column per step (the last `maxCols`),
 * one row per layer, first layer at the top.
 */
export function drawHeatmap(
  ctx: CanvasRenderingContext2D,
  history: readonly (readonly number[])[],
  layers: number,
  maxCols: number,
  colour: (v: number) => string,
): void {
  const { width, height } = ctx.canvas;
  ctx.fillStyle = '#1b1b1f';
  ctx.fillRect(0, 0, width, height);
  const cols = history.slice(-maxCols);
  const cw = width / maxCols;
  const rh = height / Math.max(1, layers);
  cols.forEach((col, c) => {
    for (let l = 0; l < layers; l++) {
      ctx.fillStyle = colour(col[l] ?? 0);
      ctx.fillRect(c * cw, l * rh, Math.ceil(cw), Math.ceil(rh));
    }
  });
}
