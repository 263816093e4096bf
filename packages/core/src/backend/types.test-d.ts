/** Type tests: the kernel table is enforced by the compiler. */
import { expectTypeOf, test } from 'vitest';
import type { Backend, RequiredKernels, OptionalKernels, KernelName } from './types.js';

test('a backend missing a required kernel does not compile', () => {
  type Partial = Omit<RequiredKernels<Float32Array>, 'conv2d'>;
  // @ts-expect-error conv2d is required
  const kernels: RequiredKernels<Float32Array> = {} as Partial;
  void kernels;
});

test('optional kernels may be absent', () => {
  expectTypeOf<OptionalKernels<Float32Array>>().toMatchTypeOf<{ readonly addAct?: unknown }>();
  expectTypeOf<Record<string, never>>().toMatchTypeOf<OptionalKernels<Float32Array>>();
});

test('a backend over its own handle type is usable where core expects Backend<unknown>', () => {
  expectTypeOf<Backend<Float32Array>>().toMatchTypeOf<Backend<unknown>>();
});

test('kernel names cover both tables', () => {
  expectTypeOf<'matmul' | 'addAct'>().toMatchTypeOf<KernelName>();
});
