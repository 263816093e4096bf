/**
 * `@skipnet/train/node`: checkpoint directories and the `metrics.jsonl` log on the file
 * system. Node-only (`node:fs`); the main entry stays browser-safe.
 *
 * @packageDocumentation
 */
export { loadCheckpoint, nodeCheckpointIO, saveCheckpoint } from './checkpoint.js';
export { MetricsJsonlWriter, type MetricsLine } from './jsonl.js';
