/**
 * DenseNet (Huang et al. 2017) with torchvision's layout — `features.conv0`, `features.norm0`,
 * `features.denseblock1.denselayer1.norm1`, …, `features.transition1.conv`, `features.norm5`,
 * `classifier` — and the CIFAR DenseNet-BC of the paper (3×3 stem, three blocks).
 *
 * Each dense layer is a core {@link Skip} with merge `'concat'`: `[x, H(x)]`, so block `b`
 * layer `l` sees every earlier feature map of its block — torchvision's `torch.cat(features)`
 * built one layer at a time. The plain twin (`skip: false`) concatenates zeros in place of
 * `x`, keeping every shape and parameter while removing the dense connectivity.
 */
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Skip,
  adaptiveAvgPool2d,
  flatten,
  init,
  relu,
  seq,
  type Branches,
  type Module,
  type Shape,
  type Tensor,
} from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { Model, type InputSpec } from './model.js';

/** torchvision's DenseNet init: `kaiming_normal_` with its defaults (fan-in, gain √2). */
const denseInit = (shape: Shape): Tensor => init.kaimingNormal(shape);

/**
 * One dense layer (BN-ReLU-1×1 conv to `bnSize·k`, BN-ReLU-3×3 conv to `k`, dropout) as a
 * concat skip: output `[x, new]` with `k` more channels.
 */
export class DenseLayer extends Skip {
  declare norm1: BatchNorm2d;
  declare relu1: ReLU;
  declare conv1: Conv2d;
  declare norm2: BatchNorm2d;
  declare relu2: ReLU;
  declare conv2: Conv2d;
  declare drop: Dropout | null;

  constructor(inFeatures: number, growthRate: number, bnSize: number, dropRate: number) {
    super({ merge: 'concat', axis: 1 });
    this.norm1 = new BatchNorm2d(inFeatures);
    this.relu1 = new ReLU();
    this.conv1 = new Conv2d(inFeatures, bnSize * growthRate, 1, { bias: false, init: denseInit });
    this.norm2 = new BatchNorm2d(bnSize * growthRate);
    this.relu2 = new ReLU();
    this.conv2 = new Conv2d(bnSize * growthRate, growthRate, 3, { padding: 1, bias: false, init: denseInit });
    this.drop = dropRate > 0 ? new Dropout(dropRate) : null;
  }

  protected override branches(x: Tensor): Branches {
    const y = seq(x, this.norm1, this.relu1, this.conv1, this.norm2, this.relu2, this.conv2);
    return { main: this.drop ? this.drop.call(y) : y };
  }
}

/** A transition: BN-ReLU-1×1 conv (compression) and 2×2 average pooling. Names `norm`, `relu`, `conv`, `pool`. */
export class Transition extends Sequential {
  constructor(inFeatures: number, outFeatures: number) {
    super({
      norm: new BatchNorm2d(inFeatures),
      relu: new ReLU(),
      conv: new Conv2d(inFeatures, outFeatures, 1, { bias: false, init: denseInit }),
      pool: new AvgPool2d(2, { stride: 2 }),
    });
  }
}

/** Options of {@link DenseNet}. */
export interface DenseNetOptions extends CommonOptions {
  /** New channels per layer `k` (default 32). */
  growthRate?: number;
  /** Layers per dense block (default `[6, 12, 24, 16]`, DenseNet-121). */
  blockConfig?: readonly number[];
  /** Channels of the stem (default 64). */
  numInitFeatures?: number;
  /** Bottleneck width multiplier: the 1×1 conv has `bnSize·k` channels (default 4). */
  bnSize?: number;
  /** Dropout after each dense layer (default 0). */
  dropRate?: number;
  /** Transition compression θ (default 0.5, the "C" of DenseNet-BC). */
  compression?: number;
  /**
   * `'imagenet'` (default): 7×7/2 conv, BN, ReLU, 3×3/2 max-pool — torchvision's stem.
   * `'cifar'`: one 3×3 conv (the paper's CIFAR nets), with no BN before the first block.
   */
  stem?: 'imagenet' | 'cifar';
  /**
   * The expected input side. When the ImageNet stem would shrink it below what the
   * transitions need (H < 29 for DenseNet-121), `conv0` runs at stride 1 instead of 2 — the
   * same layers and parameter names (torchvision weights still load), 2× less downsampling —
   * so 28×28 MNIST fits (H ≥ 15).
   */
  imageSize?: number;
}

