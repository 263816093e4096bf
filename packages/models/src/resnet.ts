/**
 * ResNet (He et al. 2015), ResNeXt (Xie et al. 2017), Wide-ResNet (Zagoruyko & Komodakis
 * 2016) and pre-activation ResNet v2 (He et al. 2016), with torchvision's module layout so a
 * torchvision `state_dict` saved as safetensors loads with `strict: true`:
 * `conv1`, `bn1`, `layer1.0.conv1`, …, `layer2.0.downsample.0/1`, `fc`.
 *
 * Every block is a core {@link Skip} (merge `'add'`, ReLU after the merge for v1) whose
 * layers are registered directly on it, so the block adds no name segment.
 */
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Skip,
  flatten,
  seq,
  setSkips,
  type Branches,
  type Module,
  type Tensor,
} from '@skipnet/core';
import { linearDropPath, positiveInt, zeroGamma, type CommonOptions } from './common.js';
import { conv1x1, conv3x3 } from './layers.js';
import { Model, type InputSpec } from './model.js';

/** A block's branches: `main`, and `downsample(input)` as the shortcut when there is one (else the identity). */
function withDownsample(main: Tensor, input: Tensor, downsample: Module | null): Branches {
  return downsample ? { main, shortcut: () => downsample.call(input) } : { main };
}

/** Arguments torchvision passes to a block constructor. */
export interface BlockArgs {
  inplanes: number;
  planes: number;
  stride?: number;
  /** The projection shortcut (torchvision's `downsample`), or null for the identity. */
  downsample?: Module | null;
  /** Grouped 3×3 convolution (ResNeXt cardinality). */
  groups?: number;
  /** Width per group (64 = plain ResNet, 4 for ResNeXt 32×4d, 128 for Wide-ResNet-50-2). */
  baseWidth?: number;
  /** Stochastic-depth probability of this block. */
  dropPath?: number;
}

/**
 * torchvision's `BasicBlock`: `relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))`.
 * Two 3×3 convs, expansion 1.
 */
export class BasicBlock extends Skip {
  /** Output channels per `planes`. */
  static readonly expansion = 1;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare downsample: Module | null;
  /** Stride of the first conv (and of the shortcut). */
  readonly stride: number;

  constructor(args: BlockArgs) {
    super({ merge: 'add', dropPath: args.dropPath ?? 0 });
    const { inplanes, planes, stride = 1 } = args;
    if ((args.groups ?? 1) !== 1 || (args.baseWidth ?? 64) !== 64) {
      throw new Error('BasicBlock only supports groups=1 and baseWidth=64 (as torchvision); use Bottleneck for ResNeXt / Wide-ResNet');
    }
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = args.downsample ?? null;
    this.stride = stride;
    this.post = this.relu;
  }

  protected override branches(x: Tensor, s: Tensor): Branches {
    return withDownsample(seq(x, this.conv1, this.bn1, this.relu, this.conv2, this.bn2), s, this.downsample);
  }

  /** The BN closing the residual branch (zeroed by `zeroInitResidual`). */
  lastNorm(): BatchNorm2d {
    return this.bn2;
  }
}

/**
 * torchvision's `Bottleneck` (ResNet v1.5: the stride sits on the 3×3 conv): 1×1 reduce to
 * `width = ⌊planes·baseWidth/64⌋·groups`, grouped 3×3, 1×1 expand to `4·planes`, add, ReLU.
 */
export class Bottleneck extends Skip {
  /** Output channels per `planes`. */
  static readonly expansion = 4;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare conv3: Conv2d;
  declare bn3: BatchNorm2d;
  declare relu: ReLU;
  declare downsample: Module | null;
  readonly stride: number;

  constructor(args: BlockArgs) {
    super({ merge: 'add', dropPath: args.dropPath ?? 0 });
    const { inplanes, planes, stride = 1 } = args;
    const groups = args.groups ?? 1;
    const width = Math.floor(planes * ((args.baseWidth ?? 64) / 64)) * groups;
    if (width < 1) throw new Error(`Bottleneck: width ⌊${planes}·${args.baseWidth}/64⌋·${groups} is 0; use more planes or a larger width per group`);
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride, groups);
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU();
    this.downsample = args.downsample ?? null;
    this.stride = stride;
    this.post = this.relu;
  }

  protected override branches(x: Tensor, s: Tensor): Branches {
    return withDownsample(seq(x, this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3), s, this.downsample);
  }

  /** The BN closing the residual branch. */
  lastNorm(): BatchNorm2d {
    return this.bn3;
  }
}

