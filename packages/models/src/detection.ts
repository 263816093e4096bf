/**
 * Dense one-stage detectors on a Feature Pyramid Network, as torchvision 0.14 builds them:
 * RetinaNet (Lin et al. 2017, "Focal Loss for Dense Object Detection") and FCOS (Tian et al.
 * 2019). Both are {@link BackboneWithFPN} (a ResNet; stages 2–4 → P3–P5; P6/P7 from
 * {@link LastLevelP6P7}) plus a head of two conv towers applied to every level with shared
 * weights. Names are torchvision's — `backbone.body.*`, `backbone.fpn.inner_blocks.0.0`,
 * `backbone.fpn.extra_blocks.p6`, `head.classification_head.conv.0.0` (RetinaNet) or
 * `head.classification_head.conv.0` (FCOS), `head.regression_head.bbox_reg`, … — so a
 * torchvision `state_dict` loads with `strict: true`.
 *
 * **Outputs.** {@link FPNDetector.headOutputs} returns torchvision's head dict: per level the
 * `[N, A·K, H, W]` map is permuted to `[N, H·W·A, K]` and the levels are concatenated —
 * `cls_logits [N, ΣHWA, numClasses]`, `bbox_regression [N, ΣHWA, 4]` and, for FCOS,
 * `bbox_ctrness [N, ΣHWA, 1]`. A module's `forward` returns one tensor (the trainer, hooks,
 * `summary` and `graph` rely on it), so `forward` returns the three packed along the last axis,
 * `[N, ΣHWA, numClasses + 4 (+ 1)]`; {@link FPNDetector.unpack} splits that back into the record.
 * Training and inference read that packed tensor: {@link FPNDetector.loss} (torchvision's
 * `compute_loss`, batched, from `@skipnet/data`'s padded `[N, Kmax, 5]` targets) and
 * {@link FPNDetector.postprocess} (torchvision's `postprocess_detections`: decoding and NMS), both
 * from the metadata each detector carries (strides, anchor sizes and aspect ratios per level,
 * box coding).
 *
 * **Skips.** The FPN's lateral + top-down adds are core skips ({@link TopDownSkip}). For a
 * detector `skip: false` removes those — each level then sees only the upsampled top map (the
 * "no lateral connections" ablation of the FPN paper, Table 3) — and keeps the backbone's
 * residuals; pass `backbone: { skip: false }` to remove those too.
 */
import { Conv2d, GroupNorm, Module, ReLU, Sequential, concat, generateAnchors, relu, reshape, permute, slice, tensor, type Tensor } from '@skipnet/core';
import { checkTargets, fcosLoss, levelBounds, matchFcos, matchRetinaNet, retinaNetLoss, sumComponents } from './detection-loss.js';
import { postprocessDetections, type Detections, type PostprocessOptions } from './detection-postprocess.js';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { BackboneWithFPN, LastLevelP6P7, type TopDownSkip } from './fpn.js';
import { Model, type InputSpec } from './model.js';
import { ResNet, type ResNetOptions } from './resnet.js';

/**
 * How a detector's `bbox_regression` encodes a box relative to its anchor (what the loss
 * encodes targets with and post-processing decodes with):
 * - `'deltas'`: torchvision's `BoxCoder(weights)` — `(wx·dx, wy·dy, ww·log(w/wₐ), wh·log(h/hₐ))`
 *   of centres and sizes, `dw`/`dh` clamped at `clip` (log(1000/16)) when decoding (RetinaNet);
 * - `'ltrb'`: torchvision's `BoxLinearCoder` — distances from the anchor centre to the four
 *   sides `(l, t, r, b)`, divided by the anchor's width/height when `normalizeBySize` (FCOS).
 */
export type BoxCoding =
  | { readonly kind: 'deltas'; readonly weights: readonly [number, number, number, number]; readonly clip: number }
  | { readonly kind: 'ltrb'; readonly normalizeBySize: boolean };

/** torchvision's raw head outputs, levels concatenated in order (finest first), locations row-major, anchors innermost. */
export interface DetectionHeadOutputs {
  /** `[N, ΣHWA, numClasses]` class logits (sigmoid, no background class column). */
  readonly cls_logits: Tensor;
  /** `[N, ΣHWA, 4]` box regression per the detector's {@link BoxCoding} (FCOS: after ReLU, so ≥ 0). */
  readonly bbox_regression: Tensor;
  /** FCOS only: `[N, ΣHWA, 1]` centre-ness logits. */
  readonly bbox_ctrness?: Tensor;
}

