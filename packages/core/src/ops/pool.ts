/** Pooling and resizing (NCHW). */
import { opScope } from '../engine.js';
import type { Pool2dGeometry, ResizeMode } from '../backend/types.js';
import { fmt } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { contiguous } from './shape.js';
import { mean } from './reduce.js';
import { matmul } from './linalg.js';
import { tensor } from './creation.js';
import { convOutSize } from './conv.js';
import { entryOf, pair, wrap } from './util.js';

/** Options of the pooling ops. */
export interface Pool2dOptions {
  /** Window step (default: the kernel size). */
  stride?: number | readonly [number, number];
  /** Implicit padding per side (at most half the kernel; default 0). */
  padding?: number | readonly [number, number];
}

function geometry(op: string, x: Tensor, kernel: number | readonly [number, number], options: Pool2dOptions): { geo: Pool2dGeometry; outShape: number[] } {
  if (x.rank !== 4) throw new Error(`${op}: input must be [N,C,H,W], got ${fmt(x.shape)}`);
  const k = pair(kernel, 'kernel', op);
  const stride = pair(options.stride ?? k, 'stride', op);
  const padding = pair(options.padding ?? 0, 'padding', op);
  if (padding[0] * 2 > k[0] || padding[1] * 2 > k[1]) throw new Error(`${op}: padding ${padding.join('×')} must be at most half the kernel ${k.join('×')}`);
  const oh = convOutSize(x.shape[2]!, k[0], stride[0], padding[0], 1);
  const ow = convOutSize(x.shape[3]!, k[1], stride[1], padding[1], 1);
  if (oh < 1 || ow < 1) throw new Error(`${op}: input ${fmt(x.shape)} is smaller than the ${k.join('×')} window`);
  return { geo: { kernel: k, stride, padding }, outShape: [x.shape[0]!, x.shape[1]!, oh, ow] };
}

/** Max pooling over `kernel` windows. */
export function maxPool2d(x: Tensor, kernel: number | readonly [number, number], options: Pool2dOptions = {}): Tensor {
  return opScope(() => {
    const entry = entryOf('maxPool2d', x);
    const { geo, outShape } = geometry('maxPool2d', x, kernel, options);
    const xc = contiguous(x);
    const r = entry.backend.kernels.maxPool2d({ x: dense(xc, 'maxPool2d') }, { ...geo, outShape });
    const out = wrap(entry, r.out, outShape, x.dtype);
    const indices = wrap(entry, r.indices, outShape, 'int32');
    if (!xc.requiresGrad) {
      indices.dispose();
      return out;
    }
    return record(out, 'maxPool2d', [xc], (g) => [
      wrap(
        entry,
        entry.backend.kernels.maxPool2dBackward({ dy: dense(contiguous(g), 'maxPool2d'), indices: dense(indices, 'maxPool2d') }, { inShape: x.shape }),
        x.shape,
        'float32',
      ),
    ]);
  });
}

/** Average pooling over `kernel` windows (`countIncludePad` as in PyTorch, default true). */
export function avgPool2d(x: Tensor, kernel: number | readonly [number, number], options: Pool2dOptions & { countIncludePad?: boolean } = {}): Tensor {
  return opScope(() => {
    const entry = entryOf('avgPool2d', x);
    const { geo, outShape } = geometry('avgPool2d', x, kernel, options);
    const countIncludePad = options.countIncludePad ?? true;
    const xc = contiguous(x);
    const out = wrap(entry, entry.backend.kernels.avgPool2d({ x: dense(xc, 'avgPool2d') }, { ...geo, countIncludePad, outShape }), outShape, 'float32');
    return record(out, 'avgPool2d', [xc], (g) => [
      wrap(
        entry,
        entry.backend.kernels.avgPool2dBackward({ dy: dense(contiguous(g), 'avgPool2d') }, { ...geo, countIncludePad, inShape: x.shape }),
        x.shape,
        'float32',
      ),
    ]);
  });
}

/** Row i averages input cells [⌊i·n/m⌋, ⌈(i+1)·n/m⌉), as PyTorch's adaptive pooling. */
function adaptiveMatrix(n: number, m: number): Float32Array {
  const a = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const s = Math.floor((i * n) / m);
    const e = Math.ceil(((i + 1) * n) / m);
    for (let j = s; j < e; j++) a[i * n + j] = 1 / (e - s);
  }
  return a;
}

/** Adaptive average pooling to `[outH, outW]` (any input size). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number, number]): Tensor {
  return opScope(() => {
    if (x.rank !== 4) throw new Error(`adaptiveAvgPool2d: input must be [N,C,H,W], got ${fmt(x.shape)}`);
    const [oh, ow] = pair(outputSize, 'outputSize', 'adaptiveAvgPool2d');
    const h = x.shape[2]!;
    const w = x.shape[3]!;
    if (oh === 1 && ow === 1) return mean(x, [2, 3], true);
    if (h % oh === 0 && w % ow === 0) return avgPool2d(x, [h / oh, w / ow]);
    // Separable: out = Ph · x · Pwᵀ with the pooling matrices built on the host.
    const ph = tensor(adaptiveMatrix(h, oh), [oh, h]);
    const pw = tensor(adaptiveMatrix(w, ow), [ow, w]);
    return matmul(ph, matmul(x, pw, false, true));
  });
}

/** Options of {@link upsample}. */
export interface UpsampleOptions {
  /** Target `[H, W]` (or give `scaleFactor`). */
  size?: number | readonly [number, number];
  /** Integer or fractional scale per axis. */
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (default) or 'bilinear'. */
  mode?: ResizeMode;
  /** Bilinear only: align the corner pixels (PyTorch's flag; default false). */
  alignCorners?: boolean;
}

/** Resizes the spatial dims (PyTorch's `interpolate`). */
export function upsample(x: Tensor, options: UpsampleOptions): Tensor {
  return opScope(() => {
    if (x.rank !== 4) throw new Error(`upsample: input must be [N,C,H,W], got ${fmt(x.shape)}`);
    const entry = entryOf('upsample', x);
    let oh: number;
    let ow: number;
    if (options.size !== undefined) [oh, ow] = pair(options.size, 'size', 'upsample');
    else if (options.scaleFactor !== undefined) {
      const s = typeof options.scaleFactor === 'number' ? [options.scaleFactor, options.scaleFactor] : options.scaleFactor;
      oh = Math.floor(x.shape[2]! * s[0]!);
      ow = Math.floor(x.shape[3]! * s[1]!);
    } else throw new Error('upsample: give size or scaleFactor');
    if (oh < 1 || ow < 1) throw new Error(`upsample: output size ${oh}×${ow} must be positive`);
    const mode = options.mode ?? 'nearest';
    const alignCorners = mode === 'bilinear' && (options.alignCorners ?? false);
    const outShape = [x.shape[0]!, x.shape[1]!, oh, ow];
    const xc = contiguous(x);
    const out = wrap(entry, entry.backend.kernels.resize({ x: dense(xc, 'upsample') }, { mode, alignCorners, outShape }), outShape, 'float32');
    return record(out, 'upsample', [xc], (g) => [
      wrap(entry, entry.backend.kernels.resizeBackward({ dy: dense(contiguous(g), 'upsample') }, { mode, alignCorners, inShape: x.shape }), x.shape, 'float32'),
    ]);
  });
}

/** Alias of {@link upsample} (PyTorch's name). */
export const interpolate = upsample;
