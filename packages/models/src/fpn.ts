/**
 * Feature Pyramid Network (Lin et al. 2017) on a ResNet, with a semantic-segmentation head
 * (the Panoptic FPN head of Kirillov et al. 2019).
 *
 * Bottom-up: the ResNet's stages C2–C5 (strides 4–32). Top-down: a 1×1 lateral conv on each
 * Cᵢ; starting from the top, the running map is upsampled ×2 (nearest) and added to the next
 * lateral — that add is the skip, a core {@link Skip} whose shortcut is the lateral conv on Cᵢ
 * (so the plain twin never computes it); a 3×3 conv smooths each sum into Pᵢ (P2–P5,
 * `fpnChannels` each). The detectors (`detection.ts`) reuse these pieces with torchvision's
 * returned layers and extra levels ({@link LastLevelP6P7}).
 *
 * Names follow torchvision's `BackboneWithFPN`: `backbone.body.*` (the ResNet, torchvision
 * names), `backbone.fpn.inner_blocks.i.0` (laterals), `backbone.fpn.layer_blocks.i.0`
 * (smoothing) — so `model.backbone` loads a torchvision `BackboneWithFPN` state dict. The
 * plain twin (`skip: false`) has no skip anywhere: a plain ResNet, and no lateral connections
 * below the top (each Pᵢ then sees only the upsampled coarse map — the "no lateral" ablation
 * of the paper's Table 3). To ablate the laterals alone, `setSkips(model, false, 'backbone.fpn')`.
 */
import { Conv2d, GroupNorm, Module, ModuleList, ReLU, Sequential, add, relu, upsample, type Branches, type Tensor } from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { CrossScaleSkip, resizeTo } from './layers.js';
import { Model, type InputSpec } from './model.js';
import { ResNet, type ResNetOptions } from './resnet.js';

/**
 * The top-down merge: `nearest_upsample(coarse) + lateral(fine)`. No parameters of its own:
 * the lateral conv is registered by the FPN (`inner_blocks.i`, torchvision's name) and only
 * referenced here, as the skip's shortcut — so the plain twin (`skip = false`) never runs it,
 * and each level then sees only the upsampled top map. Without a lateral the shortcut is the
 * identity and `fine` must already be the lateral's output.
 */
export class TopDownSkip extends CrossScaleSkip {
  /** The lateral 1×1 conv on the fine feature (a reference, not a child). */
  declare readonly lateral: Module | null;

  constructor(lateral: Module | null = null) {
    super({ merge: 'add' });
    Object.defineProperty(this, 'lateral', { value: lateral, enumerable: false });
  }

  protected override forwardCoarse(x: Tensor): Tensor {
    return x;
  }

  /** Main: the coarse map upsampled to the fine map's size; shortcut: `lateral(fine)`. */
  protected override branches(x: Tensor, fine: Tensor): Branches {
    const { main } = super.branches(x, fine);
    const lateral = this.lateral;
    return lateral ? { main, shortcut: () => lateral.call(fine) } : { main };
  }

  protected override fit(y: Tensor, h: number, w: number): Tensor {
    // torchvision: F.interpolate(last_inner, size=lateral.shape[-2:], mode="nearest").
    return resizeTo(y, h, w, 'nearest');
  }
}

/**
 * Extra pyramid levels above the top (torchvision's `ExtraFPNBlock`): computed from the
 * finished levels `p` and the backbone features `c`, appended after them.
 */
export abstract class ExtraFPNBlock extends Module {
  /** The extra levels (coarsest last). */
  abstract extraLevels(p: readonly Tensor[], c: readonly Tensor[]): Tensor[];
}

/**
 * torchvision's `LastLevelP6P7` (RetinaNet, FCOS): `P6 = p6(x)` (3×3, stride 2) and
 * `P7 = p7(relu(P6))`, where `x` is P5 when `inChannels === outChannels` (RetinaNet v1, FCOS)
 * and C5 otherwise (RetinaNet v2). Convs initialised `kaiming_uniform_(a=1)`, zero bias.
 */
export class LastLevelP6P7 extends ExtraFPNBlock {
  declare p6: Conv2d;
  declare p7: Conv2d;
  /** Whether P6 is computed from P5 (else from C5). */
  readonly useP5: boolean;

  constructor(inChannels: number, outChannels: number) {
    super();
    const convInit = { uniform: Math.sqrt(3) } as const;
    this.p6 = new Conv2d(inChannels, outChannels, 3, { stride: 2, padding: 1, init: scaled(convInit, inChannels * 9) });
    this.p7 = new Conv2d(outChannels, outChannels, 3, { stride: 2, padding: 1, init: scaled(convInit, outChannels * 9) });
    this.useP5 = inChannels === outChannels;
  }

  extraLevels(p: readonly Tensor[], c: readonly Tensor[]): Tensor[] {
    const p6 = this.p6.call((this.useP5 ? p : c)[(this.useP5 ? p : c).length - 1]!);
    return [p6, this.p7.call(relu(p6))];
  }
}

