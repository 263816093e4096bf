/**
 * The model registry: `createModel(name, options)` and `listModels()`. Names are
 * torchvision's where torchvision has the model (`resnet50`, `resnext50_32x4d`,
 * `wide_resnet50_2`, `densenet121`, `vit_b_16`), the papers' otherwise (`resnet20`, `plain20`,
 * `fcn8s`, `unet`, `gpt2`). `plainN` are the plain twins of He et al.'s comparisons; every
 * other model takes `{ skip: false }` for its own.
 */
import type { Model } from './model.js';
import type { CommonOptions } from './common.js';
import { ResNet, type ResNetOptions } from './resnet.js';
import { CifarResNet, type CifarResNetOptions } from './cifar-resnet.js';
import { DenseNet, type DenseNetOptions } from './densenet.js';
import { FCN8s, type FCN8sOptions } from './fcn.js';
import { UNet, type UNetOptions } from './unet.js';
import { FPNSegmentation, type FPNOptions } from './fpn.js';
import { FCOS, RetinaNet, retinaNetAnchorSizes, type FCOSOptions, type RetinaNetOptions } from './detection.js';
import { DETR, type DETROptions } from './detr.js';
import { RowTransformer, type RowTransformerOptions } from './transformer.js';
import { GPT, type GPTOptions } from './gpt.js';
import { Seq2SeqTransformer, type Seq2SeqTransformerOptions } from './seq2seq-model.js';
import { BertForMaskedLM, BertForSequenceClassification, BertModel, type BertForSequenceClassificationOptions, type BertOptions } from './bert.js';
import { VisionTransformer, type ViTOptions } from './vit.js';
import { DeepMLP, type DeepMLPOptions } from './mlp.js';

/** Options of a named ResNet variant: its depth, block and group width are fixed by the name. */
export type ResNetVariantOptions = Omit<ResNetOptions, 'block' | 'layers' | 'groups' | 'widthPerGroup' | 'preact'>;
/** Options of a named CIFAR ResNet (`resnet20`, `plain56`): the depth is fixed by the name. */
export type CifarVariantOptions = Omit<CifarResNetOptions, 'depth'>;
/** Options of a named DenseNet: growth rate, blocks and stem width are fixed by the name. */
export type DenseNetVariantOptions = Omit<DenseNetOptions, 'growthRate' | 'blockConfig' | 'numInitFeatures'>;
/** Options of a named ViT: depth, heads and widths are fixed by the name (patch size too). */
export type ViTVariantOptions = Omit<ViTOptions, 'patchSize' | 'numLayers' | 'numHeads' | 'hiddenDim' | 'mlpDim'>;
/** Options of a named FCN-8s: the backbone is fixed by the name. */
export type FCN8sVariantOptions = Omit<FCN8sOptions, 'backbone'> & { backbone?: Omit<ResNetOptions, 'block' | 'layers'> };
/** Options of a named FPN: the backbone depth is fixed by the name. */
export type FPNVariantOptions = Omit<FPNOptions, 'backbone'> & { backbone?: Omit<ResNetOptions, 'block' | 'layers'> };
/** Options of a named detector: the backbone's depth and block are fixed by the name. */
export type RetinaNetVariantOptions = Omit<RetinaNetOptions, 'backbone'> & { backbone?: Omit<ResNetOptions, 'block' | 'layers'> };
/** Options of a named FCOS: the backbone's depth and block are fixed by the name. */
export type FCOSVariantOptions = Omit<FCOSOptions, 'backbone'> & { backbone?: Omit<ResNetOptions, 'block' | 'layers'> };
/** Options of the DETR variants: the backbone's depth and the Transformer's size are the variant's. */
export type DETRVariantOptions = Pick<DETROptions, 'inChannels' | 'numClasses' | 'skip' | 'dropout' | 'eosCoef' | 'auxLoss' | 'numQueries'> & {
  backbone?: Omit<ResNetOptions, 'block' | 'layers'>;
};
/** Options of a named GPT: the size is fixed by the name. */
export type GPTVariantOptions = Pick<GPTOptions, 'dropout' | 'skip' | 'blockSize'>;

