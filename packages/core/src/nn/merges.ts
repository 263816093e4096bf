/**
 * How a {@link Skip} combines its two branches — and what its plain twin outputs instead. Each
 * merge is a small strategy object that knows both forms, so the skip itself only wires.
 */
import { fmt, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad, tidy } from '../engine.js';
import { add, addActivation, concat, mul, reshape, sigmoid, sub, zeros } from '../ops/index.js';
import { Module, setTraceSink, traceSink } from './module.js';
import { ReLU } from './layers.js';

/** What a merge sees besides the two branch outputs. */
export interface MergeContext {
  /** The skip's input (a gate reads it). */
  readonly x: Tensor;
  /** The module the skip applies after the merge, if any (the add merge may fuse a ReLU). */
  readonly post: Module | null;
  /** The skip's class name, for error messages. */
  readonly owner: string;
}

/** A merge's result. */
export interface MergeResult {
  readonly output: Tensor;
  /** True when the merge already applied the skip's `post` (the fused add + ReLU). */
  readonly postApplied: boolean;
  /** Tensors the merge computed that feed its output (a gate's output), for traces. */
  readonly extraInputs: readonly Tensor[];
  /** Multiply-adds of the merge itself, for summaries. */
  readonly multiplyAdds: number;
}

/** A merge strategy: the combination with the bypass, and the plain twin's output without it. */
export interface SkipMerge {
  /** Name in traces and errors (`'add'`, `'concat'`, …). */
  readonly kind: string;
  /** Combines the main branch's output with the shortcut's. */
  combine(main: Tensor, shortcut: Tensor, context: MergeContext): MergeResult;
  /**
   * The plain twin's output (the bypass removed). `shortcut` runs the shortcut branch; a merge
   * calls it only when it needs the bypass's shape (the zero-filled concat).
   */
  plain(main: Tensor, shortcut: () => Tensor): Tensor;
}

function requireSameShape(main: Tensor, shortcut: Tensor, kind: string, owner: string): void {
  if (!sameShape(main.shape, shortcut.shape)) {
    throw new Error(
      `${owner}(${kind}): main branch ${fmt(main.shape)} and shortcut ${fmt(shortcut.shape)} differ; give the shortcut a projection (e.g. a strided 1×1 conv + BN as torchvision's downsample)`,
    );
  }
}

const plainResult = (output: Tensor): MergeResult => ({ output, postApplied: false, extraInputs: [], multiplyAdds: 0 });

/** `main + shortcut` (ResNet, FPN laterals, Transformers); the plain twin is `main`. */
export class AddMerge implements SkipMerge {
  readonly kind = 'add';

  combine(main: Tensor, shortcut: Tensor, { post, owner }: MergeContext): MergeResult {
    requireSameShape(main, shortcut, this.kind, owner);
    // `relu(main + shortcut)` in one pass (the backend's fused addAct) when nothing observes
    // the ReLU on its own: no hooks on it and no trace recording it as a module.
    const fuse = post instanceof ReLU && post.constructor === ReLU && !post.hasHooks && !traceSink();
    return { ...plainResult(fuse ? addActivation(main, shortcut, 'relu') : add(main, shortcut)), postApplied: fuse };
  }

  plain(main: Tensor): Tensor {
    return main;
  }
}

/**
 * `concat([shortcut, main], axis)` (DenseNet's `[x, new features]`, U-Net's `[encoder,
 * decoder]`). The plain twin fills the shortcut's channels with zeros (`'zeros'`, shapes kept)
 * or returns `main` alone (`'drop'`).
 */
export class ConcatMerge implements SkipMerge {
  readonly kind = 'concat';

  constructor(
    readonly axis: number,
    readonly plainForm: 'zeros' | 'drop',
  ) {}

  combine(main: Tensor, shortcut: Tensor): MergeResult {
    return plainResult(concat([shortcut, main], this.axis));
  }

  plain(main: Tensor, shortcut: () => Tensor): Tensor {
    if (this.plainForm === 'drop') return main;
    // The shortcut's shape only: run it untraced and without gradients.
    const sink = setTraceSink(null);
    let shape: number[];
    try {
      shape = tidy(() => noGrad(() => [...shortcut().shape]));
    } finally {
      setTraceSink(sink);
    }
    return concat([zeros(shape), main], this.axis);
  }
}

/**
 * Highway: `T·main + (1−T)·shortcut` with `T = sigmoid(gate(x))`. Without the bypass there is
 * nothing to gate, so the plain twin is `main`.
 */
export class GatedMerge implements SkipMerge {
  readonly kind = 'gated';

  constructor(readonly gate: Module) {}

  combine(main: Tensor, shortcut: Tensor, { x, owner }: MergeContext): MergeResult {
    requireSameShape(main, shortcut, this.kind, owner);
    const g = this.gate.call(x);
    if (!sameShape(g.shape, main.shape)) throw new Error(`${owner}(gated): gate output ${fmt(g.shape)} must match the main branch ${fmt(main.shape)}`);
    // T·m + (1−T)·s, written as s + T·(m − s): one multiply.
    const output = add(shortcut, mul(sigmoid(g), sub(main, shortcut)));
    return { output, postApplied: false, extraInputs: [g], multiplyAdds: output.size };
  }

  plain(main: Tensor): Tensor {
    return main;
  }
}

/**
 * LayerScale / ReZero: `shortcut + α·main` with a learned α (a scalar, or one per channel on
 * `channelAxis`). The plain twin is `main`: α only mixes main into the bypass.
 */
export class ScaledMerge implements SkipMerge {
  readonly kind = 'scaled';

  /** @param alpha reads the skip's α parameter (it is registered on the skip, under its name). */
  constructor(
    readonly alpha: () => Tensor,
    readonly channelAxis?: number,
  ) {}

  combine(main: Tensor, shortcut: Tensor, { owner }: MergeContext): MergeResult {
    requireSameShape(main, shortcut, this.kind, owner);
    const output = add(shortcut, mul(this.#broadcastAlpha(main, owner), main));
    return { output, postApplied: false, extraInputs: [], multiplyAdds: output.size };
  }

  plain(main: Tensor): Tensor {
    return main;
  }

  #broadcastAlpha(m: Tensor, owner: string): Tensor {
    const a = this.alpha();
    if (a.rank === 0) return a;
    const axis = this.channelAxis ?? (m.rank === 4 ? 1 : m.rank - 1);
    const ax = axis < 0 ? axis + m.rank : axis;
    if (m.shape[ax] !== a.size) throw new Error(`${owner}(scaled): α has ${a.size} channels, the main branch ${fmt(m.shape)} has ${m.shape[ax]} on axis ${ax}`);
    return reshape(
      a,
      m.shape.map((d, i) => (i === ax ? d : 1)),
    );
  }
}