/**
 * Pre-activation basic block (ResNet v2, He et al. 2016 "Identity Mappings"):
 * `x + conv2(relu(bn2(conv1(relu(bn1(x))))))` with nothing after the add, so the shortcut is
 * a clean identity path through the whole network. A projection shortcut (`downsample`, a
 * bare 1×1 conv) takes the pre-activated input, as in the paper's code.
 */
export class PreActBasicBlock extends Skip {
  static readonly expansion = 1;
  declare bn1: BatchNorm2d;
  declare conv1: Conv2d;
  declare bn2: BatchNorm2d;
  declare conv2: Conv2d;
  declare relu: ReLU;
  declare downsample: Module | null;

  constructor(args: BlockArgs) {
    super({ merge: 'add', dropPath: args.dropPath ?? 0 });
    const { inplanes, planes, stride = 1 } = args;
    this.bn1 = new BatchNorm2d(inplanes);
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn2 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.relu = new ReLU();
    this.downsample = args.downsample ?? null;
  }

  protected override branches(x: Tensor, s: Tensor): Branches {
    const pre = seq(x, this.bn1, this.relu);
    // A projection takes the pre-activated input, as in the paper's code; the identity takes x.
    return withDownsample(seq(pre, this.conv1, this.bn2, this.relu, this.conv2), this.downsample ? pre : s, this.downsample);
  }
}

/** Pre-activation bottleneck (ResNet v2): BN-ReLU-1×1, BN-ReLU-3×3 (stride), BN-ReLU-1×1, add. */
export class PreActBottleneck extends Skip {
  static readonly expansion = 4;
  declare bn1: BatchNorm2d;
  declare conv1: Conv2d;
  declare bn2: BatchNorm2d;
  declare conv2: Conv2d;
  declare bn3: BatchNorm2d;
  declare conv3: Conv2d;
  declare relu: ReLU;
  declare downsample: Module | null;

  constructor(args: BlockArgs) {
    super({ merge: 'add', dropPath: args.dropPath ?? 0 });
    const { inplanes, planes, stride = 1 } = args;
    const groups = args.groups ?? 1;
    const width = Math.floor(planes * ((args.baseWidth ?? 64) / 64)) * groups;
    if (width < 1) throw new Error(`PreActBottleneck: width ⌊${planes}·${args.baseWidth}/64⌋·${groups} is 0`);
    this.bn1 = new BatchNorm2d(inplanes);
    this.conv1 = conv1x1(inplanes, width);
    this.bn2 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride, groups);
    this.bn3 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * PreActBottleneck.expansion);
    this.relu = new ReLU();
    this.downsample = args.downsample ?? null;
  }

  protected override branches(x: Tensor, s: Tensor): Branches {
    const pre = seq(x, this.bn1, this.relu);
    return withDownsample(seq(pre, this.conv1, this.bn2, this.relu, this.conv2, this.bn3, this.relu, this.conv3), this.downsample ? pre : s, this.downsample);
  }
}

/** A block class usable by {@link ResNet}. */
export interface BlockClass {
  new (args: BlockArgs): Skip;
  readonly expansion: number;
}

/** What {@link makeLayer} builds: one stage of residual blocks (torchvision's `_make_layer`). */
export interface LayerSpec {
  readonly block: BlockClass;
  /** Channels entering the stage. */
  readonly inplanes: number;
  /** `planes` of every block; the stage outputs `planes · block.expansion` channels. */
  readonly planes: number;
  /** Number of blocks. */
  readonly blocks: number;
  /** Stride of the first block (1 or 2). */
  readonly stride: number;
  /** The first block's projection shortcut, built only when the shape changes (`stride ≠ 1` or new width). */
  readonly downsample: (inplanes: number, outplanes: number, stride: number) => Module;
  /** ResNeXt groups and width per group of the 3×3 conv (default 1 and 64). */
  readonly groups?: number;
  readonly baseWidth?: number;
  /** Stochastic-depth rate of each block of the stage (default 0 for all). */
  readonly dropPaths?: readonly number[];
}

