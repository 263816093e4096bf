/** The backend conformance suite from @skipnet/core/testing, on two threads over shared memory. */
import { runConformance } from '@skipnet/core/testing';
import { createWasmBackend } from './index.js';

runConformance({ name: 'wasm-2-threads', factory: () => createWasmBackend({ threads: 2 }) });
