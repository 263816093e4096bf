/**
 * Binding a backend's kernels: each backend writes one function per kernel,
 * `(inputs, attrs, ctx) => output`, typed with {@link KernelInputs}, {@link KernelAttrs} and
 * {@link KernelOutput}, and turns the set into the table `Backend` wants with
 * {@link bindKernels}.
 */
import type { KernelName, OptionalKernels, OptionalKernelSpecs, RequiredKernels, RequiredKernelSpecs } from './types.js';

/** Names of the kernels every backend must supply. */
export type RequiredKernelName = keyof RequiredKernelSpecs<unknown>;
/** Names of the optional kernels (each has a composite default in core). */
export type OptionalKernelName = keyof OptionalKernelSpecs<unknown>;

type Spec<K extends KernelName, H> = (RequiredKernelSpecs<H> & OptionalKernelSpecs<H>)[K];

/** Inputs of kernel `K` over a backend's handle type `H` (views and dense tensors of `H`). */
export type KernelInputs<K extends KernelName, H> = Spec<K, H>['inputs'];
/** Attributes of kernel `K`: plain data computed by core (shapes, geometry, flags); no handles. */
export type KernelAttrs<K extends KernelName> = Spec<K, unknown>['attrs'];
/** What kernel `K` returns over handle type `H`: a handle, a record of handles, or nothing (in-place kernels). */
export type KernelOutput<K extends KernelName, H> = Spec<K, H>['output'];

/**
 * One kernel as a backend writes it: core's inputs and attributes plus the backend's own
 * context `C` (its storage, runtime or device), which {@link bindKernels} supplies.
 */
export type KernelImpl<K extends KernelName, H, C> = (inputs: KernelInputs<K, H>, attrs: KernelAttrs<K>, ctx: C) => KernelOutput<K, H>;

/**
 * A backend's kernel implementations over handle type `H` and context `C`: every required
 * kernel, and any of the optional ones (those absent fall back to core's composites).
 */
export type KernelImpls<H, C> = { readonly [K in RequiredKernelName]: KernelImpl<K, H, C> } & {
  readonly [K in OptionalKernelName]?: KernelImpl<K, H, C>;
};

/**
 * The kernel table of a backend over handle type `H` that supplies the optional kernels `O`:
 * every required kernel and exactly those optional ones, all present. Assignable to
 * `Backend`'s `kernels`.
 */
export type KernelTable<H, O extends OptionalKernelName = never> = RequiredKernels<H> & Required<Pick<OptionalKernels<H>, O>>;

/**
 * Binds a backend's kernel implementations to its context: `bindKernels(impls, ctx).conv2d(i, a)`
 * calls `impls.conv2d(i, a, ctx)`. The type of `impls` is checked against core's kernel specs, so
 * a backend missing a required kernel, or one whose kernel has the wrong inputs, attributes or
 * output, does not compile; the optional kernels it lists appear in the result's type.
 *
 * ```ts
 * export function createKernels(st: CpuStorage): CpuKernels {
 *   return bindKernels({ unary, binary, ..., addAct, softmax }, st);
 * }
 * ```
 *
 * @param impls One function per kernel, `(inputs, attrs, ctx) => output`.
 * @param ctx The backend's context, passed as the last argument of every call.
 * @returns A new kernel table; `impls` is not modified.
 */
export function bindKernels<H, C, I extends KernelImpls<H, C>>(
  impls: I & KernelImpls<H, C> & { readonly [K in Exclude<keyof I, KernelName>]: never },
  ctx: C,
): KernelTable<H, Extract<keyof I, OptionalKernelName>> {
  const table: Record<string, (inputs: never, attrs: never) => unknown> = {};
  for (const [name, impl] of Object.entries<(inputs: never, attrs: never, ctx: C) => unknown>(impls)) {
    table[name] = (inputs, attrs) => impl(inputs, attrs, ctx);
  }
  // A kernel-by-kernel copy cannot be typed name by name in a loop; each entry forwards to the
  // implementation of the same name, which `impls`'s type has already checked against core.
  return table as KernelTable<H, Extract<keyof I, OptionalKernelName>>;
}
