/** Type tests: `bindKernels` checks a backend's implementations against core's kernel specs. */
import { expectTypeOf, test } from 'vitest';
import { bindKernels, type KernelAttrs, type KernelImpls, type KernelInputs, type KernelOutput, type KernelTable, type OptionalKernelName } from './bind.js';
import type { Backend, Dense, View } from './types.js';

type H = Float32Array;
interface Ctx {
  readonly id: number;
}
declare const ctx: Ctx;
declare function unary(inputs: KernelInputs<'unary', H>, attrs: KernelAttrs<'unary'>, ctx: Ctx): KernelOutput<'unary', H>;
declare function addAct(inputs: KernelInputs<'addAct', H>, attrs: KernelAttrs<'addAct'>, ctx: Ctx): KernelOutput<'addAct', H>;
declare function softmax(inputs: KernelInputs<'softmax', H>, attrs: KernelAttrs<'softmax'>, ctx: Ctx): KernelOutput<'softmax', H>;
declare function badAddAct(inputs: KernelInputs<'unary', H>, attrs: KernelAttrs<'addAct'>, ctx: Ctx): H;
/** Every required kernel but `unary`. */
declare const rest: Omit<KernelImpls<H, Ctx>, 'unary' | OptionalKernelName>;

test('kernel inputs, attributes and outputs come from core specs', () => {
  expectTypeOf<KernelInputs<'binary', H>>().toEqualTypeOf<{ a: View<H>; b: View<H> }>();
  expectTypeOf<KernelInputs<'addAct', H>>().toEqualTypeOf<{ a: Dense<H>; b: Dense<H> }>();
  expectTypeOf<KernelAttrs<'matmul'>>().toEqualTypeOf<{ transposeA: boolean; transposeB: boolean }>();
  expectTypeOf<KernelOutput<'maxPool2d', H>>().toEqualTypeOf<{ out: H; indices: H }>();
  expectTypeOf<KernelOutput<'assign', H>>().toEqualTypeOf<void>();
});

test('the bound table has every required kernel and exactly the optional kernels listed', () => {
  const kernels = bindKernels({ ...rest, unary, addAct, softmax }, ctx);
  expectTypeOf(kernels).toEqualTypeOf<KernelTable<H, 'addAct' | 'softmax'>>();
  expectTypeOf(kernels).toMatchTypeOf<Backend<H>['kernels']>();
  expectTypeOf(kernels.addAct).parameters.toEqualTypeOf<[KernelInputs<'addAct', H>, KernelAttrs<'addAct'>]>();
  expectTypeOf(kernels).not.toHaveProperty('batchNorm');
});

test('a backend missing a required kernel does not compile', () => {
  // @ts-expect-error unary is required
  bindKernels({ ...rest, addAct }, ctx);
});

test('a kernel with the wrong signature, an unknown kernel or the wrong context does not compile', () => {
  // @ts-expect-error addAct takes { a, b }
  bindKernels({ ...rest, unary, addAct: badAddAct }, ctx);
  // @ts-expect-error no kernel is called fooBar
  bindKernels({ ...rest, unary, fooBar: unary }, ctx);
  // @ts-expect-error the kernels take a Ctx
  bindKernels({ ...rest, unary }, 3);
});
