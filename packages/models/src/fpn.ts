/**
 * Feature Pyramid Network (Lin et al. 2017) on a ResNet, with a semantic-segmentation head
 * (the Panoptic FPN head of Kirillov et al. 2019).
 *
 * Bottom-up: the ResNet's stages C2–C5 (strides 4–32). Top-down: a 1×1 lateral conv on each
 * Cᵢ; starting from the top, the running map is upsampled ×2 (nearest) and added to the next
 * lateral — that add is the skip, a core {@link Skip} whose shortcut input is the lateral; a
 * 3×3 conv smooths each sum into Pᵢ (P2–P5, `fpnChannels` each).
 *
 * Names follow torchvision's `BackboneWithFPN`: `backbone.body.*` (the ResNet, torchvision
 * names), `backbone.fpn.inner_blocks.i.0` (laterals), `backbone.fpn.layer_blocks.i.0`
 * (smoothing) — so `model.backbone` loads a torchvision `BackboneWithFPN` state dict. The
 * plain twin (`skip: false`) has no skip anywhere: a plain ResNet, and no lateral connections
 * below the top (each Pᵢ then sees only the upsampled coarse map — the "no lateral" ablation
 * of the paper's Table 3). To ablate the laterals alone, `setSkips(model, false, 'backbone.fpn')`.
 */
import { Conv2d, GroupNorm, Module, ModuleList, ReLU, Sequential, add, upsample, type Tensor } from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { CrossScaleSkip, resizeTo } from './layers.js';
import { Model, type InputSpec } from './model.js';
import { ResNet, type ResNetOptions } from './resnet.js';

/** The top-down merge: `nearest_upsample(coarse) + lateral`. No parameters. */
export class TopDownSkip extends CrossScaleSkip {
  constructor() {
    super({ merge: 'add' });
  }

  protected override forwardCoarse(x: Tensor): Tensor {
    return x;
  }

  protected override fit(y: Tensor, h: number, w: number): Tensor {
    // torchvision: F.interpolate(last_inner, size=lateral.shape[-2:], mode="nearest").
    return resizeTo(y, h, w, 'nearest');
  }
}

/** torchvision's `FeaturePyramidNetwork` (no extra blocks): laterals, top-down adds, 3×3 smoothing. */
export class FeaturePyramidNetwork extends Module {
  declare inner_blocks: ModuleList;
  declare layer_blocks: ModuleList;
  /** One top-down merge per level below the top (no parameters). */
  declare top_down: ModuleList;

  constructor(inChannelsList: readonly number[], outChannels: number) {
    super();
    // torchvision initialises these convs with kaiming_uniform_(a=1) and zero bias.
    const convInit = { uniform: Math.sqrt(3) } as const;
    this.inner_blocks = new ModuleList(inChannelsList.map((c) => new Sequential(new Conv2d(c, outChannels, 1, { init: scaled(convInit, c) }))));
    this.layer_blocks = new ModuleList(
      inChannelsList.map(() => new Sequential(new Conv2d(outChannels, outChannels, 3, { padding: 1, init: scaled(convInit, outChannels * 9) }))),
    );
    this.top_down = new ModuleList(inChannelsList.slice(1).map(() => new TopDownSkip()));
  }

  /** C2…C5 → P2…P5 (same spatial sizes as the inputs). */
  pyramid(features: readonly Tensor[]): Tensor[] {
    const inner = [...this.inner_blocks];
    const layer = [...this.layer_blocks];
    const merges = [...this.top_down] as TopDownSkip[];
    const top = features.length - 1;
    let last = inner[top]!.call(features[top]!);
    const out: Tensor[] = [layer[top]!.call(last)];
    for (let i = top - 1; i >= 0; i--) {
      const lateral = inner[i]!.call(features[i]!);
      last = merges[i]!.call(last, lateral);
      out.unshift(layer[i]!.call(last));
    }
    return out;
  }
}

/** `kaiming_uniform_(a=1)`: U(±√3/√fanIn). */
function scaled(base: { uniform: number }, fanIn: number): { uniform: number } {
  return { uniform: base.uniform / Math.sqrt(fanIn) };
}

/** torchvision's `BackboneWithFPN`: `body` (the ResNet) and `fpn`. */
export class BackboneWithFPN extends Module {
  declare body: ResNet;
  declare fpn: FeaturePyramidNetwork;

  constructor(body: ResNet, outChannels: number) {
    super();
    this.body = body;
    this.fpn = new FeaturePyramidNetwork(body.stageChannels, outChannels);
  }