/**
 * One stage as torchvision's `_make_layer` builds it: the first block takes the stride and,
 * when the shape changes, the projection shortcut; the rest keep the shape with identity
 * shortcuts. Children are named `0`, `1`, … (`layer1.0.conv1`).
 */
export function makeLayer(spec: LayerSpec): Sequential {
  const { block: Block, inplanes, planes, stride } = spec;
  const outplanes = planes * Block.expansion;
  const downsample = stride !== 1 || inplanes !== outplanes ? spec.downsample(inplanes, outplanes, stride) : null;
  const blocks: Skip[] = [];
  for (let b = 0; b < spec.blocks; b++) {
    blocks.push(
      new Block({
        inplanes: b === 0 ? inplanes : outplanes,
        planes,
        stride: b === 0 ? stride : 1,
        downsample: b === 0 ? downsample : null,
        ...(spec.groups !== undefined ? { groups: spec.groups } : {}),
        ...(spec.baseWidth !== undefined ? { baseWidth: spec.baseWidth } : {}),
        dropPath: spec.dropPaths?.[b] ?? 0,
      }),
    );
  }
  return new Sequential(...blocks);
}

/** Stochastic-depth rates of every block of a network, split by stage: linear from 0 to `max` over all blocks. */
export function stageDropPaths(max: number, blocksPerStage: readonly number[]): number[][] {
  const total = blocksPerStage.reduce((a, b) => a + b, 0);
  let index = 0;
  return blocksPerStage.map((n) => Array.from({ length: n }, () => linearDropPath(max, index++, total)));
}

/** Options of {@link ResNet}. */
export interface ResNetOptions extends CommonOptions {
  /** Residual block (default `'basic'`). */
  block?: 'basic' | 'bottleneck';
  /** Blocks per stage (default `[2, 2, 2, 2]`, ResNet-18). */
  layers?: readonly number[];
  /** ResNeXt cardinality: groups of the 3×3 conv (default 1). */
  groups?: number;
  /** Channels per group of the 3×3 conv, torchvision's `width_per_group` (default 64). */
  widthPerGroup?: number;
  /**
   * `planes` of each stage (default `[64, 128, 256, 512]`); the stem has `widths[0]` channels.
   * Smaller values give tiny nets with torchvision's exact key layout (tests, MNIST).
   */
  widths?: readonly number[];
  /** Start every residual branch at zero (γ of its last BN = 0), torchvision's `zero_init_residual`. */
  zeroInitResidual?: boolean;
  /** Stochastic depth: drop-path rate of the last block, rising linearly from 0 (default 0). */
  dropPath?: number;
  /** Pre-activation blocks (ResNet v2) with a final BN + ReLU (default false). */
  preact?: boolean;
  /** Build the avgpool + fc head (default true; false for FPN/FCN backbones). */
  classifier?: boolean;
}

/**
 * ResNet with torchvision's names: `conv1` (7×7/2), `bn1`, `relu`, `maxpool` (3×3/2),
 * `layer1`…`layerK`, `avgpool`, `fc`. With `preact` the stem has no BN/ReLU (the first block
 * pre-activates) and a final `norm` (BN) + ReLU precedes the pool (ResNet v2).
 * Input `[N, inChannels, H, W]` (any H, W ≥ 1) → logits `[N, numClasses]`.
 */
export class ResNet extends Model {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d | null;
  declare relu: ReLU;
  declare maxpool: MaxPool2d;
  declare norm: BatchNorm2d | null;
  declare avgpool: AdaptiveAvgPool2d | null;
  declare fc: Linear | null;
  readonly inputSpec: InputSpec;
  /** Output channels of each stage (C2…C5 for an FPN). */
  readonly stageChannels: number[];
  /** The stage modules `layer1`, … in order. */
  readonly stages: Sequential[];
  readonly preact: boolean;