/** Options of a named BERT: the size is fixed by the name. */
export type BertVariantOptions = Pick<BertOptions, 'hiddenDropoutProb' | 'attentionProbsDropoutProb' | 'skip'>;

/** bert-base-uncased (Devlin et al. 2019): 12 layers, 12 heads, 768 wide, FFN 3072, vocab 30522, 512 positions. */
const BERT_BASE_UNCASED = {
  vocabSize: 30522,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
} as const;

/** What the registry knows about a model. */
export interface ModelInfo {
  readonly name: string;
  /** Architecture family (`resnet`, `cifar-resnet`, `densenet`, …). */
  readonly family: string;
  /** One line: what it is and where it comes from. */
  readonly description: string;
}

interface Entry<O> extends Omit<ModelInfo, 'name'> {
  readonly build: (options: O, name: string) => Model;
}

function entry<O>(family: string, description: string, build: (options: O, name: string) => Model): Entry<O> {
  return { family, description, build };
}

const BASIC = { block: 'basic' } as const;
const BOTTLENECK = { block: 'bottleneck' } as const;

function resnet(layers: number[], extra: Partial<ResNetOptions>, description: string, family = 'resnet'): Entry<ResNetVariantOptions> {
  return entry(family, description, (o, name) => new ResNet({ ...o, ...extra, layers }, name));
}

function cifar(depth: number, skip: boolean): Entry<CifarVariantOptions> {
  return skip
    ? entry(
        'cifar-resnet',
        `CIFAR ResNet-${depth} (He et al. 2015 §4.2; 16/32/64 channels, option-A shortcuts)`,
        (o, name) => new CifarResNet({ ...o, depth }, name),
      )
    : entry(
        'cifar-resnet',
        `Plain-${depth}: ResNet-${depth} without its shortcuts (He et al. 2015 Fig. 6)`,
        (o, name) => new CifarResNet({ ...o, depth, skip: false }, name),
      );
}

function densenet(growthRate: number, blockConfig: number[], numInitFeatures: number, depth: number): Entry<DenseNetVariantOptions> {
  return entry(
    'densenet',
    `DenseNet-${depth} (Huang et al. 2017; k = ${growthRate}, torchvision layout)`,
    (o, name) => new DenseNet({ ...o, growthRate, blockConfig, numInitFeatures }, name),
  );
}

function vit(patchSize: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, label: string): Entry<ViTVariantOptions> {
  return entry(
    'vit',
    `ViT-${label}/${patchSize} (Dosovitskiy et al. 2021, torchvision names)`,
    (o, name) => new VisionTransformer({ ...o, patchSize, numLayers, numHeads, hiddenDim, mlpDim }, name),
  );
}

/**
 * The small detectors, sized for 128×128 scenes with objects of ~4–64 px on this 2-core
 * machine: a ResNet-18 (BasicBlock [2, 2, 2, 2]) at a quarter of its widths, and an FPN of 64
 * channels over P2–P5 (strides 4–32; no P6/P7, which would be 2×2 and 1×1 at this size);
 * two conv layers per head tower, GroupNorm with 8 channels per group.
 */
const SMALL_DETECTOR = { fpnChannels: 64, returnedLayers: [1, 2, 3, 4], extraLevels: false, headConvs: 2 } as const;
/**
 * The single-scale twin: the top level only, widened (fpnChannels 80, 10 groups) so the twin
 * has the parameter budget of `fcos_small` (within 2%, checked by the registry tests).
 */
const SINGLE_SCALE = { fpnChannels: 80, headNormGroups: 10 } as const;
/**
 * FCOS scale ranges for 128×128 (largest side distance of a location, in pixels): P2 < 8,
 * P3 8–16, P4 16–32, P5 ≥ 32 — about objects under 16 px, 16–32, 32–64 and larger.
 * (torchvision's `[4·stride, 8·stride)` would send nearly every object of a 128-px image to P2.)
 */
const SMALL_FCOS_RANGES: [number, number][] = [
  [0, 8],
  [8, 16],
  [16, 32],
  [32, Infinity],
];

function smallBackbone(o: Omit<ResNetOptions, 'block' | 'layers'> = {}): ResNetOptions {
  return { widths: [16, 32, 64, 128], ...o, ...BASIC, layers: [2, 2, 2, 2] };
}

