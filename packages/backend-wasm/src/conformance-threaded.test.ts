/**
 * The backend conformance suite from @skipnet/core/testing, on two threads over shared memory,
 * with every WebAssembly kernel call dispatched to the pool however small (the suite's shapes
 * are tiny, so the default threshold would keep them on one thread).
 */
import { runConformance } from '@skipnet/core/testing';
import { createWasmBackend } from './index.js';

runConformance({ name: 'wasm-2-threads', factory: () => createWasmBackend({ threads: 2, threadMinWork: 0 }) });
