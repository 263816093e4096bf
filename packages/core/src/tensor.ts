/**
 * The Tensor: a strided view of reference-counted backend storage, with an optional
 * autograd node. Views (reshape, permute, expand, slice) share storage; the storage is
 * freed when its last view is disposed.
 */
import type { DType, DataArray, Dense, View } from './backend/types.js';
import { isGradEnabled, setTensorGuard, trackTensor, untrackTensor, type BackendEntry } from './engine.js';
import { fmt, isDense, sizeOf, stridesOf, type Shape } from './shape.js';

/** Reference-counted backend buffer shared by views. @internal */
export class Storage {
  refs = 0;
  constructor(
    readonly entry: BackendEntry,
    readonly handle: unknown,
    readonly size: number,
    readonly dtype: DType,
  ) {}
}

/** A backward rule: maps the output gradient to one gradient per input (null: none). @internal */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | null)[];

/** A recorded operation in the autograd graph. @internal */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

let nextId = 0;

/** Anything convertible to a tensor's contents. */
export type TensorLike = number | readonly TensorLike[] | DataArray | readonly number[];

/**
 * An n-dimensional array of float32 or int32 on a backend, with reverse-mode autograd.
 * Create with {@link tensor}, {@link zeros}, {@link randn}, ….
 */
export class Tensor {
  /** Unique id (debugging, graph traversal). */
  readonly id = nextId++;
  /** Dimensions. */
  readonly shape: readonly number[];
  /** Element strides of this view into its storage. @internal */
  readonly strides: readonly number[];
  /** First element of this view in its storage. @internal */
  readonly offset: number;
  /** @internal */
  readonly storage: Storage;
  /** Whether gradients flow to this tensor. Set it on leaves (parameters, inputs). */
  requiresGrad = false;
  /** The accumulated gradient after `backward()`, on leaves that require grad. */
  grad: Tensor | null = null;
  /** The operation that produced this tensor, when recorded. @internal */
  gradNode: GradNode | null = null;
  /** Optional name (parameters carry their dotted names). */
  name?: string;
  private disposedFlag = false;
  /** Temporaries of the op that made this tensor, kept for its gradient. @internal */
  private owned: Tensor[] | null = null;

  /** @internal Use the creation functions instead. */
  constructor(storage: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : stridesOf(shape));
    this.offset = offset;
    storage.refs++;
    storage.entry.tensors++;
    trackTensor(this);
  }

  /** Element type. */
  get dtype(): DType {
    return this.storage.dtype;
  }
  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Name of the backend holding the data. */
  get backend(): string {
    return this.storage.entry.name;
  }
  /** Whether {@link Tensor.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposedFlag;
  }
  /** Whether this view is dense row-major from the start of its storage. */
  get isContiguous(): boolean {
    return isDense(this.shape, this.strides, this.offset) && this.storage.size === this.size;
  }

  /** Throws a clear error when the tensor was disposed. @internal */
  assertAlive(op: string): void {
    if (this.disposedFlag) {
      throw new Error(`${op}: tensor ${fmt(this.shape)} (${this.dtype}) was already disposed`);
    }
  }

  /** The strided view handed to kernels. @internal */
  view(op: string): View<unknown> {
    this.assertAlive(op);
    return { handle: this.storage.handle, shape: this.shape, strides: this.strides, offset: this.offset, dtype: this.dtype };
  }

  /** Takes ownership of an op's temporaries (freed with this tensor or after backward). @internal */
  adopt(ts: readonly Tensor[]): void {
    for (const t of ts) untrackTensor(t);
    (this.owned ??= []).push(...ts);
  }

  /** Frees the temporaries kept for this tensor's gradient (after backward). @internal */
  releaseOwned(): void {
    const owned = this.owned;
    this.owned = null;
    if (owned) for (const t of owned) t.dispose();
  }

  /** Releases this view; storage is freed with its last view. Idempotent. Also frees `grad`. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    untrackTensor(this);
    this.gradNode = null;
    this.releaseOwned();
    const s = this.storage;
    s.entry.tensors--;
    if (--s.refs === 0) s.entry.backend.free(s.handle);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Reads the elements back (row-major), waiting for the backend. */
  async data(): Promise<DataArray> {
    this.assertAlive('data');
    if (this.isContiguous) {
      return this.storage.entry.backend.read(this.storage.handle, this.dtype, this.size);
    }
    const dense = this.contiguous();
    try {
      return await dense.data();
    } finally {
      dense.dispose();
    }
  }

  /** Synchronous readback; throws on backends that cannot read synchronously. */
  dataSync(): DataArray {
    this.assertAlive('dataSync');
    const b = this.storage.entry.backend;
    if (!b.readSync) throw new Error(`dataSync: the '${this.backend}' backend only supports async readback; use await t.data()`);
    if (this.isContiguous) return b.readSync(this.storage.handle, this.dtype, this.size);
    const dense = this.contiguous();
    try {
      return dense.dataSync();
    } finally {
      dense.dispose();
    }
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor ${fmt(this.shape)} has ${this.size} elements, expected 1`);
    return (await this.data())[0]!;
  }

  /** Synchronous {@link Tensor.item}. */
  itemSync(): number {
    if (this.size !== 1) throw new Error(`itemSync: tensor ${fmt(this.shape)} has ${this.size} elements, expected 1`);
    return this.dataSync()[0]!;
  }

  /** Nested arrays of numbers. */
  async array(): Promise<unknown> {
    const flat = Array.from(await this.data());
    const build = (dim: number, start: number): unknown => {
      if (dim === this.shape.length) return flat[start];
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** Marks this tensor as requiring gradients (a leaf); returns it. */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** A new tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    this.assertAlive('detach');
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  /** Summary for logs. */
  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}, ${this.backend}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

setTensorGuard((v: unknown): v is Tensor => v instanceof Tensor);

/** The dense view of a contiguous tensor, for kernels that need one. @internal */
export function dense(t: Tensor, op: string): Dense<unknown> {
  t.assertAlive(op);
  if (!t.isContiguous) throw new Error(`${op}: internal error, expected a contiguous tensor`);
  return { handle: t.storage.handle, shape: t.shape, dtype: t.dtype };
}

/**
 * Records `out = op(inputs)` in the autograd graph when gradients are on and any input
 * requires them. Returns `out`. @internal
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradNode = { op, inputs, backward };
  }
  return out;
}
