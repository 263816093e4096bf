/**
 * The parameter blocks of the WebAssembly kernels: the slots the TypeScript side writes before a
 * call and the AssemblyScript side reads through an `@unmanaged` class over the same memory.
 * Each table names its slots in the order of that class's fields (one 4-byte slot per field,
 * i32 or f32); `params.test.ts` reads the classes out of `assembly/*.ts` and fails when either
 * side is reordered, renamed or retyped without the other. Writers go through
 * {@link writeParams}, which takes the values by name.
 */
import type { Runtime } from '../runtime.js';

type SlotType = 'i32' | 'f32';

/** One parameter block: the AssemblyScript class that reads it and its slots in order. */
export interface ParamBlock<S extends Record<string, SlotType>> {
  /** Name of the `@unmanaged` class in assembly/. */
  readonly struct: string;
  /** Slot types by name, in slot order. */
  readonly slots: S;
  /** Slot names in order (derived). */
  readonly names: readonly (keyof S & string)[];
  /** Whether each slot is f32 (derived). */
  readonly isF32: readonly boolean[];
}

function block<const S extends Record<string, SlotType>>(struct: string, slots: S): ParamBlock<S> {
  const names = Object.keys(slots) as (keyof S & string)[];
  return { struct, slots, names, isF32: names.map((n) => slots[n] === 'f32') };
}

/**
 * The values of a block: every i32 slot (pointers 0 when absent), and the f32 slots a kernel
 * reads (an f32 slot left out keeps whatever the memory holds).
 */
export type ParamValues<S extends Record<string, SlotType>> = { [K in keyof S as S[K] extends 'i32' ? K : never]: number } & {
  [K in keyof S as S[K] extends 'f32' ? K : never]?: number;
};

/** Writes a parameter block from slot 0, by name. */
export function writeParams<S extends Record<string, SlotType>>(rt: Runtime, layout: ParamBlock<S>, values: ParamValues<S>): void {
  const v = values as Record<string, number | undefined>;
  const { names, isF32 } = layout;
  for (let i = 0; i < names.length; i++) {
    const x = v[names[i]!];
    if (isF32[i]) {
      if (x !== undefined) rt.setF32(i, x);
    } else {
      rt.setI32(i, x!);
    }
  }
}

/** `ConvParams` (assembly/conv_common.ts): every convolution kernel. */
export const CONV_PARAMS = block('ConvParams', {
  input: 'i32',
  operand: 'i32',
  output: 'i32',
  N: 'i32',
  C: 'i32',
  H: 'i32',
  W: 'i32',
  OC: 'i32',
  OH: 'i32',
  OW: 'i32',
  kh: 'i32',
  kw: 'i32',
  sh: 'i32',
  sw: 'i32',
  ph: 'i32',
  pw: 'i32',
  dh: 'i32',
  dw: 'i32',
  groups: 'i32',
  bias: 'i32',
  act: 'i32',
  scratch: 'i32',
  scratchStride: 'i32',
});

/** `PadParams` (assembly/layout.ts): `padPlanes`. */
export const PAD_PARAMS = block('PadParams', {
  src: 'i32',
  dst: 'i32',
  planes: 'i32',
  H: 'i32',
  W: 'i32',
  top: 'i32',
  left: 'i32',
  Hp: 'i32',
  Wp: 'i32',
});

/** `TransposeParams` (assembly/layout.ts): `transposePlanes`. */
export const TRANSPOSE_PARAMS = block('TransposeParams', {
  src: 'i32',
  dst: 'i32',
  B: 'i32',
  R: 'i32',
  S: 'i32',
});

/** `MatmulParams` (assembly/gemm.ts): `matmul`. */
export const MATMUL_PARAMS = block('MatmulParams', {
  a: 'i32',
  b: 'i32',
  c: 'i32',
  M: 'i32',
  N: 'i32',
  K: 'i32',
  ars: 'i32',
  acs: 'i32',
  brs: 'i32',
  bcs: 'i32',
  batch: 'i32',
  aBatch: 'i32',
  bBatch: 'i32',
  scratch: 'i32',
  scratchStride: 'i32',
});

