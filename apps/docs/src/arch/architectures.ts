/**
 * The models drawn on the architecture pages: which zoo model, with which options, traced on
 * which input. Shared by the build script (scripts/prepare.ts), which renders the diagrams
 * and parameter tables, and by the end-to-end test, which traces the same models again and
 * checks the pages against them.
 */
import type { DType } from '@skipnet/core';

export interface ArchModel {
  /** Key of the generated data (`.generated/arch/<id>.json`) and of the page's diagram. */
  id: string;
  /** Zoo name for `createModel`. */
  model: string;
  /** Options for `createModel`. */
  options: Record<string, unknown>;
  /** Input traced by `graph()` / `summary()` (batch 1). */
  input: number[];
  dtype?: DType;
  /** One line under the diagram. */
  caption: string;
}

export const architectures: readonly ArchModel[] = [
  { id: 'resnet18', model: 'resnet18', options: {}, input: [1, 3, 224, 224], caption: 'ResNet-18 (torchvision layout), traced on a 224×224 RGB image.' },
  {
    id: 'resnet20',
    model: 'resnet20',
    options: { inChannels: 1 },
    input: [1, 1, 28, 28],
    caption: 'CIFAR ResNet-20 with option-A shortcuts, as `skipnet train --model resnet20 --dataset mnist` builds it (1×28×28 input).',
  },
  {
    id: 'preact_resnet18',
    model: 'preact_resnet18',
    options: {},
    input: [1, 3, 224, 224],
    caption: 'Pre-activation ResNet-18 (v2), traced on a 224×224 RGB image.',
  },
  {
    id: 'wide_resnet50_2',
    model: 'wide_resnet50_2',
    options: {},
    input: [1, 3, 64, 64],
    caption: 'Wide ResNet-50-2, traced on a 64×64 RGB image (the parameters do not depend on the input size).',
  },
  { id: 'resnext50_32x4d', model: 'resnext50_32x4d', options: {}, input: [1, 3, 64, 64], caption: 'ResNeXt-50 (32×4d), traced on a 64×64 RGB image.' },
  { id: 'densenet121', model: 'densenet121', options: {}, input: [1, 3, 64, 64], caption: 'DenseNet-121 (k = 32), traced on a 64×64 RGB image.' },
  { id: 'fcn8s', model: 'fcn8s', options: {}, input: [1, 3, 64, 64], caption: 'FCN-8s on VGG-16 (21 PASCAL VOC classes), traced on a 64×64 RGB image.' },
  {
    id: 'unet',
    model: 'unet',
    options: {},
    input: [1, 1, 64, 64],
    caption: "U-Net with the paper's widths (64…1024 channels, 2 classes), traced on a 64×64 greyscale image.",
  },
  {
    id: 'fpn_resnet18',
    model: 'fpn_resnet18',
    options: {},
    input: [1, 3, 64, 64],
    caption: 'FPN on a ResNet-18 backbone with a semantic-segmentation head, traced on a 64×64 RGB image.',
  },
  {
    id: 'fcos_small',
    model: 'fcos_small',
    options: { numClasses: 3 },
    input: [1, 3, 128, 128],
    caption:
      'The small FCOS detector of the detection demo (ResNet-18 at widths 16–128, FPN P2–P5 of 64 channels, 3 classes), traced on a 128×128 `shapes-det` scene.',
  },
  {
    id: 'gpt',
    model: 'gpt',
    options: { vocabSize: 28, blockSize: 16, nLayer: 4, nHead: 4, nEmbd: 64 },
    input: [1, 16],
    dtype: 'int32',
    caption: "A 4-layer character GPT (the names demo's size: 28 tokens, context 16, width 64), traced on 16 token ids.",
  },
  {
    id: 'vit',
    model: 'vit',
    options: { imageSize: 32, patchSize: 8, numLayers: 4, numHeads: 4, hiddenDim: 64, mlpDim: 128, numClasses: 10 },
    input: [1, 3, 32, 32],
    caption: 'A 4-layer ViT (8×8 patches of a 32×32 image, width 64), traced on one image.',
  },
];

export function architecture(id: string): ArchModel {
  const a = architectures.find((x) => x.id === id);
  if (!a) throw new Error(`unknown architecture '${id}'; known: ${architectures.map((x) => x.id).join(', ')}`);
  return a;
}
