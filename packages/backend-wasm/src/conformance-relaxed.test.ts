/**
 * The conformance suite on the relaxed-SIMD (FMA) build, two threads, every kernel call
 * dispatched. Node 20 validates relaxed SIMD only behind a V8 flag, which this file turns on
 * for its own worker process (Chrome 114+ and Node 22+ have it on by default).
 */
import { setFlagsFromString } from 'node:v8';
import { runConformance } from '@skipnet/core/testing';
import { createWasmBackend } from './index.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

runConformance({ name: 'wasm-relaxed-simd', factory: () => createWasmBackend({ threads: 2, relaxedSimd: true, threadMinWork: 0 }) });