/** `EwParams` (assembly/eltwise.ts): `binaryDense`, `unaryDense`, `sgdStep`, `adamStep`. */
export const EW_PARAMS = block('EwParams', {
  a: 'i32',
  b: 'i32',
  c: 'i32',
  d: 'i32',
  y: 'i32',
  n: 'i32',
  op: 'i32',
  flag: 'i32',
  s0: 'f32',
  s1: 'f32',
  s2: 'f32',
  s3: 'f32',
  s4: 'f32',
  s5: 'f32',
  s6: 'f32',
});

/** `RowParams` (assembly/eltwise.ts): `binaryRows`. */
export const ROW_PARAMS = block('RowParams', {
  aStarts: 'i32',
  bStarts: 'i32',
  y: 'i32',
  rows: 'i32',
  len: 'i32',
  sa: 'i32',
  sb: 'i32',
  op: 'i32',
});

/** `ReduceParams` (assembly/eltwise.ts): `reduceRows`. */
export const REDUCE_PARAMS = block('ReduceParams', {
  xStarts: 'i32',
  accStarts: 'i32',
  acc: 'i32',
  rows: 'i32',
  len: 'i32',
  accStep: 'i32',
  op: 'i32',
});

/** `GatherParams` (assembly/eltwise.ts): `gatherRows`. */
export const GATHER_PARAMS = block('GatherParams', {
  starts: 'i32',
  y: 'i32',
  rows: 'i32',
  len: 'i32',
  step: 'i32',
});

/** `SoftmaxParams` (assembly/eltwise.ts): `softmaxRows`. */
export const SOFTMAX_PARAMS = block('SoftmaxParams', {
  x: 'i32',
  y: 'i32',
  rows: 'i32',
  len: 'i32',
  log: 'i32',
});

/** `BnParams` (assembly/norm.ts): `bnStats`, `bnApply`, `bnBackward`. */
export const BN_PARAMS = block('BnParams', {
  x: 'i32',
  dy: 'i32',
  mean: 'i32',
  invstd: 'i32',
  weight: 'i32',
  bias: 'i32',
  y: 'i32',
  dweight: 'i32',
  dbias: 'i32',
  N: 'i32',
  C: 'i32',
  S: 'i32',
  batchStats: 'i32',
});

/** `PoolParams` (assembly/pool.ts): the pooling kernels. */
export const POOL_PARAMS = block('PoolParams', {
  x: 'i32',
  y: 'i32',
  idx: 'i32',
  planes: 'i32',
  H: 'i32',
  W: 'i32',
  OH: 'i32',
  OW: 'i32',
  kh: 'i32',
  kw: 'i32',
  sh: 'i32',
  sw: 'i32',
  ph: 'i32',
  pw: 'i32',
  includePad: 'i32',
});

/** `ResizeParams` (assembly/resize.ts): `resizeForward`, `resizeBackward`. */
export const RESIZE_PARAMS = block('ResizeParams', {
  x: 'i32',
  y: 'i32',
  planes: 'i32',
  H: 'i32',
  W: 'i32',
  OH: 'i32',
  OW: 'i32',
  tapsH: 'i32',
  tapsW: 'i32',
  nearest: 'i32',
});

/** Every block, for the layout test. */
export const PARAM_BLOCKS: readonly { readonly struct: string; readonly slots: Readonly<Record<string, SlotType>> }[] = [
  CONV_PARAMS,
  PAD_PARAMS,
  TRANSPOSE_PARAMS,
  MATMUL_PARAMS,
  EW_PARAMS,
  ROW_PARAMS,
  REDUCE_PARAMS,
  GATHER_PARAMS,
  SOFTMAX_PARAMS,
  BN_PARAMS,
  POOL_PARAMS,
  RESIZE_PARAMS,
];
