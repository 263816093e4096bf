/**
 * `@skipnet/core/testing`: the conformance suite every backend runs against itself.
 *
 * ```ts
 * import { runConformance } from '@skipnet/core/testing';
 * import { createCpuBackend } from '../src/index.js';
 * runConformance({ name: 'cpu', factory: createCpuBackend });
 * ```
 *
 * Forward results are compared with float64 references on seeded random inputs (odd sizes,
 * stride 2, padding, dilation, groups, batch 1, strided views); every differentiable op is
 * checked by central finite differences; a leak check follows every test; 100 training
 * steps of a small conv net must leave the live tensor count unchanged. The checks come in
 * areas ({@link SuiteName}); a backend that cannot meet one skips it by name, with a reason
 * the test report shows, rather than loosening its tolerance until it passes.
 *
 * @packageDocumentation
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import type { BackendFactory } from '../backend/types.js';
import { memory, registerBackend, removeBackend, setBackend } from '../engine.js';
import { restartStreams, type Tolerance } from './helpers.js';
import { SUITE_NAMES, suiteContext, type ConformanceSuite, type SuiteName } from './suite.js';
import { convSuite } from './suites/conv.js';
import { detectionSuite } from './suites/detection.js';
import { elementwiseSuite } from './suites/elementwise.js';
import { gradientsSuite } from './suites/gradients.js';
import { layoutSuite } from './suites/layout.js';
import { matmulSuite } from './suites/matmul.js';
import { memorySuite } from './suites/memory.js';
import { poolSuite } from './suites/pool.js';
import { randomSuite } from './suites/random.js';
import { reductionsSuite } from './suites/reductions.js';

export { assertClose, assertTensorsClose, gradCheck, randomArray, distinctArray, restartStreams, useBackend, type Tolerance } from './helpers.js';
export { SUITE_NAMES, UNARY_OPS, type SuiteName } from './suite.js';
export * as reference from './reference.js';

/** Suites to leave out, each with the reason the report prints: `{ gradients: 'why' }`. */
export type SkipList = { readonly [S in SuiteName]?: string };

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Registry name for the backend under test. */
  readonly name: string;
  /** Factory creating the backend. */
  readonly factory: BackendFactory;
  /** Forward tolerance (default atol 1e-4, rtol 1e-4). */
  readonly forward?: Tolerance;
  /** Finite-difference tolerance (default atol 5e-3, rtol 2e-2). */
  readonly gradient?: Tolerance;
  /** Training steps in the memory check (default 100). */
  readonly memorySteps?: number;
  /**
   * Suites this backend cannot pass, each with the reason; they are registered with
   * `describe.skip` under a title that carries the reason, so the report counts and names
   * them. Everything else runs at full tolerance.
   */
  readonly skip?: SkipList;
}

/** Every suite by name; a `Record` so a name added to {@link SUITE_NAMES} without a suite fails to compile. */
const SUITES: Record<SuiteName, ConformanceSuite> = {
  elementwise: elementwiseSuite,
  reductions: reductionsSuite,
  matmul: matmulSuite,
  conv: convSuite,
  pool: poolSuite,
  layout: layoutSuite,
  random: randomSuite,
  detection: detectionSuite,
  gradients: gradientsSuite,
  memory: memorySuite,
};

/** FNV-1a: a stable 32-bit seed from a test's name. */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Throws on a name that is not a suite or a skip without a reason (the type allows neither, plain JavaScript might). */
function validateSkipList(skip: SkipList): void {
  for (const [name, reason] of Object.entries(skip)) {
    if (!(SUITE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`runConformance: cannot skip '${name}', which is not a suite (suites: ${SUITE_NAMES.join(', ')})`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`runConformance: skipping '${name}' needs a reason, which the test report prints`);
    }
  }
}

/**
 * Registers vitest suites checking every kernel and gradient of a backend, one `describe`
 * per area, minus those in `options.skip`, which are reported as skipped with their reasons.
 */
export function runConformance(options: ConformanceOptions): void {
  const skip = options.skip ?? {};
  validateSkipList(skip);
  const ctx = suiteContext(options.forward ?? { atol: 1e-4, rtol: 1e-4 }, options.gradient ?? { atol: 5e-3, rtol: 2e-2 }, options.memorySteps ?? 100);
  const regName = `conformance-${options.name}`;

  describe(`conformance: ${options.name}`, () => {
    let before = 0;
    beforeAll(async () => {
      registerBackend(regName, options.factory);
      await setBackend(regName);
    });
    afterAll(() => removeBackend(regName));
    beforeEach(() => {
      before = memory().tensors;
    });
    afterEach(() => {
      // Leak check: every test must free what it created.
      expect(memory().tensors, 'live tensors after the test').toBe(before);
    });

    for (const name of SUITE_NAMES) {
      const suite = SUITES[name];
      const body = (): void => {
        // Data from the test's own name: the same inputs on every backend, whatever ran or was skipped before.
        beforeEach(({ task }) => restartStreams(seedOf(`${name}/${task.name}`)));
        suite.register(ctx);
      };
      const reason = skip[name];
      if (reason === undefined) describe(suite.title, body);
      else {
        // A skip the backend's own test asked for by name, with its reason: reported as skipped, never as passed.
        console.info(`conformance: ${options.name}: skipping '${name}' (${reason})`);
        describe.skip(`${suite.title} (skipped: ${reason})`, body);
      }
    }
  });
}