/**
 * DenseNet. Input `[N, inChannels, H, W]` → `[N, numClasses]`. Every transition halves the
 * map, so the input must leave at least 2 pixels before the last one: H, W ≥ 29 with the
 * ImageNet stem and 3 transitions (see `imageSize` and `stem: 'cifar'` for small images).
 */
export class DenseNet extends Model {
  declare features: Sequential;
  declare classifier: Linear;
  readonly inputSpec: InputSpec;

  constructor(options: DenseNetOptions = {}, name = 'densenet') {
    super(name);
    const inChannels = positiveInt('inChannels', options.inChannels ?? 3, name);
    const numClasses = positiveInt('numClasses', options.numClasses ?? 1000, name);
    const k = positiveInt('growthRate', options.growthRate ?? 32, name);
    const blocks = options.blockConfig ?? [6, 12, 24, 16];
    const bnSize = positiveInt('bnSize', options.bnSize ?? 4, name);
    const theta = options.compression ?? 0.5;
    const cifar = options.stem === 'cifar';
    // Each transition's 2×2 average pool needs a map of at least 2 pixels, i.e. 2^T pixels at
    // the first block. The ImageNet stem (7×7/s conv, 3×3/2 pool) maps H to ⌈H/(2s)⌉, so
    // H ≥ 2s·(2^T − 1) + 1.
    const t = 2 ** (blocks.length - 1);
    const minFor = (stride: number): number => 2 * stride * (t - 1) + 1;
    const stride = !cifar && options.imageSize !== undefined && options.imageSize < minFor(2) ? 1 : 2;
    let c = positiveInt('numInitFeatures', options.numInitFeatures ?? 64, name);
    const modules: Record<string, Module> = cifar
      ? { conv0: new Conv2d(inChannels, c, 3, { padding: 1, bias: false, init: denseInit }) }
      : {
          conv0: new Conv2d(inChannels, c, 7, { stride, padding: 3, bias: false, init: denseInit }),
          norm0: new BatchNorm2d(c),
          relu0: new ReLU(),
          pool0: new MaxPool2d(3, { stride: 2, padding: 1 }),
        };
    const layers: Skip[] = [];
    blocks.forEach((n, b) => {
      const block: Record<string, DenseLayer> = {};
      for (let l = 0; l < positiveInt('layers per block', n, name); l++) {
        const layer = new DenseLayer(c + l * k, k, bnSize, options.dropRate ?? 0);
        block[`denselayer${l + 1}`] = layer;
        layers.push(layer);
      }
      modules[`denseblock${b + 1}`] = new Sequential(block);
      c += n * k;
      if (b !== blocks.length - 1) {
        const out = Math.floor(c * theta);
        modules[`transition${b + 1}`] = new Transition(c, out);
        c = out;
      }
    });
    // torchvision names the closing BN `norm5` whatever the number of blocks.
    modules.norm5 = new BatchNorm2d(c);
    this.features = new Sequential(modules);
    // torchvision zeroes the classifier bias.
    this.classifier = new Linear(c, numClasses, { biasInit: 0 });
    applySkip(layers, options.skip);
    const side = options.imageSize ?? (cifar ? 32 : 224);
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: inChannels, minSize: cifar ? t : minFor(stride), example: [1, inChannels, side, side] };
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const f = this.features.call(x);
    return this.classifier.call(flatten(adaptiveAvgPool2d(relu(f), 1), 1));
  }
}