/** torchvision's default RetinaNet anchors: sizes `(x, ⌊x·2^⅓⌋, ⌊x·2^⅔⌋)` for x = 32…512 on P3–P7, ratios `(0.5, 1, 2)`. */
export function retinaNetAnchorSizes(baseSizes: readonly number[] = [32, 64, 128, 256, 512]): number[][] {
  return baseSizes.map((x) => [x, Math.floor(x * 2 ** (1 / 3)), Math.floor(x * 2 ** (2 / 3))]);
}

/** `-log((1 − p)/p)`: the classification bias that makes every initial sigmoid score `p` (focal-loss paper §4.1). */
export function priorBias(priorProbability: number): number {
  if (!(priorProbability > 0 && priorProbability < 1)) throw new Error(`priorProbability must be in (0, 1), got ${priorProbability}`);
  return -Math.log((1 - priorProbability) / priorProbability);
}

/** `[N, A·K, H, W]` → `[N, H·W·A, K]`, as torchvision's heads (`view(N, -1, K, H, W).permute(0, 3, 4, 1, 2)`). */
export function flattenLevel(y: Tensor, k: number): Tensor {
  const [n, ak, h, w] = y.shape as [number, number, number, number];
  if (ak % k !== 0) throw new Error(`flattenLevel: ${ak} channels are not a multiple of ${k} values per anchor`);
  return reshape(permute(reshape(y, [n, ak / k, k, h, w]), [0, 3, 4, 1, 2]), [n, h * w * (ak / k), k]);
}

/** A normalisation layer factory for the heads (`null`: none, and the convs get a bias). */
type NormFactory = ((channels: number) => Module) | null;

/** torchvision's `Conv2dNormActivation(c, c)`: 3×3 conv (bias only without a norm), norm, ReLU; init N(0, 0.01), zero bias. */
function convNormActivation(channels: number, norm: NormFactory): Sequential {
  const conv = new Conv2d(channels, channels, 3, { padding: 1, bias: norm === null, init: { normal: 0.01 } });
  return new Sequential(conv, ...(norm ? [norm(channels)] : []), new ReLU());
}

/** Applies `tower` then `predictor` to every level and concatenates in torchvision's layout. */
function perLevel(features: readonly Tensor[], tower: Module, predictor: Module, k: number, after?: (y: Tensor) => Tensor): Tensor {
  return concat(
    features.map((f) => {
      const y = predictor.call(tower.call(f));
      return flattenLevel(after ? after(y) : y, k);
    }),
    1,
  );
}

/** torchvision's `RetinaNetClassificationHead`: `conv` (4 × conv-[norm]-ReLU), `cls_logits` (prior-probability bias). */
export class RetinaNetClassificationHead extends Module {
  declare conv: Sequential;
  declare cls_logits: Conv2d;
  readonly numClasses: number;
  readonly numAnchors: number;

  constructor(inChannels: number, numAnchors: number, numClasses: number, options: { priorProbability?: number; norm?: NormFactory; numConvs?: number } = {}) {
    super();
    this.conv = new Sequential(...Array.from({ length: options.numConvs ?? 4 }, () => convNormActivation(inChannels, options.norm ?? null)));
    this.cls_logits = new Conv2d(inChannels, numAnchors * numClasses, 3, {
      padding: 1,
      init: { normal: 0.01 },
      biasInit: priorBias(options.priorProbability ?? 0.01),
    });
    this.numClasses = numClasses;
    this.numAnchors = numAnchors;
  }

  /** Pyramid levels → `[N, ΣHWA, numClasses]`. */
  override forward(features: readonly Tensor[]): Tensor {
    return perLevel(features, this.conv, this.cls_logits, this.numClasses);
  }
}

/** torchvision's `RetinaNetRegressionHead`: `conv` (4 × conv-[norm]-ReLU), `bbox_reg`. */
export class RetinaNetRegressionHead extends Module {
  declare conv: Sequential;
  declare bbox_reg: Conv2d;

  constructor(inChannels: number, numAnchors: number, options: { norm?: NormFactory; numConvs?: number } = {}) {
    super();
    this.conv = new Sequential(...Array.from({ length: options.numConvs ?? 4 }, () => convNormActivation(inChannels, options.norm ?? null)));
    this.bbox_reg = new Conv2d(inChannels, numAnchors * 4, 3, { padding: 1, init: { normal: 0.01 } });
  }