/**
 * torchvision's `FeaturePyramidNetwork`: laterals, top-down adds, 3×3 smoothing, and
 * optionally extra levels on top (`extra_blocks`, e.g. {@link LastLevelP6P7}).
 */
export class FeaturePyramidNetwork extends Module {
  declare inner_blocks: ModuleList;
  declare layer_blocks: ModuleList;
  /** One top-down merge per level below the top (no parameters). */
  declare top_down: ModuleList;
  /** Extra levels above the top, or null (torchvision's `LastLevelMaxPool` default has no parameters and is left out). */
  declare extra_blocks: ExtraFPNBlock | null;

  constructor(inChannelsList: readonly number[], outChannels: number, extraBlocks: ExtraFPNBlock | null = null) {
    super();
    // torchvision initialises these convs with kaiming_uniform_(a=1) and zero bias.
    const convInit = { uniform: Math.sqrt(3) } as const;
    this.inner_blocks = new ModuleList(inChannelsList.map((c) => new Sequential(new Conv2d(c, outChannels, 1, { init: scaled(convInit, c) }))));
    this.layer_blocks = new ModuleList(
      inChannelsList.map(() => new Sequential(new Conv2d(outChannels, outChannels, 3, { padding: 1, init: scaled(convInit, outChannels * 9) }))),
    );
    const inner = [...this.inner_blocks];
    this.top_down = new ModuleList(inChannelsList.slice(1).map((_, i) => new TopDownSkip(inner[i]!)));
    this.extra_blocks = extraBlocks;
  }

  /**
   * C2…C5 → P2…P5 (same spatial sizes as the inputs), then the extra levels if any. Each
   * `features[i]` must have `inChannelsList[i]` channels.
   */
  pyramid(features: readonly Tensor[]): Tensor[] {
    const inner = [...this.inner_blocks];
    const layer = [...this.layer_blocks];
    const merges = [...this.top_down] as TopDownSkip[];
    if (features.length !== inner.length) {
      throw new Error(`FeaturePyramidNetwork: got ${features.length} feature maps, built for ${inner.length} (one per in_channels entry)`);
    }
    const top = features.length - 1;
    let last = inner[top]!.call(features[top]!);
    const out: Tensor[] = [layer[top]!.call(last)];
    for (let i = top - 1; i >= 0; i--) {
      // The lateral inner[i] runs inside the merge, as its shortcut.
      last = merges[i]!.call(last, features[i]!);
      out.unshift(layer[i]!.call(last));
    }
    return this.extra_blocks ? [...out, ...this.extra_blocks.extraLevels(out, features)] : out;
  }
}

/** `kaiming_uniform_(a=1)`: U(±√3/√fanIn). */
function scaled(base: { uniform: number }, fanIn: number): { uniform: number } {
  return { uniform: base.uniform / Math.sqrt(fanIn) };
}

/** Options of {@link BackboneWithFPN}. */
export interface BackboneWithFPNOptions {
  /**
   * Stages fed to the FPN, 1-based as torchvision's `returned_layers` (default every stage:
   * `[1, 2, 3, 4]` → P2–P5; RetinaNet and FCOS take `[2, 3, 4]` → P3–P5). Increasing, and
   * ending at the last stage (torchvision drops the stages above the last returned one).
   */
  returnedLayers?: readonly number[];
  /** Extra levels above the top (default none). */
  extraBlocks?: ExtraFPNBlock | null;
}

/** torchvision's `BackboneWithFPN`: `body` (the ResNet) and `fpn`. */
export class BackboneWithFPN extends Module {
  declare body: ResNet;
  declare fpn: FeaturePyramidNetwork;
  /** The stages (1-based) whose outputs enter the FPN. */
  readonly returnedLayers: readonly number[];
  /** Channels of every pyramid level. */
  readonly outChannels: number;

  constructor(body: ResNet, outChannels: number, options: BackboneWithFPNOptions = {}) {
    super();
    const stages = body.stageChannels.length;
    const returned = options.returnedLayers ?? body.stageChannels.map((_, i) => i + 1);
    const valid = returned.length > 0 && returned.every((l, i) => Number.isInteger(l) && l >= 1 && (i === 0 || l > returned[i - 1]!));
    if (!valid || returned[returned.length - 1] !== stages) {
      throw new Error(
        `BackboneWithFPN: returnedLayers [${returned.join(', ')}] must be increasing stage numbers 1…${stages} ending at ${stages} (e.g. [2, 3, 4] for P3–P5)`,
      );
    }
    this.body = body;
    this.fpn = new FeaturePyramidNetwork(
      returned.map((l) => body.stageChannels[l - 1]!),
      outChannels,
      options.extraBlocks ?? null,
    );
    this.returnedLayers = [...returned];
    this.outChannels = outChannels;
  }

  /** The pyramid of an image: one level per returned stage (finest first), then the extra levels. */
  pyramid(x: Tensor): Tensor[] {
    const stages = this.body.forwardStages(x);
    return this.fpn.pyramid(this.returnedLayers.map((l) => stages[l - 1]!));
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