  constructor(options: ResNetOptions = {}, name = 'resnet') {
    super(name);
    const inChannels = positiveInt('inChannels', options.inChannels ?? 3, name);
    const numClasses = positiveInt('numClasses', options.numClasses ?? 1000, name);
    const layers = options.layers ?? [2, 2, 2, 2];
    const widths = options.widths ?? [64, 128, 256, 512].slice(0, layers.length);
    if (widths.length !== layers.length) throw new Error(`${name}: widths has ${widths.length} stages, layers has ${layers.length}`);
    layers.forEach((n) => positiveInt('blocks per stage', n, name));
    widths.forEach((w) => positiveInt('width', w, name));
    this.preact = options.preact ?? false;
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: inChannels, minSize: 1, example: [1, inChannels, 224, 224] };

    // Stem: v2 has no BN/ReLU here (the first block pre-activates).
    this.conv1 = new Conv2d(inChannels, widths[0]!, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = this.preact ? null : new BatchNorm2d(widths[0]!);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });

    // Stages: torchvision's _make_layer, stride 2 from the second stage on.
    const bottleneck = (options.block ?? 'basic') === 'bottleneck';
    const block: BlockClass = this.preact ? (bottleneck ? PreActBottleneck : PreActBasicBlock) : bottleneck ? Bottleneck : BasicBlock;
    // v2 projects the pre-activated input with a bare conv; v1 adds a BN.
    const downsample = (i: number, o: number, stride: number): Module => new Sequential(conv1x1(i, o, stride), ...(this.preact ? [] : [new BatchNorm2d(o)]));
    const dropPaths = stageDropPaths(options.dropPath ?? 0, layers);
    this.stages = [];
    this.stageChannels = [];
    let inplanes = widths[0]!;
    layers.forEach((blocks, s) => {
      const stage = makeLayer({
        block,
        inplanes,
        planes: widths[s]!,
        blocks,
        stride: s === 0 ? 1 : 2,
        downsample,
        groups: options.groups ?? 1,
        baseWidth: options.widthPerGroup ?? 64,
        dropPaths: dropPaths[s]!,
      });
      this.registerModule(`layer${s + 1}`, stage);
      this.stages.push(stage);
      inplanes = widths[s]! * block.expansion;
      this.stageChannels.push(inplanes);
    });
    if (options.skip === false) setSkips(this, false);
    if (options.zeroInitResidual && !this.preact) {
      for (const stage of this.stages) for (const b of stage) zeroGamma((b as BasicBlock | Bottleneck).lastNorm());
    }

    // Head: v2 closes with BN + ReLU before the pool.
    this.norm = this.preact ? new BatchNorm2d(inplanes) : null;
    const head = options.classifier ?? true;
    this.avgpool = head ? new AdaptiveAvgPool2d(1) : null;
    this.fc = head ? new Linear(inplanes, numClasses) : null;
    // Non-enumerable: bookkeeping, not children (the stages are registered as layerN).
    Object.defineProperty(this, 'stages', { enumerable: false });
  }

  /** The stem: conv1 (→ bn1 → relu for v1) → maxpool. */
  forwardStem(x: Tensor): Tensor {
    let y = this.conv1.call(x);
    if (this.bn1) y = this.relu.call(this.bn1.call(y));
    return this.maxpool.call(y);
  }

  /** Outputs of every stage (`layer1` … `layerK`: strides 4, 8, 16, 32), for FPN/FCN. */
  forwardStages(x: Tensor): Tensor[] {
    this.checkInput(x);
    const outs: Tensor[] = [];
    let y = this.forwardStem(x);
    for (const stage of this.stages) {
      y = stage.call(y);
      outs.push(y);
    }
    if (this.norm) outs[outs.length - 1] = this.relu.call(this.norm.call(outs[outs.length - 1]!));
    return outs;
  }

  override forward(x: Tensor): Tensor {
    const feats = this.forwardStages(x);
    if (!this.avgpool || !this.fc) throw new Error(`${this.modelName}: built without a classifier (classifier: false); use forwardStages`);
    return this.fc.call(flatten(this.avgpool.call(feats[feats.length - 1]!), 1));
  }
}
