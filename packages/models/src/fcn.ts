/**
 * FCN-8s (Long, Shelhamer & Darrell 2015): a classification network made fully
 * convolutional, whose coarse class scores (stride 32) are upsampled ×2 and fused with scores
 * predicted from pool4 (stride 16), upsampled ×2 again and fused with scores from pool3
 * (stride 8), then upsampled ×8 to the input's resolution. The two fusions are the skips —
 * without them (`skip: false`) the net is FCN-32s-like: stride-32 scores upsampled alone (a
 * ResNet backbone then loses its residuals too, unless `backbone.skip` says otherwise).
 *
 * Backbone: VGG-16 as in the paper (torchvision's `features.N` names, then `fc6` as a 7×7
 * conv and `fc7` as a 1×1 conv), or a ResNet (`backbone.*`, torchvision names; pool3/4/5 are
 * the outputs of `layer2`/`layer3`/`layer4`). Fusion layers use the paper's Caffe names:
 * `score_fr`, `upscore2`, `score_pool4`, `upscore_pool4`, `score_pool3`, `upscore8`; the
 * transposed convs start as bilinear interpolation and the score layers at zero, as in the
 * paper. Instead of the paper's 100-pixel padding and crops, the input is zero-padded to a
 * multiple of 32 and the output cropped back, so every size works (28×28 included).
 */
import { ConvTranspose2d, Conv2d, Dropout, MaxPool2d, ReLU, Sequential, pad, slice, tensor, type Branches, type Module, type Tensor } from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { CrossScaleSkip } from './layers.js';
import { Model, type InputSpec } from './model.js';
import { ResNet, type ResNetOptions } from './resnet.js';

/**
 * Weight `[c, c, k, k]` of a transposed conv that performs bilinear upsampling channel by
 * channel (FCN's `get_upsampling_weight`).
 */
export function bilinearKernel(channels: number, k: number): Tensor {
  const factor = Math.floor((k + 1) / 2);
  const center = k % 2 === 1 ? factor - 1 : factor - 0.5;
  const w = new Float32Array(channels * channels * k * k);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        w[((c * channels + c) * k + i) * k + j] = (1 - Math.abs(i - center) / factor) * (1 - Math.abs(j - center) / factor);
      }
    }
  }
  return tensor(w, [channels, channels, k, k]);
}

/** A bias-free transposed conv upsampling `[N, c, h, w]` by `factor`, bilinear at init. */
function upscore(channels: number, factor: number): ConvTranspose2d {
  const k = 2 * factor;
  return new ConvTranspose2d(channels, channels, k, { stride: factor, padding: factor / 2, bias: false, init: () => bilinearKernel(channels, k) });
}

/**
 * One FCN fusion: `up(coarse scores)` cropped to the finer map + `score(finer features)`.
 * The upsampler and the score layer are registered under the given (paper) names.
 */
export class ScoreFusion extends CrossScaleSkip {
  readonly #up: Module;
  readonly #score: Module;

  constructor(upName: string, up: Module, scoreName: string, score: Module) {
    super({ merge: 'add' });
    this.registerModule(upName, up);
    this.registerModule(scoreName, score);
    this.#up = up;
    this.#score = score;
  }

  protected override forwardCoarse(x: Tensor): Tensor {
    return this.#up.call(x);
  }

  protected override branches(x: Tensor, fine: Tensor): Branches {
    return { ...super.branches(x, fine), shortcut: () => this.#score.call(fine) };
  }
}

/** torchvision's VGG-16 `features` (configuration D, no BN), channels scaled by `base/64`. */
export function vgg16Features(inChannels: number, base = 64): Sequential {
  const cfg: (number | 'M')[] = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M'];
  const layers: Module[] = [];
  let c = inChannels;
  for (const v of cfg) {
    if (v === 'M') layers.push(new MaxPool2d(2, { stride: 2 }));
    else {
      layers.push(new Conv2d(c, v * base, 3, { padding: 1 }), new ReLU());
      c = v * base;
    }
  }
  return new Sequential(...layers);
}

/** Indices of pool3 and pool4 in {@link vgg16Features}. */
const VGG_POOL3 = 16;
const VGG_POOL4 = 23;

/** Options of {@link FCN8s}. */
export interface FCN8sOptions extends CommonOptions {
  /**
   * `'vgg16'` (default, the paper) or ResNet options for a ResNet backbone (e.g.
   * `{ block: 'basic', layers: [2, 2, 2, 2] }` for ResNet-18).
   */
  backbone?: 'vgg16' | ResNetOptions;
  /** VGG: channels of the first conv (default 64). */
  baseWidth?: number;
  /** VGG: channels of fc6/fc7 (default 4096). */
  fcWidth?: number;
  /** Dropout after fc6 and fc7 (default 0.5). */
  dropout?: number;
}

/**
 * FCN-8s. Input `[N, inChannels, H, W]` (any size) → per-pixel logits `[N, numClasses, H, W]`
 * (default 21 classes, PASCAL VOC).
 */
export class FCN8s extends Model {
  declare features: Sequential | null;
  declare fc6: Conv2d | null;
  declare relu6: ReLU | null;
  declare drop6: Dropout | null;
  declare fc7: Conv2d | null;
  declare relu7: ReLU | null;
  declare drop7: Dropout | null;
  declare backbone: ResNet | null;
  declare score_fr: Conv2d;
  declare fuse_pool4: ScoreFusion;
  declare fuse_pool3: ScoreFusion;
  declare upscore8: ConvTranspose2d;
  readonly inputSpec: InputSpec;