  /** Pyramid levels → `[N, ΣHWA, 4]`. */
  override forward(features: readonly Tensor[]): Tensor {
    return perLevel(features, this.conv, this.bbox_reg, 4);
  }
}

/** torchvision's `RetinaNetHead`: `classification_head` and `regression_head`, shared across levels. */
export class RetinaNetHead extends Module {
  declare classification_head: RetinaNetClassificationHead;
  declare regression_head: RetinaNetRegressionHead;

  constructor(inChannels: number, numAnchors: number, numClasses: number, options: { priorProbability?: number; norm?: NormFactory; numConvs?: number } = {}) {
    super();
    this.classification_head = new RetinaNetClassificationHead(inChannels, numAnchors, numClasses, options);
    this.regression_head = new RetinaNetRegressionHead(inChannels, numAnchors, options);
  }

  /** torchvision's head dict. */
  outputs(features: readonly Tensor[]): DetectionHeadOutputs {
    return { cls_logits: this.classification_head.call(features), bbox_regression: this.regression_head.call(features) };
  }
}

/** FCOS's conv tower: `numConvs` × (3×3 conv with bias, GroupNorm, ReLU), flat (`conv.0`, `conv.1`, `conv.3`, …). */
function fcosTower(channels: number, numConvs: number, groups: number): Sequential {
  const layers: Module[] = [];
  for (let i = 0; i < numConvs; i++) {
    layers.push(new Conv2d(channels, channels, 3, { padding: 1, init: { normal: 0.01 } }), new GroupNorm(groups, channels), new ReLU());
  }
  return new Sequential(...layers);
}

/** Options of the FCOS heads. */
export interface FCOSHeadOptions {
  /** Conv-GN-ReLU layers per tower (default 4). */
  numConvs?: number;
  /** GroupNorm groups of the towers (default 32, torchvision's; must divide the channels). */
  normGroups?: number;
  /** Initial foreground probability of every location (default 0.01). */
  priorProbability?: number;
}

/** torchvision's `FCOSClassificationHead`: `conv` tower, `cls_logits` (prior-probability bias). */
export class FCOSClassificationHead extends Module {
  declare conv: Sequential;
  declare cls_logits: Conv2d;
  readonly numClasses: number;

  constructor(inChannels: number, numAnchors: number, numClasses: number, options: FCOSHeadOptions = {}) {
    super();
    this.conv = fcosTower(inChannels, options.numConvs ?? 4, options.normGroups ?? 32);
    this.cls_logits = new Conv2d(inChannels, numAnchors * numClasses, 3, {
      padding: 1,
      init: { normal: 0.01 },
      biasInit: priorBias(options.priorProbability ?? 0.01),
    });
    this.numClasses = numClasses;
  }

  /** Pyramid levels → `[N, ΣHWA, numClasses]`. */
  override forward(features: readonly Tensor[]): Tensor {
    return perLevel(features, this.conv, this.cls_logits, this.numClasses);
  }
}

/**
 * torchvision's `FCOSRegressionHead`: one `conv` tower feeding `bbox_reg` (ReLU'd: distances
 * are ≥ 0) and `bbox_ctrness`.
 */
export class FCOSRegressionHead extends Module {
  declare conv: Sequential;
  declare bbox_reg: Conv2d;
  declare bbox_ctrness: Conv2d;

  constructor(inChannels: number, numAnchors: number, options: FCOSHeadOptions = {}) {
    super();
    this.conv = fcosTower(inChannels, options.numConvs ?? 4, options.normGroups ?? 32);
    this.bbox_reg = new Conv2d(inChannels, numAnchors * 4, 3, { padding: 1, init: { normal: 0.01 } });
    this.bbox_ctrness = new Conv2d(inChannels, numAnchors, 3, { padding: 1, init: { normal: 0.01 } });
  }

  /** Pyramid levels → `bbox_regression [N, ΣHWA, 4]` and `bbox_ctrness [N, ΣHWA, 1]` (the tower runs once per level). */
  outputs(features: readonly Tensor[]): { bbox_regression: Tensor; bbox_ctrness: Tensor } {
    const reg: Tensor[] = [];
    const ctr: Tensor[] = [];
    for (const f of features) {
      const t = this.conv.call(f);
      reg.push(flattenLevel(relu(this.bbox_reg.call(t)), 4));
      ctr.push(flattenLevel(this.bbox_ctrness.call(t), 1));
    }
    return { bbox_regression: concat(reg, 1), bbox_ctrness: concat(ctr, 1) };
  }
}

