// The conformance suite, run by a backend package's tests (vitest): every kernel against a
// float64 reference, every gradient by finite differences, a leak check after each test,
// and 100 training steps that must not grow memory.
import { runConformance } from '@skipnet/core/testing';
import { createCountingBackend } from './custom-backend.js';

runConformance({
  name: 'counting',
  factory: createCountingBackend,
  forward: { atol: 1e-4, rtol: 1e-4 }, // per-backend tolerances (a GPU backend loosens these)
  gradient: { atol: 5e-3, rtol: 2e-2 },
});