const REGISTRY = {
  resnet: entry<ResNetOptions>(
    'resnet',
    'ResNet with any blocks/stages/widths (torchvision layout; ResNeXt, Wide and v2 through options)',
    (o, n) => new ResNet(o, n),
  ),
  resnet18: resnet([2, 2, 2, 2], BASIC, 'ResNet-18 (He et al. 2015, torchvision)'),
  resnet34: resnet([3, 4, 6, 3], BASIC, 'ResNet-34 (He et al. 2015, torchvision)'),
  resnet50: resnet([3, 4, 6, 3], BOTTLENECK, 'ResNet-50 v1.5 (He et al. 2015, torchvision)'),
  resnet101: resnet([3, 4, 23, 3], BOTTLENECK, 'ResNet-101 v1.5 (torchvision)'),
  resnet152: resnet([3, 8, 36, 3], BOTTLENECK, 'ResNet-152 v1.5 (torchvision)'),
  plain18: resnet([2, 2, 2, 2], { ...BASIC, skip: false }, 'Plain-18: ResNet-18 without shortcuts (He et al. 2015 Table 2)'),
  plain34: resnet([3, 4, 6, 3], { ...BASIC, skip: false }, 'Plain-34: ResNet-34 without shortcuts (He et al. 2015 Table 2)'),
  resnext50_32x4d: resnet([3, 4, 6, 3], { ...BOTTLENECK, groups: 32, widthPerGroup: 4 }, 'ResNeXt-50 32×4d (Xie et al. 2017, torchvision)', 'resnext'),
  resnext101_32x8d: resnet([3, 4, 23, 3], { ...BOTTLENECK, groups: 32, widthPerGroup: 8 }, 'ResNeXt-101 32×8d (torchvision)', 'resnext'),
  resnext101_64x4d: resnet([3, 4, 23, 3], { ...BOTTLENECK, groups: 64, widthPerGroup: 4 }, 'ResNeXt-101 64×4d (torchvision)', 'resnext'),
  wide_resnet50_2: resnet([3, 4, 6, 3], { ...BOTTLENECK, widthPerGroup: 128 }, 'Wide ResNet-50-2 (Zagoruyko & Komodakis 2016, torchvision)', 'wide-resnet'),
  wide_resnet101_2: resnet([3, 4, 23, 3], { ...BOTTLENECK, widthPerGroup: 128 }, 'Wide ResNet-101-2 (torchvision)', 'wide-resnet'),
  preact_resnet18: resnet([2, 2, 2, 2], { ...BASIC, preact: true }, 'Pre-activation ResNet-18 (v2, He et al. 2016)', 'preact-resnet'),
  preact_resnet34: resnet([3, 4, 6, 3], { ...BASIC, preact: true }, 'Pre-activation ResNet-34 (v2)', 'preact-resnet'),
  preact_resnet50: resnet([3, 4, 6, 3], { ...BOTTLENECK, preact: true }, 'Pre-activation ResNet-50 (v2)', 'preact-resnet'),
  preact_resnet101: resnet([3, 4, 23, 3], { ...BOTTLENECK, preact: true }, 'Pre-activation ResNet-101 (v2)', 'preact-resnet'),
  preact_resnet152: resnet([3, 8, 36, 3], { ...BOTTLENECK, preact: true }, 'Pre-activation ResNet-152 (v2)', 'preact-resnet'),
  cifar_resnet: entry<CifarResNetOptions>(
    'cifar-resnet',
    'CIFAR ResNet of any depth 6n+2 (option A or B shortcuts, optional pre-activation)',
    (o, n) => new CifarResNet(o, n),
  ),
  resnet20: cifar(20, true),
  resnet32: cifar(32, true),
  resnet44: cifar(44, true),
  resnet56: cifar(56, true),
  resnet110: cifar(110, true),
  resnet1202: cifar(1202, true),
  plain20: cifar(20, false),
  plain32: cifar(32, false),
  plain44: cifar(44, false),
  plain56: cifar(56, false),
  plain110: cifar(110, false),
  densenet: entry<DenseNetOptions>('densenet', 'DenseNet with any growth rate/blocks (torchvision layout)', (o, n) => new DenseNet(o, n)),
  densenet121: densenet(32, [6, 12, 24, 16], 64, 121),
  densenet161: densenet(48, [6, 12, 36, 24], 96, 161),
  densenet169: densenet(32, [6, 12, 32, 32], 64, 169),
  densenet201: densenet(32, [6, 12, 48, 32], 64, 201),
  densenet_bc_100: entry<Omit<DenseNetOptions, 'blockConfig' | 'numInitFeatures' | 'stem'>>(
    'densenet',
    'DenseNet-BC (L = 100, k = 12) for 32×32 inputs (Huang et al. 2017, CIFAR)',
    (o, name) => {
      const k = o.growthRate ?? 12;
      return new DenseNet({ numClasses: 10, ...o, growthRate: k, blockConfig: [16, 16, 16], numInitFeatures: 2 * k, stem: 'cifar' }, name);
    },
  ),
  fcn8s: entry<Omit<FCN8sOptions, 'backbone'>>(
    'fcn',
    'FCN-8s on VGG-16 (Long et al. 2015): pool3/pool4 score fusion',
    (o, n) => new FCN8s({ ...o, backbone: 'vgg16' }, n),
  ),
  fcn8s_resnet18: entry<FCN8sVariantOptions>(
    'fcn',
    'FCN-8s on a ResNet-18 backbone',
    (o, n) => new FCN8s({ ...o, backbone: { ...o.backbone, ...BASIC, layers: [2, 2, 2, 2] } }, n),
  ),
  fcn8s_resnet50: entry<FCN8sVariantOptions>(
    'fcn',
    'FCN-8s on a ResNet-50 backbone',
    (o, n) => new FCN8s({ ...o, backbone: { ...o.backbone, ...BOTTLENECK, layers: [3, 4, 6, 3] } }, n),
  ),
  unet: entry<UNetOptions>('unet', 'U-Net (Ronneberger et al. 2015): four levels, same-scale concat skips', (o, n) => new UNet(o, n)),
  fpn: entry<FPNVariantOptions>(
    'fpn',
    'FPN on ResNet-50 with a semantic-segmentation head (Lin et al. 2017; Kirillov et al. 2019)',
    (o, n) => new FPNSegmentation({ ...o, backbone: { ...o.backbone, ...BOTTLENECK, layers: [3, 4, 6, 3] } }, n),
  ),
  fpn_resnet18: entry<FPNVariantOptions>(
    'fpn',
    'FPN on ResNet-18 with a semantic-segmentation head',
    (o, n) => new FPNSegmentation({ ...o, backbone: { ...o.backbone, ...BASIC, layers: [2, 2, 2, 2] } }, n),
  ),
  retinanet: entry<RetinaNetOptions>(
    'retinanet',
    'RetinaNet with any ResNet/FPN/anchors (torchvision layout; raw head outputs)',
    (o, n) => new RetinaNet(o, n),
  ),
  retinanet_resnet50_fpn: entry<RetinaNetVariantOptions>(
    'retinanet',
    'RetinaNet (Lin et al. 2017) on ResNet-50-FPN, P3–P7, 9 anchors, 91 classes (torchvision)',
    (o, n) => new RetinaNet({ ...o, backbone: { ...o.backbone, ...BOTTLENECK, layers: [3, 4, 6, 3] } }, n),
  ),
  retinanet_small: entry<RetinaNetVariantOptions>(
    'retinanet',
    'Small RetinaNet for 128×128 scenes: ResNet-18 at widths 16–128, FPN P2–P5 of 64 channels, anchors 6–76 px',
    (o, n) => new RetinaNet({ ...SMALL_DETECTOR, anchorSizes: retinaNetAnchorSizes([6, 12, 24, 48]), ...o, backbone: smallBackbone(o.backbone) }, n),
  ),
  fcos: entry<FCOSOptions>('fcos', 'FCOS with any ResNet/FPN (torchvision layout; raw head outputs)', (o, n) => new FCOS(o, n)),
  fcos_resnet50_fpn: entry<FCOSVariantOptions>(
    'fcos',
    'FCOS (Tian et al. 2019) on ResNet-50-FPN, P3–P7, GroupNorm heads, 91 classes (torchvision)',
    (o, n) => new FCOS({ ...o, backbone: { ...o.backbone, ...BOTTLENECK, layers: [3, 4, 6, 3] } }, n),
  ),
  fcos_small: entry<FCOSVariantOptions>(
    'fcos',
    'Small FCOS for 128×128 scenes: ResNet-18 at widths 16–128, FPN P2–P5 of 64 channels (objects of ~4–64 px); :plain drops the FPN laterals',
    (o, n) => new FCOS({ ...SMALL_DETECTOR, headNormGroups: 8, scaleRanges: SMALL_FCOS_RANGES, ...o, backbone: smallBackbone(o.backbone) }, n),
  ),
  fcos_small_single_scale: entry<FCOSVariantOptions>(
    'fcos',
    "fcos_small's single-scale twin: predicts from the top level (P5, stride 32) only, FPN and head widened to the same parameter budget",
    (o, n) =>
      new FCOS(
        {
          ...SMALL_DETECTOR,
          ...SINGLE_SCALE,
          scaleRanges: [[0, Infinity]],
          ...o,
          returnedLayers: [4],
          extraLevels: false,
          backbone: smallBackbone(o.backbone),
        },
        n,
      ),
  ),
  detr: entry<DETROptions>('detr', 'DETR with any ResNet / Transformer size (facebookresearch/detr layout; Carion et al. 2020)', (o, n) => new DETR(o, n)),
  detr_resnet50: entry<DETRVariantOptions>(
    'detr',
    'DETR (Carion et al. 2020) on ResNet-50 with frozen BN: 6 + 6 post-LN layers, 256 wide, 100 queries, 91 classes (detr hubconf names)',
    (o, n) => new DETR({ ...o, backbone: { ...o.backbone, ...BOTTLENECK, layers: [3, 4, 6, 3] } }, n),
  ),
  detr_small: entry<DETRVariantOptions>(
    'detr',
    'Small DETR for 128×128 scenes: ResNet-18 at widths 16–128 (trainable BN), d 64, 4 heads, 2 + 2 layers, FFN 256, 20 queries',
    (o, n) =>
      new DETR(
        {
          dModel: 64,
          nhead: 4,
          numEncoderLayers: 2,
          numDecoderLayers: 2,
          dimFeedforward: 256,
          numQueries: 20,
          ...o,
          frozenBatchNorm: false,
          freezeStem: false,
          backbone: smallBackbone(o.backbone),
        },
        n,
      ),
  ),
  transformer_encoder: entry<RowTransformerOptions>(
    'transformer',
    'Post-LN Transformer encoder (Vaswani et al. 2017, BERT) reading an image row by row',
    (o, n) => new RowTransformer({ ...o, normFirst: o.normFirst ?? false }, n),
  ),
  transformer_encoder_pre_ln: entry<Omit<RowTransformerOptions, 'normFirst'>>(
    'transformer',
    'Pre-LN Transformer encoder (Xiong et al. 2020) reading an image row by row',
    (o, n) => new RowTransformer({ ...o, normFirst: true }, n),
  ),
  transformer_seq2seq_small: entry<Seq2SeqTransformerOptions>(
    'transformer',
    'Small encoder–decoder Transformer for translation (nn.Transformer, d 64, 4 heads, 2 + 2 post-LN layers, FFN 128; sinusoidal positions)',
    (o, n) => new Seq2SeqTransformer(o, n),
  ),
  gpt: entry<GPTOptions>('gpt', 'GPT decoder of any size (pre-LN, causal, tied embeddings; nanoGPT names)', (o, n) => new GPT(o, n)),
  gpt2: entry<GPTVariantOptions>(
    'gpt',
    'GPT-2 small: 12 layers, 12 heads, 768 wide, vocab 50257 (nanoGPT names)',
    (o, n) => new GPT({ ...o, vocabSize: 50257, nLayer: 12, nHead: 12, nEmbd: 768 }, n),
  ),
  bert_base_uncased: entry<BertVariantOptions>(
    'bert',
    'BERT-base, uncased (Devlin et al. 2019): HF BertModel names, post-LN, 12 layers, 768 wide; outputs the last hidden state',
    (o, n) => new BertModel({ ...o, ...BERT_BASE_UNCASED }, n),
  ),
  bert_mlm: entry<BertOptions>(
    'bert',
    'BERT with its masked-LM head (HF BertForMaskedLM names, decoder tied to the word embeddings); any size, bert-base-uncased by default',
    (o, n) => new BertForMaskedLM(o, n),
  ),
  bert_cls: entry<BertForSequenceClassificationOptions & { numClasses?: number }>(
    'bert',
    'BERT with a classifier on the pooled [CLS] state (HF BertForSequenceClassification names); any size, bert-base-uncased by default',
    ({ numClasses, ...o }, n) => new BertForSequenceClassification({ numLabels: numClasses, ...o }, n),
  ),
  vit: entry<ViTOptions>('vit', 'Vision Transformer of any size (torchvision names)', (o, n) => new VisionTransformer(o, n)),
  vit_b_16: vit(16, 12, 12, 768, 3072, 'B'),
  vit_b_32: vit(32, 12, 12, 768, 3072, 'B'),
  vit_l_16: vit(16, 24, 16, 1024, 4096, 'L'),
  vit_l_32: vit(32, 24, 16, 1024, 4096, 'L'),
  mlp: entry<DeepMLPOptions>('mlp', 'Deep MLP whose hidden layers are residual blocks x + act(Wx + b) (skip experiments)', (o, n) => new DeepMLP(o, n)),
} satisfies Record<string, Entry<never>>;

