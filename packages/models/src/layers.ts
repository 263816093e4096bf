/** Small shared pieces: torchvision's conv helpers, spatial fitting and the cross-scale skip of long skips. */
import { Conv2d, Skip, pad, slice, upsample, type Branches, type SkipOptions, type Tensor } from '@skipnet/core';

/** torchvision's `conv3x3`: 3×3, padding = dilation, no bias. */
export function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, dilation, bias: false });
}

/** torchvision's `conv1x1`: 1×1, no bias. */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/**
 * Crops or zero-pads (bottom/right) the spatial dims of `x` `[N, C, H, W]` to `[h, w]`: the
 * decoder side of a long skip can be a pixel off the encoder side when a size was odd.
 */
export function fitTo(x: Tensor, h: number, w: number): Tensor {
  const [n, c, xh, xw] = x.shape as [number, number, number, number];
  let y = x;
  if (xh > h || xw > w) y = slice(y, [0, 0, 0, 0], [n, c, Math.min(xh, h), Math.min(xw, w)]);
  if (xh < h || xw < w)
    y = pad(y, [
      [0, 0],
      [0, 0],
      [0, Math.max(0, h - xh)],
      [0, Math.max(0, w - xw)],
    ]);
  return y;
}

/** Nearest or bilinear resize of `[N, C, H, W]` to `[h, w]` (identity when already that size). */
export function resizeTo(x: Tensor, h: number, w: number, mode: 'nearest' | 'bilinear' = 'nearest'): Tensor {
  if (x.shape[2] === h && x.shape[3] === w) return x;
  return upsample(x, { size: [h, w], mode, alignCorners: false });
}

/**
 * A skip across scales — a long skip whose main branch works on a coarser map (U-Net's up
 * path, FPN's top-down path, FCN's score fusion): the main branch's output is brought to the
 * spatial size of the shortcut's input before the merge. `x` is the coarse tensor, the second
 * argument of `call` the fine one.
 */
export abstract class CrossScaleSkip extends Skip {
  constructor(options: SkipOptions) {
    super(options);
  }

  /** The coarse path, before resizing to the skip's size. */
  protected abstract forwardCoarse(x: Tensor): Tensor;

  /** How to bring the coarse output to the target size (default: crop/pad). */
  protected fit(y: Tensor, h: number, w: number): Tensor {
    return fitTo(y, h, w);
  }

  /** `x` `[N, C, h, w]` coarse, `fine` `[N, C', H, W]`: merge(main(x) at H×W, shortcut(fine)). */
  override forward(x: Tensor, fine?: Tensor | null): Tensor {
    if (!fine) throw new Error(`${this.constructor.name}: needs the fine tensor of its long skip as the second argument`);
    return super.forward(x, fine);
  }

  /** Main: the coarse path fitted to the fine tensor's size; shortcut: the identity. */
  protected override branches(x: Tensor, fine: Tensor): Branches {
    return { main: this.fit(this.forwardCoarse(x), fine.shape[2]!, fine.shape[3]!) };
  }
}
