/**
 * The CIFAR-10 ResNets of He et al. 2015 (§4.2): a 3×3 conv with 16 channels, three stages of
 * `n` basic blocks with 16, 32 and 64 channels (the first block of stages 2 and 3 halves the
 * map), global average pooling and a linear layer — depth `6n + 2` (20, 32, 44, 56, 110).
 *
 * Shortcuts across a change of shape use option A (identity on every second pixel with the
 * new channels zero-padded: no parameters, as in the paper's CIFAR experiments) or option B
 * (1×1 conv + BN projection). Names follow the widely used akamaster/pytorch_resnet_cifar10
 * checkpoints: `conv1`, `bn1`, `layer1.0.conv1`, …, `linear`; option B adds
 * `layerK.0.downsample.0/1`.
 */
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential, flatten, maxPool2d, pad, seq, setSkips, type Tensor } from '@skipnet/core';
import { positiveInt, type CommonOptions } from './common.js';
import { conv1x1, conv3x3 } from './layers.js';
import { Model, type InputSpec } from './model.js';
import { BasicBlock, PreActBasicBlock, makeLayer, stageDropPaths } from './resnet.js';

/**
 * Option A shortcut: `x[:, :, ::s, ::s]` with `(out − in)/2` zero channels on each side
 * (akamaster's `LambdaLayer`). Parameter-free; the zeros carry no gradient.
 */
export class PadShortcut extends Module {
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride: number,
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    // A 1×1 max-pool with stride s is exactly the strided subsample.
    const sub = this.stride === 1 ? x : maxPool2d(x, 1, { stride: this.stride });
    const extra = this.outChannels - this.inChannels;
    const before = Math.floor(extra / 2);
    return extra > 0
      ? pad(sub, [
          [0, 0],
          [before, extra - before],
          [0, 0],
          [0, 0],
        ])
      : sub;
  }
}

/** Options of {@link CifarResNet}. */
export interface CifarResNetOptions extends CommonOptions {
  /** Depth `6n + 2` (default 20). */
  depth?: number;
  /** `'A'` (zero-pad identity, default, as the paper's CIFAR nets) or `'B'` (1×1 conv + BN). */
  shortcut?: 'A' | 'B';
  /** Channels of the three stages (default `[16, 32, 64]`). */
  widths?: readonly [number, number, number];
  /** Pre-activation blocks (ResNet v2 on CIFAR) with a final BN + ReLU (default false). */
  preact?: boolean;
  /** Drop-path rate of the last block, rising linearly from 0 (default 0). */
  dropPath?: number;
}

/**
 * CIFAR ResNet-(6n+2). Input `[N, inChannels, H, W]` (32×32 CIFAR, 28×28 MNIST, any size) →
 * `[N, numClasses]`. Initialisation: Kaiming normal convs, BN γ = 1, PyTorch's default linear.
 */
export class CifarResNet extends Model {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d | null;
  declare relu: ReLU;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare bn: BatchNorm2d | null;
  declare avgpool: AdaptiveAvgPool2d;
  declare linear: Linear;
  readonly inputSpec: InputSpec;
  readonly depth: number;

  constructor(options: CifarResNetOptions = {}, name = 'cifar_resnet') {
    super(name);
    const depth = options.depth ?? 20;
    if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
      throw new Error(`${name}: depth must be 6n + 2 with n ≥ 1 (20, 32, 44, 56, 110, …), got ${depth}`);
    }
    this.depth = depth;
    const n = (depth - 2) / 6;
    const inChannels = positiveInt('inChannels', options.inChannels ?? 3, name);
    const numClasses = positiveInt('numClasses', options.numClasses ?? 10, name);
    const widths = options.widths ?? [16, 32, 64];
    const preact = options.preact ?? false;
    const optionB = (options.shortcut ?? 'A') === 'B';
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: inChannels, minSize: 1, example: [1, inChannels, 32, 32] };
    this.conv1 = conv3x3(inChannels, widths[0]);
    this.bn1 = preact ? null : new BatchNorm2d(widths[0]);
    this.relu = new ReLU();
    // Three stages of n blocks (torchvision's _make_layer); option A pads, option B projects.
    const downsample = (i: number, o: number, stride: number): Module =>
      optionB ? new Sequential(conv1x1(i, o, stride), ...(preact ? [] : [new BatchNorm2d(o)])) : new PadShortcut(i, o, stride);
    const dropPaths = stageDropPaths(options.dropPath ?? 0, [n, n, n]);
    const stages = [0, 1, 2].map((s) =>
      makeLayer({
        block: preact ? PreActBasicBlock : BasicBlock,
        inplanes: s === 0 ? widths[0] : widths[s - 1]!,
        planes: positiveInt('width', widths[s]!, name),
        blocks: n,
        stride: s === 0 ? 1 : 2,
        downsample,
        dropPaths: dropPaths[s]!,
      }),
    );
    const inplanes = widths[2];
    [this.layer1, this.layer2, this.layer3] = stages as [Sequential, Sequential, Sequential];
    if (options.skip === false) setSkips(this, false);
    this.bn = preact ? new BatchNorm2d(inplanes) : null;
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.linear = new Linear(inplanes, numClasses);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    let y = this.conv1.call(x);
    if (this.bn1) y = this.relu.call(this.bn1.call(y));
    y = seq(y, this.layer1, this.layer2, this.layer3);
    if (this.bn) y = this.relu.call(this.bn.call(y));
    return this.linear.call(flatten(this.avgpool.call(y), 1));
  }
}