/** Every registered model name. */
export type ModelName = keyof typeof REGISTRY;

/** The options `createModel(name, …)` takes for model `N`. */
export type ModelOptions<N extends ModelName> = (typeof REGISTRY)[N] extends Entry<infer O> ? O : never;

/** Every registered model name, sorted. */
export function listModels(): string[] {
  return Object.keys(REGISTRY).sort();
}

function isModelName(name: string): name is ModelName {
  return Object.hasOwn(REGISTRY, name);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function unknown(name: string): Error {
  const names = listModels();
  // The nearest names (edit distance ≤ 2), at most three of them.
  const scored = names.map((n) => [n, distance(n, name)] as const).filter(([, d]) => d <= 2);
  const best = Math.min(...scored.map(([, d]) => d));
  const close = scored
    .filter(([, d]) => d === best)
    .slice(0, 3)
    .map(([n]) => n);
  const hint = close.length ? ` Did you mean ${close.map((n) => `'${n}'`).join(' or ')}?` : '';
  return new Error(`Unknown model '${name}'.${hint} Valid models: ${names.join(', ')}`);
}

/** Registry facts about `name` (throws listing the valid names when unknown). */
export function modelInfo(name: string): ModelInfo {
  if (!isModelName(name)) throw unknown(name);
  const e: Entry<never> = REGISTRY[name];
  return { name, family: e.family, description: e.description };
}

/**
 * Builds model `name` with `options` on the active backend (weights initialised as the
 * original implementation does, drawn from the seeded global generator). An unknown name
 * throws an error listing every valid one. Every model takes {@link CommonOptions}
 * (`inChannels`, `numClasses`, `skip`); see each family's options for the rest.
 *
 * ```ts
 * const net = createModel('resnet20', { inChannels: 1 });     // MNIST-sized ResNet-20
 * const twin = createModel('plain20', { inChannels: 1 });     // same layers, no shortcuts
 * const tiny = createModel('resnet18', { widths: [8, 16, 32, 64], numClasses: 10 });
 * ```
 */
export function createModel<N extends ModelName>(name: N, options?: ModelOptions<N>): Model;
export function createModel(name: string, options?: CommonOptions & Record<string, unknown>): Model;
export function createModel(name: string, options?: unknown): Model {
  if (!isModelName(name)) throw unknown(name);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new Error(`createModel('${name}'): options must be an object, got ${Array.isArray(options) ? 'an array' : String(options)}`);
  }
  const e = REGISTRY[name] as Entry<object>;
  return e.build(options ?? {}, name);
}
