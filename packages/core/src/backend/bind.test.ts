import { describe, expect, it } from 'vitest';
import { bindKernels } from './bind.js';

describe('bindKernels', () => {
  it('forwards inputs and attributes to the implementation of the same name, with the context last', () => {
    const calls: unknown[][] = [];
    const ctx = { id: 'ctx' };
    // Stand-ins that record their arguments: `(...args: unknown[]) => never` fits every kernel.
    const stub =
      (name: string) =>
      (...args: unknown[]): never => {
        calls.push([name, ...args]);
        return 7 as never;
      };
    const impls = {
      unary: stub('unary'),
      binary: stub('binary'),
      where: stub('where'),
      cast: stub('cast'),
      contiguous: stub('contiguous'),
      reduce: stub('reduce'),
      argReduce: stub('argReduce'),
      matmul: stub('matmul'),
      conv2d: stub('conv2d'),
      convTranspose2d: stub('convTranspose2d'),
      maxPool2d: stub('maxPool2d'),
      maxPool2dBackward: stub('maxPool2dBackward'),
      avgPool2d: stub('avgPool2d'),
      avgPool2dBackward: stub('avgPool2dBackward'),
      resize: stub('resize'),
      resizeBackward: stub('resizeBackward'),
      concat: stub('concat'),
      pad: stub('pad'),
      gather: stub('gather'),
      scatterAdd: stub('scatterAdd'),
      random: stub('random'),
      assign: stub('assign'),
      addAct: stub('addAct'),
    };
    const kernels = bindKernels<number, typeof ctx, typeof impls>(impls, ctx);
    expect(Object.keys(kernels)).toEqual(Object.keys(impls));
    const a = { handle: 1, shape: [2], dtype: 'float32' as const };
    const b = { handle: 2, shape: [2], dtype: 'float32' as const };
    expect(kernels.addAct({ a, b }, { activation: 'relu' })).toBe(7);
    expect(calls).toEqual([['addAct', { a, b }, { activation: 'relu' }, ctx]]);
  });
});
