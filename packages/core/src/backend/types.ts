/**
 * The Backend interface: what a backend package implements so core can run on it.
 *
 * A backend is a storage tier plus a table of kernels. Kernels take device handles
 * (with shape metadata computed by core) and return new handles; they never build
 * autograd graphs. Every gradient rule lives in core, written against this interface.
 *
 * @packageDocumentation
 */

/** Element types a tensor can hold. `float32` is the default; `int32` is for labels and indices. */
export type DType = 'float32' | 'int32';

/** The typed array that backs a dtype on the host. */
export type DataArray = Float32Array | Int32Array;

/** Maps a dtype to its host typed array. */
export type ArrayFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

/**
 * A strided view of backend storage: element `[i0, i1, …]` lives at
 * `offset + Σ ik·strides[k]` (in elements). Broadcast dimensions have stride 0.
 */
export interface View<H> {
  readonly handle: H;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
}

/** A dense row-major tensor starting at element 0 of its storage. */
export interface Dense<H> {
  readonly handle: H;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Elementwise unary operations. Float-only ops receive float32 input (core casts). */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'leakyRelu'
  | 'gelu'
  | 'geluTanh'
  | 'silu'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round';

/** Elementwise binary arithmetic (output has the inputs' dtype). */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
/** Elementwise comparisons (output is int32, 1 where true). */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** Every elementwise binary operation. */
export type BinaryOp = ArithmeticOp | CompareOp;

/** Reductions over a set of axes. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'prod';

/** Activations a fused kernel may apply after its main operation. */
export type Activation = 'none' | 'relu' | 'sigmoid' | 'tanh' | 'gelu' | 'silu';

/** 2-D convolution geometry. Padding is symmetric per spatial axis: `[padH, padW]`. */
export interface Conv2dGeometry {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** 2-D pooling geometry. */
export interface Pool2dGeometry {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** Resize interpolation (bilinear follows PyTorch's `align_corners` flag). */
export type ResizeMode = 'nearest' | 'bilinear';

/**
 * Storage statistics a backend reports through `memory()`.
 */
export interface BackendMemory {
  /** Bytes currently allocated for live buffers. */
  readonly bytes: number;
  /** Number of live buffers. */
  readonly buffers: number;
}

/**
 * Specification of every kernel: inputs, attributes and result. Shapes are computed by
 * core and passed in, so a backend never re-derives them. Required kernels are those in
 * {@link RequiredKernelSpecs}; the rest are optional fast paths with composite defaults.
 */
export interface RequiredKernelSpecs<H> {
  /** `y = op(x)`; y is dense with x's shape and dtype. */
  unary: { inputs: { x: View<H> }; attrs: { op: UnaryOp; alpha?: number }; output: H };
  /** `y = a op b`; a and b are already broadcast (stride-0 views) to `outShape`. */
  binary: { inputs: { a: View<H>; b: View<H> }; attrs: { op: BinaryOp; outShape: readonly number[] }; output: H };
  /** `y = cond ≠ 0 ? a : b`, all three broadcast to `outShape`; cond is int32. */
  where: { inputs: { cond: View<H>; a: View<H>; b: View<H> }; attrs: { outShape: readonly number[] }; output: H };
  /** Converts dtype (float → int truncates toward zero). */
  cast: { inputs: { x: View<H> }; attrs: { dtype: DType }; output: H };
  /** Copies a strided view into fresh dense storage. */
  contiguous: { inputs: { x: View<H> }; attrs: Record<string, never>; output: H };
  /** Reduces over `axes` (sorted, unique); the output drops those axes. `mean` divides by the count. */
  reduce: { inputs: { x: Dense<H> }; attrs: { op: ReduceOp; axes: readonly number[] }; output: H };
  /** Index of the max/min along `axis` (first on ties); int32 output without that axis. */
  argReduce: { inputs: { x: Dense<H> }; attrs: { op: 'argmax' | 'argmin'; axis: number }; output: H };
  /**
   * Batched matmul of 3-D dense tensors: a `[B, M, K]` (or `[B, K, M]` when transposeA),
   * b `[B, K, N]` (or `[B, N, K]` when transposeB); B may be 1 on one side (broadcast).
   * Output `[max(Ba, Bb), M, N]`.
   */
  matmul: { inputs: { a: Dense<H>; b: Dense<H> }; attrs: { transposeA: boolean; transposeB: boolean }; output: H };
  /** NCHW convolution, weight `[outC, inC/groups, kH, kW]`, no bias. */
  conv2d: { inputs: { x: Dense<H>; w: Dense<H> }; attrs: Conv2dGeometry & { outShape: readonly number[] }; output: H };
  /** Transposed convolution, weight `[inC, outC/groups, kH, kW]`, no bias. */
  convTranspose2d: {
    inputs: { x: Dense<H>; w: Dense<H> };
    attrs: Conv2dGeometry & { outputPadding: readonly [number, number]; outShape: readonly number[] };
    output: H;
  };
  /** Max pooling; `indices` (int32) holds the argmax as `h·W + w` within each input plane. */
  maxPool2d: {
    inputs: { x: Dense<H> };
    attrs: Pool2dGeometry & { outShape: readonly number[] };
    output: { out: H; indices: H };
  };
  /** Scatters `dy` back through the recorded max positions into a zero tensor of `inShape`. */
  maxPool2dBackward: {
    inputs: { dy: Dense<H>; indices: Dense<H> };
    attrs: { inShape: readonly number[] };
    output: H;
  };
  /** Average pooling (padding counted in the divisor when `countIncludePad`). */
  avgPool2d: {
    inputs: { x: Dense<H> };
    attrs: Pool2dGeometry & { countIncludePad: boolean; outShape: readonly number[] };
    output: H;
  };
  /** Gradient of {@link RequiredKernelSpecs.avgPool2d} with respect to its input. */
  avgPool2dBackward: {
    inputs: { dy: Dense<H> };
    attrs: Pool2dGeometry & { countIncludePad: boolean; inShape: readonly number[] };
    output: H;
  };
  /** Spatial resize of NCHW input to `[outH, outW]`. */
  resize: {
    inputs: { x: Dense<H> };
    attrs: { mode: ResizeMode; alignCorners: boolean; outShape: readonly number[] };
    output: H;
  };
  /** Gradient of {@link RequiredKernelSpecs.resize} with respect to its input. */
  resizeBackward: {
    inputs: { dy: Dense<H> };
    attrs: { mode: ResizeMode; alignCorners: boolean; inShape: readonly number[] };
    output: H;
  };
  /** Joins dense tensors (same dtype) along `axis`. */
  concat: { inputs: { xs: readonly Dense<H>[] }; attrs: { axis: number; outShape: readonly number[] }; output: H };
  /** Constant padding: `pads[k] = [before, after]` for every axis (non-negative). */
  pad: { inputs: { x: Dense<H> }; attrs: { pads: readonly (readonly [number, number])[]; value: number }; output: H };
  /** `y = index_select(x, axis, indices)`; indices is 1-D int32, out-of-range is an error in core. */
  gather: { inputs: { x: Dense<H>; indices: Dense<H> }; attrs: { axis: number; outShape: readonly number[] }; output: H };
  /** `y = zeros(outShape); y.index_add_(axis, indices, updates)`: the gradient of gather. */
  scatterAdd: {
    inputs: { updates: Dense<H>; indices: Dense<H> };
    attrs: { axis: number; outShape: readonly number[] };
    output: H;
  };
  /**
   * Seeded random numbers from the counter-based generator in `random.ts`:
   * element i of stream `(seed, key)` is `uniformAt(seed, key, i)` — identical on every backend.
   * Uniform int32 output is `floor(low + (high − low)·u)`.
   */
  random: {
    inputs: Record<string, never>;
    attrs: {
      shape: readonly number[];
      distribution: 'uniform' | 'normal';
      seed: number;
      key: number;
      low: number;
      high: number;
      mean: number;
      std: number;
      dtype: DType;
    };
    output: H;
  };
  /** In-place: writes `source` (broadcast to the target shape) into the dense `target` storage. */
  assign: { inputs: { target: Dense<H>; source: View<H> }; attrs: Record<string, never>; output: void };
}

/** Optional fast paths. Core uses each when present and its composite default otherwise. */
export interface OptionalKernelSpecs<H> {
  /** Gradient of conv2d with respect to its input. */
  conv2dBackwardInput: {
    inputs: { dy: Dense<H>; w: Dense<H> };
    attrs: Conv2dGeometry & { inShape: readonly number[] };
    output: H;
  };
  /** Gradient of conv2d with respect to its weight. */
  conv2dBackwardWeight: {
    inputs: { x: Dense<H>; dy: Dense<H> };
    attrs: Conv2dGeometry & { wShape: readonly number[] };
    output: H;
  };
  /** `act(conv2d(x, w) + bias)`; bias `[outC]` optional. */
  conv2dBiasAct: {
    inputs: { x: Dense<H>; w: Dense<H>; bias?: Dense<H> };
    attrs: Conv2dGeometry & { activation: Activation; outShape: readonly number[] };
    output: H;
  };
  /** The residual merge `act(a + b)` on dense tensors of one shape. */
  addAct: { inputs: { a: Dense<H>; b: Dense<H> }; attrs: { activation: Activation }; output: H };
  /**
   * Gradient of an activation written from its output `y`, on dense float32 tensors of one
   * shape: `dy·[y > 0]` (relu), `dy·y·(1 − y)` (sigmoid), `dy·(1 − y²)` (tanh).
   */
  activationBackward: { inputs: { dy: Dense<H>; y: Dense<H> }; attrs: { activation: 'relu' | 'sigmoid' | 'tanh' }; output: H };
  /**
   * Per-channel statistics of a dense float32 `[N, C, ...]` tensor over every axis but 1 (batch
   * normalisation in training): the mean and the biased variance, each `[C]`.
   */
  batchNormStats: { inputs: { x: Dense<H> }; attrs: Record<string, never>; output: { mean: H; variance: H } };
  /**
   * Batch normalisation with given statistics, over channel axis 1 of a dense float32
   * `[N, C, ...]` tensor: `y = (x − mean[c])·invstd[c]·weight[c] + bias[c]` (weight 1 and bias 0
   * when absent); `mean`, `invstd`, `weight`, `bias` are `[C]`.
   */
  batchNorm: {
    inputs: { x: Dense<H>; mean: Dense<H>; invstd: Dense<H>; weight?: Dense<H>; bias?: Dense<H> };
    attrs: Record<string, never>;
    output: H;
  };
  /**
   * Gradients of {@link OptionalKernelSpecs.batchNorm} for `dy`, with per-channel sums
   * `dbias = Σ dy` and `S = Σ dy·(x − mean)`: `dweight = invstd·S`, and
   * `dx = weight·invstd·(dy − (dbias + (x − mean)·invstd²·S) / M)` (M elements per channel) when
   * `batchStats` (mean and invstd were computed from `x` itself), else `dx = weight·invstd·dy`.
   */
  batchNormBackward: {
    inputs: { dy: Dense<H>; x: Dense<H>; mean: Dense<H>; invstd: Dense<H>; weight?: Dense<H> };
    attrs: { batchStats: boolean };
    output: { dx: H; dweight: H; dbias: H };
  };
  /** Softmax over the last axis. */
  softmax: { inputs: { x: Dense<H> }; attrs: Record<string, never>; output: H };
  /** Log-softmax over the last axis. */
  logSoftmax: { inputs: { x: Dense<H> }; attrs: Record<string, never>; output: H };
  /**
   * In-place SGD step on dense float32 buffers: `v = momentum·v + (g + wd·p)` (first step `v = g + wd·p`
   * when `dampening`-free), then `p -= lr·(nesterov ? g + momentum·v : v)`.
   */
  sgdStep: {
    inputs: { param: Dense<H>; grad: Dense<H>; velocity?: Dense<H> };
    attrs: { lr: number; momentum: number; weightDecay: number; nesterov: boolean; firstStep: boolean };
    output: void;
  };
  /** In-place Adam/AdamW step; `decoupled` selects AdamW weight decay. */
  adamStep: {
    inputs: { param: Dense<H>; grad: Dense<H>; m: Dense<H>; v: Dense<H> };
    attrs: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number };
    output: void;
  };
}

/** Every kernel name. */
export type KernelName = keyof RequiredKernelSpecs<unknown> | keyof OptionalKernelSpecs<unknown>;

// Declared through a method signature so that `Backend<MyHandle>` is assignable to
// `Backend<unknown>` (method parameters are bivariant); core only ever passes a backend's
// own handles back to it.
type KernelFn<S> = S extends { inputs: infer I; attrs: infer A; output: infer O } ? { kernel(inputs: I, attrs: A): O }['kernel'] : never;

/** The required kernel table: a backend missing one fails to compile. */
export type RequiredKernels<H> = { readonly [K in keyof RequiredKernelSpecs<H>]: KernelFn<RequiredKernelSpecs<H>[K]> };
/** The optional kernel table. */
export type OptionalKernels<H> = { readonly [K in keyof OptionalKernelSpecs<H>]?: KernelFn<OptionalKernelSpecs<H>[K]> };

/**
 * The storage tier: how core moves data in and out of a backend.
 */
export interface BackendStorage<H> {
  /** Copies host data into new backend storage. */
  upload(data: DataArray): H;
  /** Reads a whole buffer back to the host (async; a GPU backend waits for the device). */
  read(handle: H, dtype: DType, size: number): Promise<DataArray>;
  /** Synchronous readback, where the backend can do it. */
  readSync?(handle: H, dtype: DType, size: number): DataArray;
  /** Frees a buffer. Core calls it exactly once per handle, when the last view is gone. */
  free(handle: H): void;
  /** Live storage statistics. */
  memory(): BackendMemory;
}

/**
 * A backend: a named storage tier plus kernels. Created by a factory
 * (`createCpuBackend()`), registered by the application with `registerBackend`.
 */
export interface Backend<H = unknown> extends BackendStorage<H> {
  /** Human-readable name, e.g. `cpu`. */
  readonly name: string;
  /** Required kernels. */
  readonly kernels: RequiredKernels<H> & OptionalKernels<H>;
  /** Waits for queued work to finish (no-op for synchronous backends). */
  sync?(): Promise<void>;
  /** Releases every resource (worker threads, GPU context). */
  dispose?(): void;
}

/** A function that creates a backend (may be async, e.g. to compile WebAssembly). */
export type BackendFactory = () => Backend<unknown> | Promise<Backend<unknown>>;
