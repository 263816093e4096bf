/**
 * What the live demos train, as plain data (no imports, so the demo components can read it
 * without pulling core into every page): real zoo models at sizes a cpu backend trains in
 * seconds. Each family has a plain twin (`skip: false`). Built by ./models.ts.
 */

/** Side of the demo images: MNIST digits are average-pooled 28 → 14 for speed. */
export const DIGIT_SIDE = 14;
/** Side of the `shapes` scenes in the segmentation demos. */
export const SHAPES_SIDE = 32;

export type ClassifierArch = 'resnet' | 'preact' | 'wide' | 'resnext' | 'densenet' | 'vit' | 'transformer';
export type SegmenterArch = 'unet' | 'fcn' | 'fpn';

export interface DemoModelSpec {
  /** Zoo name. */
  model: string;
  options: Record<string, unknown>;
  /** What the demo trains, in a few words. */
  label: string;
  lr: number;
}

const digits = { inChannels: 1, numClasses: 10 };

export const classifierSpecs: Record<ClassifierArch, DemoModelSpec> = {
  resnet: { model: 'cifar_resnet', options: { ...digits, depth: 14, widths: [8, 16, 32] }, label: 'CIFAR ResNet-14, 8/16/32 channels', lr: 3e-3 },
  preact: {
    model: 'cifar_resnet',
    options: { ...digits, depth: 14, widths: [8, 16, 32], preact: true },
    label: 'pre-activation ResNet-14, 8/16/32 channels',
    lr: 3e-3,
  },
  wide: {
    model: 'cifar_resnet',
    options: { ...digits, depth: 8, widths: [16, 32, 64], preact: true, shortcut: 'B' },
    label: 'WRN-10-2 style: one wide pre-activation block per stage (16/32/64 channels)',
    lr: 3e-3,
  },
  resnext: {
    model: 'resnet',
    options: { ...digits, block: 'bottleneck', layers: [1, 1, 1], widths: [8, 16, 32], groups: 4, widthPerGroup: 16 },
    label: 'ResNeXt with three bottleneck blocks, cardinality 4',
    lr: 3e-3,
  },
  densenet: {
    model: 'densenet',
    options: { ...digits, growthRate: 6, blockConfig: [3, 3], numInitFeatures: 12, stem: 'cifar' },
    label: 'DenseNet-BC, two blocks of three layers, k = 6',
    lr: 3e-3,
  },
  vit: {
    model: 'vit',
    options: { ...digits, imageSize: DIGIT_SIDE, patchSize: 7, numLayers: 2, numHeads: 2, hiddenDim: 32, mlpDim: 64 },
    label: 'ViT with 7×7 patches (4 tokens + class token), 2 blocks of width 32',
    lr: 2e-3,
  },
  transformer: {
    model: 'transformer_encoder_pre_ln',
    options: { ...digits, imageSize: DIGIT_SIDE, numLayers: 2, nhead: 2, dModel: 32, dimFeedforward: 64 },
    label: 'pre-LN Transformer encoder reading 14 rows of 14 pixels',
    lr: 2e-3,
  },
};

export const segmenterSpecs: Record<SegmenterArch, DemoModelSpec> = {
  unet: { model: 'unet', options: { inChannels: 3, numClasses: 4, baseWidth: 8, batchNorm: true }, label: 'U-Net, 8…128 channels, with BatchNorm', lr: 3e-3 },
  fcn: {
    model: 'fcn8s',
    options: { inChannels: 3, numClasses: 4, baseWidth: 8, fcWidth: 64, dropout: 0 },
    label: 'FCN-8s on a slim VGG-16 (8…64 channels)',
    lr: 2e-3,
  },
  fpn: {
    model: 'fpn_resnet18',
    options: { inChannels: 3, numClasses: 4, backbone: { widths: [8, 16, 32, 64] }, fpnChannels: 16, headChannels: 16 },
    label: 'FPN on a slim ResNet-18 (8…64 channels)',
    lr: 3e-3,
  },
};
