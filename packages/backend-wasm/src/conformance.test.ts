/** The backend conformance suite from @skipnet/core/testing, on one thread (plain memory, no workers). */
import { runConformance } from '@skipnet/core/testing';
import { createWasmBackend } from './index.js';

runConformance({ name: 'wasm-1-thread', factory: () => createWasmBackend({ threads: 1 }) });
