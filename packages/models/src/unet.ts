/**
 * U-Net (Ronneberger et al. 2015): four 2× down-sampling levels (64 → 1024 channels with the
 * default base width), a symmetric up path, and at every scale a long skip that concatenates
 * the encoder's features with the upsampled decoder features ("copy and crop").
 *
 * Names follow the widely used milesial/Pytorch-UNet: `inc.double_conv.0`, `down1.maxpool_conv.1.double_conv.0`,
 * `up1.up`, `up1.conv.double_conv.0`, `outc.conv`. Convolutions are padded (same size), so the
 * output map has the input's resolution; odd sizes are handled by padding the upsampled map
 * to the encoder map's size, so any H, W ≥ 16 works (MNIST's 28 included).
 *
 * Each up step is a core {@link Skip} with merge `'concat'` (`[encoder, upsampled]`, the
 * paper's order) and its double conv as the post-merge stage. The plain twin concatenates
 * zeros instead of the encoder features: same layers, no information across the bottleneck's
 * bypasses.
 */
import { BatchNorm2d, Conv2d, ConvTranspose2d, MaxPool2d, Module, ReLU, Sequential, Upsample, type Tensor } from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { CrossScaleSkip } from './layers.js';
import { Model, type InputSpec } from './model.js';

/** `(conv 3×3 → [BN] → ReLU) × 2` as one Sequential named `double_conv`. */
export class DoubleConv extends Module {
  declare double_conv: Sequential;

  constructor(inChannels: number, outChannels: number, batchNorm: boolean, midChannels = outChannels) {
    super();
    const layers: Module[] = [];
    const stage = (i: number, o: number): void => {
      // With BN the conv bias is redundant (BN's β absorbs it), as in milesial's U-Net.
      layers.push(new Conv2d(i, o, 3, { padding: 1, bias: !batchNorm }));
      if (batchNorm) layers.push(new BatchNorm2d(o));
      layers.push(new ReLU());
    };
    stage(inChannels, midChannels);
    stage(midChannels, outChannels);
    this.double_conv = new Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    return this.double_conv.call(x);
  }
}

/** 2×2 max-pool then a double conv (`maxpool_conv.0`, `maxpool_conv.1`). */
export class Down extends Module {
  declare maxpool_conv: Sequential;

  constructor(inChannels: number, outChannels: number, batchNorm: boolean) {
    super();
    this.maxpool_conv = new Sequential(new MaxPool2d(2), new DoubleConv(inChannels, outChannels, batchNorm));
  }

  override forward(x: Tensor): Tensor {
    return this.maxpool_conv.call(x);
  }
}

/**
 * One up step as a concat skip: `conv([encoder, fit(up(x))])`. `up` is a 2×2 transposed
 * conv halving the channels (the paper's "up-convolution"), or bilinear ×2 followed by a
 * 1×1 conv halving them (`up.0`, `up.1`).
 */
export class Up extends CrossScaleSkip {
  declare up: Module;
  declare conv: DoubleConv;

  constructor(inChannels: number, outChannels: number, mode: 'transpose' | 'bilinear', batchNorm: boolean) {
    super({ merge: 'concat', axis: 1 });
    const half = Math.floor(inChannels / 2);
    this.up =
      mode === 'transpose'
        ? new ConvTranspose2d(inChannels, half, 2, { stride: 2 })
        : new Sequential(new Upsample({ scaleFactor: 2, mode: 'bilinear' }), new Conv2d(inChannels, half, 1));
    // [encoder (inChannels/2), upsampled (inChannels/2)] → inChannels into the double conv.
    this.conv = new DoubleConv(inChannels, outChannels, batchNorm);
    this.post = this.conv;
  }

  protected override forwardCoarse(x: Tensor): Tensor {
    return this.up.call(x);
  }
}

/** The 1×1 classifier (`outc.conv`). */
export class OutConv extends Module {
  declare conv: Conv2d;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, 1);
  }

  override forward(x: Tensor): Tensor {
    return this.conv.call(x);
  }
}

/** Options of {@link UNet}. */
export interface UNetOptions extends CommonOptions {
  /** Channels of the first level (default 64); level k has `base·2^k`. */
  baseWidth?: number;
  /** Up path: `'transpose'` (default, the paper's up-conv) or `'bilinear'`. */
  upMode?: 'transpose' | 'bilinear';
  /** BatchNorm after every conv (default false: the paper predates BN). */
  batchNorm?: boolean;
}

/**
 * U-Net. Input `[N, inChannels, H, W]` (H, W ≥ 16; default 1 channel as the paper) →
 * per-pixel logits `[N, numClasses, H, W]` (default 2 classes). With the defaults it has the
 * paper's 31,030,658 parameters.
 */
export class UNet extends Model {
  declare inc: DoubleConv;
  declare down1: Down;
  declare down2: Down;
  declare down3: Down;
  declare down4: Down;
  declare up1: Up;
  declare up2: Up;
  declare up3: Up;
  declare up4: Up;
  declare outc: OutConv;
  readonly inputSpec: InputSpec;

  constructor(options: UNetOptions = {}, name = 'unet') {
    super(name);
    const c = positiveInt('inChannels', options.inChannels ?? 1, name);
    const classes = positiveInt('numClasses', options.numClasses ?? 2, name);
    const b = positiveInt('baseWidth', options.baseWidth ?? 64, name);
    if (b % 2 !== 0) throw new Error(`${name}: baseWidth must be even (each up step halves the channels), got ${b}`);
    const bn = options.batchNorm ?? false;
    const mode = options.upMode ?? 'transpose';
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, minSize: 16, example: [1, c, 256, 256] };
    this.inc = new DoubleConv(c, b, bn);
    this.down1 = new Down(b, 2 * b, bn);
    this.down2 = new Down(2 * b, 4 * b, bn);
    this.down3 = new Down(4 * b, 8 * b, bn);
    this.down4 = new Down(8 * b, 16 * b, bn);
    this.up1 = new Up(16 * b, 8 * b, mode, bn);
    this.up2 = new Up(8 * b, 4 * b, mode, bn);
    this.up3 = new Up(4 * b, 2 * b, mode, bn);
    this.up4 = new Up(2 * b, b, mode, bn);
    this.outc = new OutConv(b, classes);
    applySkip([this.up1, this.up2, this.up3, this.up4], options.skip);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const x1 = this.inc.call(x);
    const x2 = this.down1.call(x1);
    const x3 = this.down2.call(x2);
    const x4 = this.down3.call(x3);
    const x5 = this.down4.call(x4);
    let y = this.up1.call(x5, x4);
    y = this.up2.call(y, x3);
    y = this.up3.call(y, x2);
    y = this.up4.call(y, x1);
    return this.outc.call(y);
  }
}