/** torchvision's `FCOSHead`: `classification_head` and `regression_head`, shared across levels. */
export class FCOSHead extends Module {
  declare classification_head: FCOSClassificationHead;
  declare regression_head: FCOSRegressionHead;

  constructor(inChannels: number, numAnchors: number, numClasses: number, options: FCOSHeadOptions = {}) {
    super();
    this.classification_head = new FCOSClassificationHead(inChannels, numAnchors, numClasses, options);
    this.regression_head = new FCOSRegressionHead(inChannels, numAnchors, options);
  }

  /** torchvision's head dict. */
  outputs(features: readonly Tensor[]): DetectionHeadOutputs {
    return { cls_logits: this.classification_head.call(features), ...this.regression_head.outputs(features) };
  }
}

/** Options shared by {@link RetinaNet} and {@link FCOS}. */
export interface DetectorOptions extends CommonOptions {
  /** The ResNet (default ResNet-50: `{ block: 'bottleneck', layers: [3, 4, 6, 3] }`, BatchNorm2d). */
  backbone?: ResNetOptions;
  /** Channels of every pyramid level and of the head towers (default 256). */
  fpnChannels?: number;
  /** Backbone stages (1-based) fed to the FPN (default `[2, 3, 4]`: P3–P5); must end at the last stage. */
  returnedLayers?: readonly number[];
  /** Add P6 and P7 above the top level ({@link LastLevelP6P7} from P5; default true). */
  extraLevels?: boolean;
  /** Conv layers per head tower (default 4). */
  headConvs?: number;
  /** Initial foreground probability of every location/anchor (default 0.01). */
  priorProbability?: number;
  /** Anchor sizes in pixels, one list per level (defaults: see each detector). */
  anchorSizes?: readonly (readonly number[])[];
  /** Anchor aspect ratios (height/width), one list per level. */
  aspectRatios?: readonly (readonly number[])[];
}

/**
 * What every detector offers the trainer and the CLI: `forward` returns one packed tensor of raw
 * outputs (batch first); {@link Detector.loss} turns it and `@skipnet/data`'s padded targets into
 * the training loss; {@link Detector.postprocess} turns it into boxes, scores and labels per image.
 * The FPN detectors ({@link FPNDetector}: RetinaNet, FCOS) and DETR (`DETR`) implement it.
 */
export abstract class Detector extends Model {
  /** Object classes (labels `0 … numClasses − 1` of the targets and the detections). */
  abstract readonly numClasses: number;

