/**
 * The fluent tensor methods (`x.add(y)`, `x.sum(1)`, `x.reshape([...])`, each the op of the
 * same name with `this` first) and `backward()`. They are installed on `Tensor.prototype`
 * when the package entry imports this module, so `tensor.ts` imports neither the ops nor
 * autograd, which import it: the usual place to break that cycle (tfjs does the same with
 * its chained ops). The declarations merge into the `Tensor` class's type.
 */
import type { DType } from './backend/types.js';
import { backward as runBackward } from './autograd.js';
import * as ops from './ops/index.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** Backpropagates from this tensor (a scalar, or pass the output gradient). */
    backward(gradient?: Tensor): void;
    /** See {@link ops.add}. */
    add(y: Tensor | number): Tensor;
    /** See {@link ops.sub}. */
    sub(y: Tensor | number): Tensor;
    /** See {@link ops.mul}. */
    mul(y: Tensor | number): Tensor;
    /** See {@link ops.div}. */
    div(y: Tensor | number): Tensor;
    /** See {@link ops.pow}. */
    pow(y: Tensor | number): Tensor;
    /** See {@link ops.maximum}. */
    maximum(y: Tensor | number): Tensor;
    /** See {@link ops.minimum}. */
    minimum(y: Tensor | number): Tensor;
    /** See {@link ops.eq}. */
    eq(y: Tensor | number): Tensor;
    /** See {@link ops.ne}. */
    ne(y: Tensor | number): Tensor;
    /** See {@link ops.lt}. */
    lt(y: Tensor | number): Tensor;
    /** See {@link ops.le}. */
    le(y: Tensor | number): Tensor;
    /** See {@link ops.gt}. */
    gt(y: Tensor | number): Tensor;
    /** See {@link ops.ge}. */
    ge(y: Tensor | number): Tensor;
    /** See {@link ops.neg}. */
    neg(): Tensor;
    /** See {@link ops.abs}. */
    abs(): Tensor;
    /** See {@link ops.exp}. */
    exp(): Tensor;
    /** See {@link ops.log}. */
    log(): Tensor;
    /** See {@link ops.sqrt}. */
    sqrt(): Tensor;
    /** See {@link ops.rsqrt}. */
    rsqrt(): Tensor;
    /** See {@link ops.square}. */
    square(): Tensor;
    /** See {@link ops.tanh}. */
    tanh(): Tensor;
    /** See {@link ops.sigmoid}. */
    sigmoid(): Tensor;
    /** See {@link ops.relu}. */
    relu(): Tensor;
    /** See {@link ops.leakyRelu}. */
    leakyRelu(slope?: number): Tensor;
    /** See {@link ops.gelu}. */
    gelu(approximate?: 'none' | 'tanh'): Tensor;
    /** See {@link ops.silu}. */
    silu(): Tensor;
    /** See {@link ops.clamp}. */
    clamp(min?: number, max?: number): Tensor;
    /** See {@link ops.cast}. */
    cast(dtype: DType): Tensor;
    /** See {@link ops.sum}. */
    sum(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    /** See {@link ops.mean}. */
    mean(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    /** See {@link ops.max}. */
    max(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    /** See {@link ops.min}. */
    min(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    /** See {@link ops.variance}. */
    variance(axes?: number | readonly number[], keepDims?: boolean, correction?: number): Tensor;
    /** See {@link ops.argmax}. */
    argmax(axis?: number, keepDims?: boolean): Tensor;
    /** See {@link ops.argmin}. */
    argmin(axis?: number, keepDims?: boolean): Tensor;
    /** See {@link ops.reshape}. */
    reshape(shape: readonly number[]): Tensor;
    /** See {@link ops.flatten}. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** See {@link ops.squeeze}. */
    squeeze(axes?: number | readonly number[]): Tensor;
    /** See {@link ops.unsqueeze}. */
    unsqueeze(axis: number): Tensor;
    /** See {@link ops.permute}. */
    permute(perm: readonly number[]): Tensor;
    /** See {@link ops.transpose}. */
    transpose(a?: number, b?: number): Tensor;
    /** See {@link ops.expand}. */
    expand(shape: readonly number[]): Tensor;
    /** See {@link ops.slice}. */
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    /** See {@link ops.contiguous}. */
    contiguous(): Tensor;
    /** See {@link ops.matmul}. */
    matmul(y: Tensor): Tensor;
    /** See {@link ops.softmax}. */
    softmax(axis?: number): Tensor;
    /** See {@link ops.logSoftmax}. */
    logSoftmax(axis?: number): Tensor;
  }
}

/** The fluent methods' names: those returning a new tensor, less the class's own. */
type FluentMethod = Exclude<{ [K in keyof Tensor]-?: Tensor[K] extends (...args: never[]) => Tensor ? K : never }[keyof Tensor], 'detach' | 'requiresGrad_'>;

/** Arguments of method `K`. */
type ArgsOf<K extends FluentMethod> = Tensor[K] extends (...args: infer A) => Tensor ? A : never;

// Typed against the declarations above, so a missing or mistyped method fails to compile.
const fluentMethods: { [K in FluentMethod]: (this: Tensor, ...args: ArgsOf<K>) => Tensor } = {
  add(y: Tensor | number) {
    return ops.add(this, y);
  },
  sub(y: Tensor | number) {
    return ops.sub(this, y);
  },
  mul(y: Tensor | number) {
    return ops.mul(this, y);
  },
  div(y: Tensor | number) {
    return ops.div(this, y);
  },
  pow(y: Tensor | number) {
    return ops.pow(this, y);
  },
  maximum(y: Tensor | number) {
    return ops.maximum(this, y);
  },
  minimum(y: Tensor | number) {
    return ops.minimum(this, y);
  },
  eq(y: Tensor | number) {
    return ops.eq(this, y);
  },
  ne(y: Tensor | number) {
    return ops.ne(this, y);
  },
  lt(y: Tensor | number) {
    return ops.lt(this, y);
  },
  le(y: Tensor | number) {
    return ops.le(this, y);
  },
  gt(y: Tensor | number) {
    return ops.gt(this, y);
  },
  ge(y: Tensor | number) {
    return ops.ge(this, y);
  },
  neg() {
    return ops.neg(this);
  },
  abs() {
    return ops.abs(this);
  },
  exp() {
    return ops.exp(this);
  },
  log() {
    return ops.log(this);
  },
  sqrt() {
    return ops.sqrt(this);
  },
  rsqrt() {
    return ops.rsqrt(this);
  },
  square() {
    return ops.square(this);
  },
  tanh() {
    return ops.tanh(this);
  },
  sigmoid() {
    return ops.sigmoid(this);
  },
  relu() {
    return ops.relu(this);
  },
  leakyRelu(slope?: number) {
    return ops.leakyRelu(this, slope);
  },
  gelu(approximate?: 'none' | 'tanh') {
    return ops.gelu(this, approximate);
  },
  silu() {
    return ops.silu(this);
  },
  clamp(min?: number, max?: number) {
    return ops.clamp(this, min, max);
  },
  cast(dtype: DType) {
    return ops.cast(this, dtype);
  },
  sum(axes?: number | readonly number[], keepDims?: boolean) {
    return ops.sum(this, axes, keepDims);
  },
  mean(axes?: number | readonly number[], keepDims?: boolean) {
    return ops.mean(this, axes, keepDims);
  },
  max(axes?: number | readonly number[], keepDims?: boolean) {
    return ops.max(this, axes, keepDims);
  },
  min(axes?: number | readonly number[], keepDims?: boolean) {
    return ops.min(this, axes, keepDims);
  },
  variance(axes?: number | readonly number[], keepDims?: boolean, correction?: number) {
    return ops.variance(this, axes, keepDims, correction);
  },
  argmax(axis?: number, keepDims?: boolean) {
    return ops.argmax(this, axis, keepDims);
  },
  argmin(axis?: number, keepDims?: boolean) {
    return ops.argmin(this, axis, keepDims);
  },
  reshape(shape: readonly number[]) {
    return ops.reshape(this, shape);
  },
  flatten(startDim?: number, endDim?: number) {
    return ops.flatten(this, startDim, endDim);
  },
  squeeze(axes?: number | readonly number[]) {
    return ops.squeeze(this, axes);
  },
  unsqueeze(axis: number) {
    return ops.unsqueeze(this, axis);
  },
  permute(perm: readonly number[]) {
    return ops.permute(this, perm);
  },
  transpose(a?: number, b?: number) {
    return ops.transpose(this, a, b);
  },
  expand(shape: readonly number[]) {
    return ops.expand(this, shape);
  },
  slice(begin: readonly number[], size?: readonly number[]) {
    return ops.slice(this, begin, size);
  },
  contiguous() {
    return ops.contiguous(this);
  },
  matmul(y: Tensor) {
    return ops.matmul(this, y);
  },
  softmax(axis?: number) {
    return ops.softmax(this, axis);
  },
  logSoftmax(axis?: number) {
    return ops.logSoftmax(this, axis);
  },
};

/** Backpropagates from `this`; see {@link runBackward}. */
function backward(this: Tensor, gradient?: Tensor): void {
  runBackward(this, gradient);
}

for (const [name, method] of Object.entries({ ...fluentMethods, backward })) {
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
}
