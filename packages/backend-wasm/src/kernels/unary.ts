/** `unary` kernel (TypeScript over the memory views). */
import type { KernelAttrs, KernelInputs, KernelOutput, UnaryOp } from '@skipnet/core';
import { unaryLoop } from '../math.js';
import type { Runtime } from '../runtime.js';
import { baseOf, gather, isDense, numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, writeParams } from './params.js';

/** float32 ops the WebAssembly `unaryDense` kernel implements, by op code. */
const SIMD_OPS: Partial<Record<UnaryOp, number>> = {
  relu: 0,
  neg: 1,
  abs: 2,
  square: 3,
  sqrt: 4,
  rsqrt: 5,
  reciprocal: 6,
  floor: 7,
  ceil: 8,
  round: 9,
  leakyRelu: 10,
  exp: 12,
  log: 13,
  tanh: 14,
  sigmoid: 15,
  gelu: 16,
  geluTanh: 17,
  silu: 18,
  erf: 19,
};
/** Below this many elements the TypeScript loop is as fast as a call into wasm. */
const SIMD_MIN = 256;

/**
 * `y = op(x)`, dense with x's shape and dtype; a strided x is gathered into y first and
 * transformed in place. float32 ops run as SIMD in WebAssembly (exp, log, tanh, erf and the
 * activations built on them through float32 approximations, see assembly/transcend.ts); sin,
 * cos, sign, int32 data and short arrays in TypeScript.
 */
export function unary({ x }: KernelInputs<'unary', WasmHandle>, attrs: KernelAttrs<'unary'>, rt: Runtime): KernelOutput<'unary', WasmHandle> {
  const n = numel(x.shape);
  const y = rt.heap.allocUninit(n);
  if (n === 0) return y;
  const code = SIMD_OPS[attrs.op];
  if (code !== undefined && x.dtype === 'float32' && n >= SIMD_MIN) {
    const dense = isDense(x.shape, x.strides);
    if (!dense) gather(rt.heap.f32, x, x.shape, rt.heap.f32, y >>> 2);
    writeParams(rt, EW_PARAMS, { a: dense ? x.handle + x.offset * 4 : y, b: 0, c: 0, d: 0, y, n, op: code, flag: 0, s0: attrs.alpha ?? 0.01 });
    rt.call('unaryDense', n * 4);
    return y;
  }
  const arr = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  const yb = y >>> 2;
  const alpha = attrs.alpha ?? 0.01;
  if (isDense(x.shape, x.strides)) unaryLoop(attrs.op, arr, baseOf(x), arr, yb, n, alpha);
  else {
    gather(arr, x, x.shape, arr, yb);
    unaryLoop(attrs.op, arr, yb, arr, yb, n, alpha);
  }
  return y;
}