  /**
   * The named training losses, each a scalar tensor.
   *
   * @param packed - the output of `forward`.
   * @param targets - `[N, Kmax, 5]` float32 rows `[x1, y1, x2, y2, label]` in pixels, padding rows
   *   all -1 (`@skipnet/data`'s `collateDetection`); labels are class indices `< numClasses`.
   * @param imageSize - `[height, width]` of the batch forward ran on.
   */
  abstract lossComponents(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Record<string, Tensor>;

  /** The training loss: the sum of {@link Detector.lossComponents}, a scalar tensor (what the trainer minimises). */
  loss(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Tensor {
    return sumComponents(this.lossComponents(packed, targets, imageSize));
  }

  /** The post-processing defaults of this detector (see {@link PostprocessOptions}). */
  abstract readonly postprocessDefaults: Readonly<Required<PostprocessOptions>>;

  /**
   * Detections per image (boxes `x1, y1, x2, y2` in pixels, scores descending, labels) from the
   * output of `forward` for a batch of `imageSize` images.
   */
  abstract postprocess(packed: Tensor, imageSize: readonly [number, number], options?: PostprocessOptions): Promise<Detections[]>;
}

/**
 * The base of the FPN detectors: backbone + FPN, a head, and the metadata that loss and
 * post-processing need. `forward` returns the packed head outputs (see the module docs).
 */
export abstract class FPNDetector extends Detector {
  declare backbone: BackboneWithFPN;
  readonly inputSpec: InputSpec;
  /** Object classes scored by `cls_logits` (torchvision's `num_classes`; default 91, COCO's ids). */
  readonly numClasses: number;
  /** Level names, finest first (`['p3', 'p4', 'p5', 'p6', 'p7']`). */
  readonly levelNames: readonly string[];
  /** Nominal stride of each level in input pixels (level `l` is `⌈H/stride⌉ × ⌈W/stride⌉`). */
  readonly strides: readonly number[];
  /** Anchor sizes (pixels) of each level — torchvision's `AnchorGenerator(sizes, …)`. */
  readonly anchorSizes: readonly (readonly number[])[];
  /** Anchor aspect ratios (height/width) of each level — `AnchorGenerator(…, aspect_ratios)`. */
  readonly aspectRatios: readonly (readonly number[])[];
  /** Anchors per location `A` (sizes × ratios; equal on every level). */
  readonly anchorsPerLocation: number;
  /** How `bbox_regression` encodes boxes. */
  abstract readonly boxCoding: BoxCoding;
  /** Channels of the packed output: numClasses + 4 (+ 1 for FCOS's centre-ness). */
  abstract readonly packedChannels: number;

  constructor(options: DetectorOptions, defaults: { anchorSizes: (stride: number) => number[]; aspectRatios: number[] }, name: string) {
    super(name);
    const c = positiveInt('inChannels', options.inChannels ?? 3, name);
    this.numClasses = positiveInt('numClasses', options.numClasses ?? 91, name);
    const fpnC = positiveInt('fpnChannels', options.fpnChannels ?? 256, name);
    const body = new ResNet({ block: 'bottleneck', layers: [3, 4, 6, 3], ...options.backbone, inChannels: c, classifier: false }, `${name}.backbone.body`);
    const returned = options.returnedLayers ?? [2, 3, 4];
    const extra = options.extraLevels ?? true;
    this.backbone = new BackboneWithFPN(body, fpnC, { returnedLayers: returned, extraBlocks: extra ? new LastLevelP6P7(fpnC, fpnC) : null });
    applySkip([...this.backbone.fpn.top_down] as TopDownSkip[], options.skip);

    const strides = [...returned.map((l) => 2 ** (l + 1)), ...(extra ? [2 ** (returned.at(-1)! + 2), 2 ** (returned.at(-1)! + 3)] : [])];
    this.strides = strides;
    this.levelNames = strides.map((s) => `p${Math.log2(s)}`);
    this.anchorSizes = levelList(
      'anchorSizes',
      options.anchorSizes,
      strides.map((s) => defaults.anchorSizes(s)),
      strides.length,
      name,
    );
    this.aspectRatios = levelList(
      'aspectRatios',
      options.aspectRatios,
      strides.map(() => defaults.aspectRatios),
      strides.length,
      name,
    );
    const perLocation = this.anchorSizes.map((s, l) => s.length * this.aspectRatios[l]!.length);
    if (perLocation.some((a) => a !== perLocation[0])) {
      throw new Error(`${name}: every level needs the same number of anchors per location (sizes × ratios), got ${perLocation.join(', ')}`);
    }
    this.anchorsPerLocation = perLocation[0]!;
    // The coarsest level must keep one pixel: ⌈H/stride⌉ ≥ 1 for any H ≥ 1.
    this.inputSpec = { kind: 'image', dtype: 'float32', channels: c, minSize: 1, example: [1, c, 512, 512] };
  }

  /** The pyramid levels of an image batch, finest first (`[N, fpnChannels, ⌈H/s⌉, ⌈W/s⌉]` per stride `s`). */
  pyramid(x: Tensor): Tensor[] {
    this.checkInput(x);
    return this.backbone.pyramid(x);
  }

  /** `[h, w]` of every level for an `H × W` input (the sizes anchors are generated for): `⌈H/stride⌉ × ⌈W/stride⌉`. */
  featureSizes(height: number, width: number): [number, number][] {
    return this.strides.map((s) => [Math.ceil(height / s), Math.ceil(width / s)]);
  }

  /** `ΣHWA` for an `H × W` input: the rows of every head output. */
  numLocations(height: number, width: number): number {
    return this.featureSizes(height, width).reduce((n, [h, w]) => n + h * w * this.anchorsPerLocation, 0);
  }

  /** torchvision's head outputs for a normalised `[N, C, H, W]` batch (no resize, no post-processing). */
  abstract headOutputs(x: Tensor): DetectionHeadOutputs;

  /** The head outputs packed along the last axis: `[N, ΣHWA, packedChannels]` (`cls_logits | bbox_regression | bbox_ctrness`). */
  override forward(x: Tensor): Tensor {
    const o = this.headOutputs(x);
    return concat([o.cls_logits, o.bbox_regression, ...(o.bbox_ctrness ? [o.bbox_ctrness] : [])], 2);
  }

  /** Host anchors and level layout per `H×W`: they depend only on the size, so they are made once. */
  private readonly anchorCache = new Map<string, { anchors: Float32Array; rowsPerLevel: number[] }>();

  /**
   * torchvision's `AnchorGenerator` output for an `H × W` input: `[ΣHWA·4]` boxes
   * `x1, y1, x2, y2`, in the rows' order of the head outputs, and the rows of each level.
   * Computed on the host once per size and cached (plain arrays: nothing to dispose).
   */
  anchorLayout(imageSize: readonly [number, number]): { readonly anchors: Float32Array; readonly rowsPerLevel: readonly number[] } {
    const [h, w] = imageSize;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1)) {
      throw new Error(`${this.modelName}: imageSize must be [height, width] in whole pixels (the input batch's), got [${imageSize.join(', ')}]`);
    }
    const key = `${h}x${w}`;
    let layout = this.anchorCache.get(key);
    if (!layout) {
      const sizes = this.featureSizes(h, w);
      layout = {
        anchors: generateAnchors(sizes, [h, w], this.anchorSizes, this.aspectRatios),
        rowsPerLevel: sizes.map(([fh, fw]) => fh * fw * this.anchorsPerLocation),
      };
      this.anchorCache.set(key, layout);
    }
    return layout;
  }