  /** P2…P5 of an image. */
  pyramid(x: Tensor): Tensor[] {
    return this.fpn.pyramid(this.body.forwardStages(x));
  }

  override forward(x: Tensor): Tensor {
    return this.pyramid(x)[0]!;
  }
}

/**
 * The semantic head: each Pᵢ goes through `max(1, i−2)` stages of (3×3 conv, GroupNorm,
 * ReLU, ×2 upsample — none for P2) to stride 4; the four maps are summed, classified by a
 * 1×1 conv and upsampled (bilinear) to the input's size.
 */
export class SemanticHead extends Module {
  declare scale_heads: ModuleList;
  declare predictor: Conv2d;

  constructor(inChannels: number, channels: number, numClasses: number, levels: number) {
    super();
    const groups = largestDivisorAtMost(channels, 32);
    const heads: Module[] = [];
    for (let l = 0; l < levels; l++) {
      const stages: Module[] = [];
      for (let s = 0; s < Math.max(1, l); s++) {
        stages.push(
          new Sequential(new Conv2d(s === 0 ? inChannels : channels, channels, 3, { padding: 1, bias: false }), new GroupNorm(groups, channels), new ReLU()),
        );
      }
      heads.push(new ModuleList(stages));
    }
    this.scale_heads = new ModuleList(heads);
    this.predictor = new Conv2d(channels, numClasses, 1);
  }

  /** P2…P5 → logits at `[h, w]`. */
  segment(pyramid: readonly Tensor[], h: number, w: number): Tensor {
    const heads = [...this.scale_heads] as ModuleList[];
    const sizes = pyramid.map((p) => [p.shape[2]!, p.shape[3]!] as const);
    let sum: Tensor | null = null;
    pyramid.forEach((p, l) => {
      let y = p;
      [...heads[l]!].forEach((stage, s) => {
        y = stage.call(y);
        // Upsample one level at a time, to that level's exact size (odd sizes round).
        if (l > 0) {
          const [th, tw] = sizes[l - s - 1]!;
          y = resizeTo(y, th, tw, 'bilinear');
        }
      });
      sum = sum ? add(sum, y) : y;
    });
    return upsample(this.predictor.call(sum!), { size: [h, w], mode: 'bilinear', alignCorners: false });
  }
}

function largestDivisorAtMost(n: number, max: number): number {
  for (let g = Math.min(n, max); g > 1; g--) if (n % g === 0) return g;
  return 1;
}

/** Options of {@link FPNSegmentation}. */
export interface FPNOptions extends CommonOptions {
  /** The ResNet (default ResNet-50: `{ block: 'bottleneck', layers: [3, 4, 6, 3] }`). */
  backbone?: ResNetOptions;
  /** Channels of P2–P5 (default 256). */
  fpnChannels?: number;
  /** Channels of the semantic head (default 128). */
  headChannels?: number;
}

/**
 * FPN semantic segmentation. Input `[N, inChannels, H, W]` (any size) → per-pixel logits
 * `[N, numClasses, H, W]` (default 21 classes). {@link FPNSegmentation.pyramid} returns
 * P2–P5.
 */
export class FPNSegmentation extends Model {
  declare backbone: BackboneWithFPN;
  declare head: SemanticHead;
  readonly inputSpec: InputSpec;

  constructor(options: FPNOptions = {}, name = 'fpn') {
    super(name);
    const c = positiveInt('inChannels', options.inChannels ?? 3, name);
    const nc = positiveInt('numClasses', options.numClasses ?? 21, name);
    const fpnC = positiveInt('fpnChannels', options.fpnChannels ?? 256, name);
    const headC = positiveInt('headChannels', options.headChannels ?? 128, name);
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, minSize: 1, example: [1, c, 224, 224] };
    const body = new ResNet(
      { block: 'bottleneck', layers: [3, 4, 6, 3], skip: options.skip, ...options.backbone, inChannels: c, classifier: false },
      `${name}.backbone.body`,
    );
    this.backbone = new BackboneWithFPN(body, fpnC);
    this.head = new SemanticHead(fpnC, headC, nc, body.stages.length);
    applySkip([...this.backbone.fpn.top_down] as TopDownSkip[], options.skip);
  }

  /** P2–P5 (strides 4, 8, 16, 32), each `[N, fpnChannels, ·, ·]`. */
  pyramid(x: Tensor): Tensor[] {
    this.checkInput(x);
    return this.backbone.pyramid(x);
  }

  override forward(x: Tensor): Tensor {
    return this.head.segment(this.pyramid(x), x.shape[2]!, x.shape[3]!);
  }
}
