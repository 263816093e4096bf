/**
 * `@skipnet/models`: the architectures whose skip connections skipnet is about — ResNet,
 * ResNeXt, Wide-ResNet, pre-activation ResNet, CIFAR ResNet and its plain twins, DenseNet,
 * FCN-8s, U-Net, FPN, RetinaNet and FCOS detectors, the Transformer encoder and encoder–decoder (`nn.Transformer`), BERT, GPT and ViT — each built from core's `Skip`, each
 * with a plain twin (`{ skip: false }`), with torchvision / Hugging Face / nanoGPT parameter names so
 * published checkpoints load with `strict: true`.
 *
 * ```ts
 * import { createModel, listModels } from '@skipnet/models';
 * const net = createModel('resnet20', { inChannels: 1, numClasses: 10 });
 * ```
 *
 * @packageDocumentation
 */
export { createModel, listModels, modelInfo, type ModelName, type ModelOptions, type ModelInfo } from './registry.js';
export type {
  ResNetVariantOptions,
  CifarVariantOptions,
  DenseNetVariantOptions,
  ViTVariantOptions,
  FCN8sVariantOptions,
  FPNVariantOptions,
  GPTVariantOptions,
  BertVariantOptions,
  RetinaNetVariantOptions,
  FCOSVariantOptions,
  DETRVariantOptions,
} from './registry.js';
export { Model, describeInput, inputProblem, type InputSpec } from './model.js';
export type { CommonOptions } from './common.js';
export { createMetaBackend, onMeta, countParametersOf, type MetaHandle } from './meta.js';
export { ResNet, BasicBlock, Bottleneck, PreActBasicBlock, PreActBottleneck, type ResNetOptions, type BlockArgs, type BlockClass } from './resnet.js';
export { CifarResNet, PadShortcut, type CifarResNetOptions } from './cifar-resnet.js';
export { DenseNet, DenseLayer, Transition, type DenseNetOptions } from './densenet.js';
export { FCN8s, ScoreFusion, vgg16Features, bilinearKernel, type FCN8sOptions } from './fcn.js';
export { UNet, DoubleConv, Down, Up, OutConv, type UNetOptions } from './unet.js';
export {
  FPNSegmentation,
  FeaturePyramidNetwork,
  BackboneWithFPN,
  SemanticHead,
  TopDownSkip,
  ExtraFPNBlock,
  LastLevelP6P7,
  type FPNOptions,
  type BackboneWithFPNOptions,
} from './fpn.js';
export {
  Detector,
  FPNDetector,
  RetinaNet,
  FCOS,
  RetinaNetHead,
  RetinaNetClassificationHead,
  RetinaNetRegressionHead,
  FCOSHead,
  FCOSClassificationHead,
  FCOSRegressionHead,
  flattenLevel,
  priorBias,
  retinaNetAnchorSizes,
  type BoxCoding,
  type DetectionHeadOutputs,
  type DetectorOptions,
  type RetinaNetOptions,
  type FCOSOptions,
  type FCOSHeadOptions,
} from './detection.js';
export {
  DETR,
  DETRAttentionSkip,
  DETRBackbone,
  DETRDecoder,
  DETRDecoderLayer,
  DETREncoder,
  DETREncoderLayer,
  DETRMLP,
  DETRTransformer,
  FrozenBatchNorm2d,
  Joiner,
  PositionEmbeddingSine,
  freezeBatchNorm,
  pixelTargetsToDETR,
  positionEmbeddingSine,
  type DETRLayerOptions,
  type DETROptions,
} from './detr.js';
export {
  DETR_LOSS_WEIGHTS,
  boxCxcywhToXyxy,
  hungarianMatch,
  matchingCost,
  setCriterion,
  weightedSetLoss,
  type MatchCostWeights,
  type SetCriterionOptions,
  type SetCriterionResult,
} from './detr-loss.js';
export { linearSumAssignment, type Assignment } from './hungarian.js';
export {
  matchFcos,
  matchRetinaNet,
  fcosLoss,
  retinaNetLoss,
  levelBounds,
  sumComponents,
  type FcosMatchOptions,
  type RetinaNetMatchOptions,
} from './detection-loss.js';
export { postprocessDetections, type Detections, type PostprocessOptions, type PostprocessLayout } from './detection-postprocess.js';
export {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  AttentionSkip,
  FeedForwardSkip,
  RowTransformer,
  generateSquareSubsequentMask,
  type AttentionSkipOptions,
  type SublayerIndex,
  type TransformerDecoderCallOptions,
  type TransformerEncoderLayerOptions,
  type RowTransformerOptions,
} from './transformer.js';
export {
  Transformer,
  TransformerEncoder,
  TransformerDecoder,
  type TransformerOptions,
  type TransformerCallOptions,
  type TransformerEncoderCallOptions,
} from './seq2seq.js';
export {
  Seq2SeqTransformer,
  beamSearchDecode,
  greedyDecode,
  greedySearchDecode,
  sinusoidalPositions,
  type DecodeOptions,
  type Seq2SeqTransformerOptions,
} from './seq2seq-model.js';
export { beamSearch, greedySearch, type BeamSearchOptions, type Hypothesis, type NextTokenScorer, type SearchOptions } from './search.js';
export {
  BertModel,
  BertForMaskedLM,
  BertForSequenceClassification,
  BertEmbeddings,
  BertSelfAttention,
  BertSelfOutput,
  BertAttention,
  BertIntermediate,
  BertOutput,
  BertFeedForwardSkip,
  BertLayer,
  BertEncoder,
  BertPooler,
  BertPredictionHeadTransform,
  BertLMPredictionHead,
  BertOnlyMLMHead,
  extendedAttentionMask,
  type BertOptions,
  type BertModelOptions,
  type BertForSequenceClassificationOptions,
  type BertConfig,
  type BertCallOptions,
  type BertModelOutput,
} from './bert.js';
export { GPT, GPTTransformer, gptBlock, CausalSelfAttention, MLP, type GPTOptions } from './gpt.js';
export { VisionTransformer, Encoder, encoderBlock, type ViTOptions } from './vit.js';
export { DeepMLP, MLPBlock, type DeepMLPOptions, type MLPActivation } from './mlp.js';
export { CrossScaleSkip, conv1x1, conv3x3, fitTo, resizeTo } from './layers.js';