  /** Throws unless `packed` is this detector's output for an `imageSize` batch; returns its shape. */
  protected checkPacked(op: string, packed: Tensor, imageSize: readonly [number, number]): [number, number, number] {
    const rows = this.numLocations(imageSize[0], imageSize[1]);
    if (packed.rank !== 3 || packed.shape[1] !== rows || packed.shape[2] !== this.packedChannels) {
      throw new Error(
        `${this.modelName}.${op}: expected the packed outputs of forward for a ${imageSize[0]}×${imageSize[1]} batch, [N, ${rows}, ${this.packedChannels}]; ` +
          `got [${packed.shape.join(', ')}] (pass the [height, width] of the images forward ran on)`,
      );
    }
    return packed.shape as [number, number, number];
  }

  /**
   * The training losses by torchvision's names (`classification`, `bbox_regression`, and for
   * FCOS `bbox_ctrness`), each a scalar tensor, as the detector's torchvision `compute_loss`.
   * Batched and computed with tensor ops only (no readback), so it runs on every backend inside
   * a training step's `tidy`.
   *
   * @param packed - `[N, ΣHWA, packedChannels]`, the output of `forward`.
   * @param targets - `[N, Kmax, 5]` float32 rows `[x1, y1, x2, y2, label]` in pixels, padding rows
   *   all -1 (`@skipnet/data`'s `collateDetection`); labels are class indices `< numClasses`.
   * @param imageSize - `[height, width]` of the batch forward ran on (anchors are made for it).
   */
  abstract override lossComponents(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Record<string, Tensor>;

  /**
   * Detections per image from the packed outputs, as torchvision's `postprocess_detections`:
   * per level, scores above `scoreThreshold`, the best `topkCandidates`, decoded and clipped to
   * the image; then class-wise NMS and the best `detectionsPerImage`. Reads `packed` back once.
   * Defaults are torchvision's ({@link FPNDetector.postprocessDefaults}); evaluation usually passes
   * `scoreThreshold: 0.05`.
   *
   * @param packed - `[N, ΣHWA, packedChannels]`, the output of `forward`.
   * @param imageSize - `[height, width]` of the batch (anchors; boxes are clipped to it).
   */
  override async postprocess(packed: Tensor, imageSize: readonly [number, number], options: PostprocessOptions = {}): Promise<Detections[]> {
    const shape = this.checkPacked('postprocess', packed, imageSize);
    const { anchors, rowsPerLevel } = this.anchorLayout(imageSize);
    const values = await packed.data();
    const settings = { ...this.postprocessDefaults, ...definedOnly(options) };
    return postprocessDetections(
      values,
      {
        shape,
        numClasses: this.numClasses,
        centerness: this.packedChannels > this.numClasses + 4,
        boxCoding: this.boxCoding,
        anchors,
        rowsPerLevel,
        imageSize,
      },
      settings,
    );
  }

  /** Splits a packed `forward` output `[N, ΣHWA, packedChannels]` into the named head outputs (views). */
  unpack(packed: Tensor): DetectionHeadOutputs {
    const [n, rows, ch] = packed.shape as [number, number, number];
    if (packed.rank !== 3 || ch !== this.packedChannels) {
      throw new Error(`${this.modelName}.unpack: expected [N, ΣHWA, ${this.packedChannels}] (the output of forward), got [${packed.shape.join(', ')}]`);
    }
    const k = this.numClasses;
    const part = (start: number, size: number): Tensor => slice(packed, [0, 0, start], [n, rows, size]);
    return { cls_logits: part(0, k), bbox_regression: part(k, 4), ...(ch > k + 4 ? { bbox_ctrness: part(k + 4, 1) } : {}) };
  }
}

/** The entries of `options` that are not `undefined` (so they do not override defaults). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function levelList(
  what: string,
  given: readonly (readonly number[])[] | undefined,
  fallback: readonly (readonly number[])[],
  levels: number,
  name: string,
): number[][] {
  const list = (given ?? fallback).map((l) => [...l]);
  if (list.length !== levels) throw new Error(`${name}: ${what} has ${list.length} level lists, the pyramid has ${levels} levels`);
  if (list.some((l) => l.length === 0 || l.some((v) => !(v > 0)))) throw new Error(`${name}: ${what} must be non-empty lists of positive numbers`);
  return list;
}

/** Options of {@link RetinaNet}. */
export interface RetinaNetOptions extends DetectorOptions {
  /** GroupNorm(32) in the head towers, as `retinanet_resnet50_fpn_v2` (default false: v1, conv + bias + ReLU). */
  headNorm?: boolean;
}

/**
 * RetinaNet (torchvision's `retinanet_resnet50_fpn` by default: ResNet-50, P3–P7 at 256
 * channels, 9 anchors per location, 91 classes). Anchors default to torchvision's
 * ({@link retinaNetAnchorSizes} on P3–P7: 32…512 px, ratios 0.5/1/2); other pyramids default
 * to sizes `4·stride · (1, 2^⅓, 2^⅔)`. Matching and post-processing as torchvision: IoU ≥ 0.5
 * foreground, < 0.4 background, focal loss, L1 on {@link BoxCoding} `'deltas'` (weights 1).
 */
export class RetinaNet extends FPNDetector {
  declare head: RetinaNetHead;
  readonly boxCoding: BoxCoding = { kind: 'deltas', weights: [1, 1, 1, 1], clip: Math.log(1000 / 16) };
  readonly packedChannels: number;
  /** torchvision's matcher thresholds: IoU ≥ `foreground` is a positive, < `background` a negative, between ignored. */
  readonly iouThresholds = { foreground: 0.5, background: 0.4 } as const;

