/**
 * The base of every model in this package: a {@link Module} that declares the input it takes
 * and checks it before any compute, so a wrong channel count or image size fails with a
 * message naming the expected shape instead of a shape error deep inside a convolution.
 */
import { Module, type DType, type Tensor } from '@skipnet/core';

/** What a model accepts as input. Sizes are checked per spatial axis (H and W). */
export interface InputSpec {
  /** Element type: float32 images, int32 token ids. */
  readonly dtype: DType;
  /**
   * Image input `[N, C, H, W]` (`'image'`) or token ids `[N, T]` (`'tokens'`).
   * `'features'` is `[N, F]` (or any `[N, …]` whose trailing dims hold `features` elements).
   */
  readonly kind: 'image' | 'tokens' | 'features';
  /** Image channels C. */
  readonly channels?: number;
  /** Exact spatial size `[H, W]` (models with learned positions: ViT, row Transformer). */
  readonly size?: readonly [number, number];
  /** Smallest spatial size accepted (every stage keeps at least one pixel). */
  readonly minSize?: number;
  /** `'tokens'`: longest sequence (GPT's block size). */
  readonly maxLength?: number;
  /** `'features'`: elements per sample. */
  readonly features?: number;
  /** A typical input shape with batch 1 (`[1, 3, 224, 224]`), e.g. for `summary(model, shape)`. */
  readonly example: readonly number[];
}

/** The expected input as text: `[N, 3, H, W] (H, W ≥ 32)`, `[N, 1, 28, 28]`, `[N, T ≤ 1024] int32`. */
export function describeInput(spec: InputSpec): string {
  switch (spec.kind) {
    case 'tokens':
      return `[N, T] int32 token ids with 1 ≤ T ≤ ${spec.maxLength ?? '∞'}`;
    case 'features':
      return `[N, ${spec.features ?? 'F'}] (or [N, …] with ${spec.features ?? 'F'} elements per sample)`;
    case 'image': {
      const c = spec.channels ?? 'C';
      if (spec.size) return `[N, ${c}, ${spec.size[0]}, ${spec.size[1]}]`;
      return `[N, ${c}, H, W]${spec.minSize && spec.minSize > 1 ? ` with H, W ≥ ${spec.minSize}` : ''}`;
    }
  }
}

/** Why `shape`/`dtype` do not satisfy `spec`, or null when they do. */
export function inputProblem(spec: InputSpec, shape: readonly number[], dtype: DType): string | null {
  if (dtype !== spec.dtype) return `dtype ${dtype} (expected ${spec.dtype})`;
  if (spec.kind === 'tokens') {
    if (shape.length !== 2) return `rank ${shape.length}`;
    const t = shape[1]!;
    if (t < 1) return 'an empty sequence';
    if (spec.maxLength !== undefined && t > spec.maxLength) return `length ${t} > block size ${spec.maxLength}`;
    return null;
  }
  if (spec.kind === 'features') {
    if (shape.length < 2) return `rank ${shape.length}`;
    const per = shape.slice(1).reduce((n, d) => n * d, 1);
    return spec.features !== undefined && per !== spec.features ? `${per} elements per sample` : null;
  }
  if (shape.length !== 4) return `rank ${shape.length}`;
  const [, c, h, w] = shape as [number, number, number, number];
  if (spec.channels !== undefined && c !== spec.channels) return `${c} channel${c === 1 ? '' : 's'}`;
  if (spec.size && (h !== spec.size[0] || w !== spec.size[1])) return `size ${h}×${w}`;
  if (spec.minSize !== undefined && (h < spec.minSize || w < spec.minSize)) return `size ${h}×${w} (below ${spec.minSize})`;
  return null;
}

/**
 * A model: a {@link Module} with a declared {@link InputSpec}. Subclasses call
 * {@link Model.checkInput} first thing in `forward`.
 */
export abstract class Model extends Module {
  /** The registry name (`resnet18`) or class name, used in error messages. */
  modelName: string;
  /** The input this model accepts. */
  abstract readonly inputSpec: InputSpec;

  constructor(modelName?: string) {
    super();
    this.modelName = modelName ?? this.constructor.name;
  }

  /** Throws, before any compute, when `x` is not an input this model can take. */
  checkInput(x: Tensor): void {
    const problem = inputProblem(this.inputSpec, x.shape, x.dtype);
    if (problem) {
      throw new Error(`${this.modelName}: expected input ${describeInput(this.inputSpec)}, got [${x.shape.join(', ')}] ${x.dtype} (${problem})`);
    }
  }
}