  constructor(options: FCN8sOptions = {}, name = 'fcn8s') {
    super(name);
    const c = positiveInt('inChannels', options.inChannels ?? 3, name);
    const nc = positiveInt('numClasses', options.numClasses ?? 21, name);
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, minSize: 1, example: [1, c, 224, 224] };
    const bb = options.backbone ?? 'vgg16';
    let c3: number;
    let c4: number;
    let c5: number;
    const score = (i: number): Conv2d => new Conv2d(i, nc, 1, { init: 'zeros' });
    if (bb === 'vgg16') {
      const base = positiveInt('baseWidth', options.baseWidth ?? 64, name);
      const fc = positiveInt('fcWidth', options.fcWidth ?? 4096, name);
      const p = options.dropout ?? 0.5;
      this.features = vgg16Features(c, base);
      this.fc6 = new Conv2d(8 * base, fc, 7, { padding: 3 });
      this.relu6 = new ReLU();
      this.drop6 = new Dropout(p);
      this.fc7 = new Conv2d(fc, fc, 1);
      this.relu7 = new ReLU();
      this.drop7 = new Dropout(p);
      this.backbone = null;
      [c3, c4, c5] = [4 * base, 8 * base, fc];
    } else {
      this.features = this.fc6 = this.fc7 = null;
      this.relu6 = this.relu7 = null;
      this.drop6 = this.drop7 = null;
      const resnet = new ResNet({ skip: options.skip, ...bb, inChannels: c, classifier: false }, `${name}.backbone`);
      if (resnet.stages.length !== 4) throw new Error(`${name}: a ResNet backbone needs 4 stages (pool3/4/5 = layer2/3/4)`);
      this.backbone = resnet;
      [, c3, c4, c5] = resnet.stageChannels as [number, number, number, number];
    }
    this.score_fr = score(c5);
    this.registerModule('fuse_pool4', new ScoreFusion('upscore2', upscore(nc, 2), 'score_pool4', score(c4)), { inline: true });
    this.registerModule('fuse_pool3', new ScoreFusion('upscore_pool4', upscore(nc, 2), 'score_pool3', score(c3)), { inline: true });
    this.upscore8 = upscore(nc, 8);
    applySkip([this.fuse_pool4, this.fuse_pool3], options.skip);
  }

  /** pool3, pool4 and the stride-32 features of a `[N, C, 32a, 32b]` input. */
  #backbone(x: Tensor): [Tensor, Tensor, Tensor] {
    if (this.backbone) {
      const [, p3, p4, p5] = this.backbone.forwardStages(x) as [Tensor, Tensor, Tensor, Tensor];
      return [p3, p4, p5];
    }
    let y = x;
    let p3: Tensor | null = null;
    let p4: Tensor | null = null;
    let i = 0;
    for (const layer of this.features!) {
      y = layer.call(y);
      if (i === VGG_POOL3) p3 = y;
      if (i === VGG_POOL4) p4 = y;
      i++;
    }
    y = this.drop6!.call(this.relu6!.call(this.fc6!.call(y)));
    y = this.drop7!.call(this.relu7!.call(this.fc7!.call(y)));
    return [p3!, p4!, y];
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const [n, , h, w] = x.shape as [number, number, number, number];
    const ph = (32 - (h % 32)) % 32;
    const pw = (32 - (w % 32)) % 32;
    const padded =
      ph || pw
        ? pad(x, [
            [0, 0],
            [0, 0],
            [0, ph],
            [0, pw],
          ])
        : x;
    const [p3, p4, p5] = this.#backbone(padded);
    let y = this.score_fr.call(p5);
    y = this.fuse_pool4.call(y, p4);
    y = this.fuse_pool3.call(y, p3);
    y = this.upscore8.call(y);
    return ph || pw ? slice(y, [0, 0, 0, 0], [n, y.shape[1]!, h, w]) : y;
  }
}