  constructor(options: RetinaNetOptions = {}, name = 'retinanet') {
    super(options, { anchorSizes: (s) => retinaNetAnchorSizes([4 * s])[0]!, aspectRatios: [0.5, 1, 2] }, name);
    this.head = new RetinaNetHead(this.backbone.outChannels, this.anchorsPerLocation, this.numClasses, {
      norm: options.headNorm ? (ch) => new GroupNorm(32, ch) : null,
      numConvs: positiveInt('headConvs', options.headConvs ?? 4, name),
      ...(options.priorProbability !== undefined ? { priorProbability: options.priorProbability } : {}),
    });
    this.packedChannels = this.numClasses + 4;
  }

  /** torchvision's `RetinaNet` defaults: score 0.05, NMS 0.5, 1000 candidates per level, 300 per image. */
  readonly postprocessDefaults = { scoreThreshold: 0.05, nmsThreshold: 0.5, topkCandidates: 1000, detectionsPerImage: 300 } as const;

  headOutputs(x: Tensor): DetectionHeadOutputs {
    return this.head.outputs(this.pyramid(x));
  }

  /** `classification` (focal) and `bbox_regression` (L1 on deltas), as torchvision's `RetinaNet.compute_loss`; see {@link Detector.lossComponents}. */
  lossComponents(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Record<string, Tensor> {
    checkTargets(`${this.modelName}.lossComponents`, targets, this.checkPacked('lossComponents', packed, imageSize)[0]);
    const anchors = tensor(this.anchorLayout(imageSize).anchors, [packed.shape[1]!, 4]);
    const matched = matchRetinaNet(anchors, targets, { ...this.iouThresholds, allowLowQualityMatches: true });
    return retinaNetLoss(this.unpack(packed), anchors, targets, matched, this.boxCoding);
  }
}

/** Options of {@link FCOS}. */
export interface FCOSOptions extends DetectorOptions {
  /** GroupNorm groups of the head towers (default 32, torchvision's; must divide `fpnChannels`). */
  headNormGroups?: number;
  /**
   * Per level, the `[min, max)` range of a location's largest distance to its box's sides that
   * the level is responsible for (FCOS §3.2). Default torchvision's: `[4·a, 8·a)` with `a` the
   * level's anchor size, the first level from 0, the last to ∞.
   */
  scaleRanges?: readonly (readonly [number, number])[];
}

/**
 * FCOS (torchvision's `fcos_resnet50_fpn` by default: ResNet-50, P3–P7 at 256 channels, one
 * "anchor" per location of size = stride, GroupNorm(32) towers, 91 classes). Target
 * assignment as torchvision: locations within {@link FCOS.centerSamplingRadius} strides of a
 * box centre and inside it, whose largest side distance falls in the level's
 * {@link FCOS.scaleRanges}; focal loss, GIoU on {@link BoxCoding} `'ltrb'`, centre-ness BCE.
 */
export class FCOS extends FPNDetector {
  declare head: FCOSHead;
  readonly boxCoding: BoxCoding = { kind: 'ltrb', normalizeBySize: true };
  readonly packedChannels: number;
  /** Per level, the `[min, max)` range of the largest side distance the level regresses (∞ for the last). */
  readonly scaleRanges: readonly (readonly [number, number])[];
  /** Positives lie within this many strides of a box centre (torchvision's `center_sampling_radius`). */
  readonly centerSamplingRadius = 1.5;

