/** What every conformance suite is given, and the shape of a suite. */
import { expect } from 'vitest';
import type { UnaryOp } from '../backend/types.js';
import type { Tensor } from '../tensor.js';
import { assertClose, take, type Tolerance } from './helpers.js';
import type { Ref } from './reference.js';

/** The areas of the conformance suite, in the order they run. */
export const SUITE_NAMES = ['elementwise', 'reductions', 'matmul', 'conv', 'pool', 'layout', 'random', 'detection', 'gradients', 'memory'] as const;

/**
 * Every unary kernel op, for tests that cover them all (the conformance suite, a backend's own
 * kernel tests). The type below fails to compile when `UnaryOp` gains an op this list lacks.
 */
export const UNARY_OPS = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'leakyRelu',
  'gelu',
  'geluTanh',
  'silu',
  'erf',
  'floor',
  'ceil',
  'round',
] as const satisfies readonly UnaryOp[];

/** Compile-time check that {@link UNARY_OPS} names every `UnaryOp`. @internal */
export type UnaryOpsComplete = Exclude<UnaryOp, (typeof UNARY_OPS)[number]> extends never ? true : never;
const unaryOpsComplete: UnaryOpsComplete = true;
void unaryOpsComplete;

/** One area of the conformance suite; `gradients` holds every finite-difference check. */
export type SuiteName = (typeof SUITE_NAMES)[number];

/** The backend's settings, as every suite sees them. */
export interface SuiteContext {
  /** Tolerance of forward results against the float64 references. */
  readonly forward: Tolerance;
  /** Tolerance of backprop gradients against central finite differences. */
  readonly gradient: Tolerance;
  /** Training steps of the memory check. */
  readonly memorySteps: number;
  /**
   * Reads `out` (disposing it) and asserts its shape and values match `expected` within `tol`
   * (the forward tolerance unless given).
   */
  readonly check: (out: Tensor, expected: Ref, what: string, tol?: Tolerance) => Promise<void>;
}

/** One area of the conformance suite: registers its vitest tests inside the runner's `describe`. */
export interface ConformanceSuite {
  /** The name a skip list uses. */
  readonly name: SuiteName;
  /** The `describe` title in the test report. */
  readonly title: string;
  /** Declares the suite's tests (called while vitest collects, never inside a test). */
  register(ctx: SuiteContext): void;
}

/** The context of a backend run with these tolerances and memory-check length. */
export function suiteContext(forward: Tolerance, gradient: Tolerance, memorySteps: number): SuiteContext {
  return {
    forward,
    gradient,
    memorySteps,
    check: async (out, expected, what, tol = forward) => {
      expect(out.shape, `${what}: shape`).toEqual(expected.shape);
      assertClose(await take(out), expected.data, tol, what);
    },
  };
}
