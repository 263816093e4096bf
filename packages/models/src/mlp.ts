/**
 * A deep fully connected network whose hidden layers are core {@link Skip}s — the smallest
 * setting in which the effect of a skip connection can be measured: with `skip: true` each
 * layer computes `x + act(W·x + b)`, with `skip: false` (its plain twin) `act(W·x + b)`.
 *
 * In the plain twin the gradient reaching layer `l` is a product of `depth − l` Jacobians
 * `diag(act′)·W`; with a saturating activation their norms are below one and the product
 * vanishes geometrically. With the skip each factor is `I + diag(act′)·W`, whose identity part
 * carries the gradient to the first layer undiminished (He et al. 2016, "Identity Mappings").
 */
import { GELU, Linear, ReLU, Sequential, Sigmoid, Skip, Tanh, flatten, seq, type Branches, type Module, type Tensor } from '@skipnet/core';
import { applySkip, positiveInt, type CommonOptions } from './common.js';
import { Model, type InputSpec } from './model.js';

/** Hidden activations of {@link DeepMLP}. */
export type MLPActivation = 'relu' | 'tanh' | 'sigmoid' | 'gelu';

function activation(name: MLPActivation): Module {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'tanh':
      return new Tanh();
    case 'sigmoid':
      return new Sigmoid();
    case 'gelu':
      return new GELU();
  }
}

/** One hidden layer `x + act(fc(x))` (`act(fc(x))` in the plain twin). Names `fc`, `act`. */
export class MLPBlock extends Skip {
  declare fc: Linear;
  declare act: Module;

  constructor(width: number, act: MLPActivation) {
    super({ merge: 'add' });
    this.fc = new Linear(width, width);
    this.act = activation(act);
  }

  protected override branches(x: Tensor): Branches {
    return { main: seq(x, this.fc, this.act) };
  }
}

/** Options of {@link DeepMLP}. */
export interface DeepMLPOptions extends CommonOptions {
  /** Input elements per sample (default `inChannels · imageSize²` = 1·28·28). */
  inFeatures?: number;
  /** Square image side used for the default `inFeatures` (default 28). */
  imageSize?: number;
  /** Hidden layers, each a Skip (default 20). */
  depth?: number;
  /** Hidden width (default 64). */
  width?: number;
  /** Hidden activation (default `'tanh'`). */
  activation?: MLPActivation;
}

/**
 * `stem` (Linear in → width, then the activation), `depth` blocks `blocks.0…`, `head`
 * (Linear width → numClasses). Input `[N, inFeatures]` or any `[N, …]` with that many
 * elements per sample (an image is flattened) → `[N, numClasses]`. PyTorch's default
 * initialisation throughout.
 */
export class DeepMLP extends Model {
  declare stem: Linear;
  declare stem_act: Module;
  declare blocks: Sequential;
  declare head: Linear;
  readonly inputSpec: InputSpec;

  constructor(options: DeepMLPOptions = {}, name = 'mlp') {
    super(name);
    const size = options.imageSize ?? 28;
    const inFeatures = positiveInt('inFeatures', options.inFeatures ?? (options.inChannels ?? 1) * size * size, name);
    const width = positiveInt('width', options.width ?? 64, name);
    const depth = positiveInt('depth', options.depth ?? 20, name);
    const act = options.activation ?? 'tanh';
    this.inputSpec = { kind: 'features', dtype: 'float32', features: inFeatures, example: [1, inFeatures] };
    this.stem = new Linear(inFeatures, width);
    this.stem_act = activation(act);
    const blocks = Array.from({ length: depth }, () => new MLPBlock(width, act));
    this.blocks = new Sequential(...blocks);
    this.head = new Linear(width, positiveInt('numClasses', options.numClasses ?? 10, name));
    applySkip(blocks, options.skip);
  }

  /** The hidden blocks in order (for per-layer gradient profiles). */
  hiddenLayers(): MLPBlock[] {
    return [...this.blocks] as MLPBlock[];
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    const flat = x.rank === 2 ? x : flatten(x, 1);
    return this.head.call(this.blocks.call(this.stem_act.call(this.stem.call(flat))));
  }
}