  constructor(options: FCOSOptions = {}, name = 'fcos') {
    super(options, { anchorSizes: (s) => [s], aspectRatios: [1] }, name);
    if (this.anchorsPerLocation !== 1)
      throw new Error(`${name}: FCOS has one anchor per location, got ${this.anchorsPerLocation} (one size and one ratio per level)`);
    const fpnC = this.backbone.outChannels;
    const groups = positiveInt('headNormGroups', options.headNormGroups ?? 32, name);
    if (fpnC % groups !== 0) throw new Error(`${name}: headNormGroups ${groups} must divide fpnChannels ${fpnC} (GroupNorm); pass headNormGroups`);
    this.head = new FCOSHead(fpnC, 1, this.numClasses, {
      numConvs: positiveInt('headConvs', options.headConvs ?? 4, name),
      normGroups: groups,
      ...(options.priorProbability !== undefined ? { priorProbability: options.priorProbability } : {}),
    });
    this.packedChannels = this.numClasses + 5;
    const levels = this.strides.length;
    const ranges = options.scaleRanges ?? this.anchorSizes.map(([a], l) => [l === 0 ? 0 : 4 * a!, l === levels - 1 ? Infinity : 8 * a!] as [number, number]);
    if (ranges.length !== levels || ranges.some(([lo, hi]) => !(lo >= 0 && hi > lo))) {
      throw new Error(`${name}: scaleRanges needs one [min, max) pair with 0 ≤ min < max per level (${levels}), got ${JSON.stringify(ranges)}`);
    }
    this.scaleRanges = ranges.map(([lo, hi]) => [lo, hi] as const);
  }

  /** torchvision's `FCOS` defaults: score 0.2, NMS 0.6, 1000 candidates per level, 100 per image. */
  readonly postprocessDefaults = { scoreThreshold: 0.2, nmsThreshold: 0.6, topkCandidates: 1000, detectionsPerImage: 100 } as const;

  headOutputs(x: Tensor): DetectionHeadOutputs {
    return this.head.outputs(this.pyramid(x));
  }

  /**
   * `classification` (focal), `bbox_regression` (GIoU) and `bbox_ctrness` (BCE), as torchvision's
   * `FCOS.compute_loss`, with this detector's {@link FCOS.scaleRanges}; see {@link Detector.lossComponents}.
   */
  lossComponents(packed: Tensor, targets: Tensor, imageSize: readonly [number, number]): Record<string, Tensor> {
    checkTargets(`${this.modelName}.lossComponents`, targets, this.checkPacked('lossComponents', packed, imageSize)[0]);
    const { anchors: hostAnchors, rowsPerLevel } = this.anchorLayout(imageSize);
    const rows = packed.shape[1]!;
    const anchors = tensor(hostAnchors, [rows, 4]);
    const bounds = levelBounds(this.scaleRanges, rowsPerLevel);
    const matched = matchFcos(anchors, targets, {
      centerSamplingRadius: this.centerSamplingRadius,
      lowerBounds: tensor(bounds.lower, [rows]),
      upperBounds: tensor(bounds.upper, [rows]),
    });
    return fcosLoss(this.unpack(packed), anchors, targets, matched, this.boxCoding);
  }
}
