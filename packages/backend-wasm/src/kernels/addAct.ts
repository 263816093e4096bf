/** `addAct` kernel (optional): the fused residual merge. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { activate } from '../math.js';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, writeParams } from './params.js';

/**
 * `act(a + b)` on dense tensors of one shape. float32 `none`/`relu` run as one SIMD pass in
 * WebAssembly (threaded when large); other activations follow in TypeScript.
 */
export function addAct({ a, b }: KernelInputs<'addAct', WasmHandle>, { activation }: KernelAttrs<'addAct'>, rt: Runtime): KernelOutput<'addAct', WasmHandle> {
  const n = numel(a.shape);
  const y = rt.heap.allocUninit(n);
  if (n === 0) return y;
  if (a.dtype === 'int32') {
    const I = rt.heap.i32;
    const ab = a.handle >>> 2,
      bb = b.handle >>> 2,
      yb = y >>> 2;
    for (let i = 0; i < n; i++) {
      const s = (I[ab + i]! + I[bb + i]!) | 0;
      I[yb + i] = activation === 'relu' && s < 0 ? 0 : s;
    }
    return y;
  }
  writeParams(rt, EW_PARAMS, { a: a.handle, b: b.handle, c: 0, d: 0, y, n, op: activation === 'relu' ? 1 : 0, flag: 0 });
  rt.call('binaryDense', n * 4);
  if (activation !== 'none' && activation !== 'relu') activate(activation, rt.heap.f32, y >>> 2, n);
  return y;
}
