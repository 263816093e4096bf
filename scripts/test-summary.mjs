#!/usr/bin/env node
// Sums vitest's per-package "Tests  N passed | M failed (T)" lines from a turbo log into one
// closing line that CI can read: "N passed, M failed, K skipped".
import { readFileSync } from 'node:fs';

// eslint-disable-next-line no-control-regex -- strips ANSI colour codes
const log = readFileSync(process.argv[2] ?? 0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of log.split('\n')) {
  const m = /\bTests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!m) continue;
  for (const [, n, kind] of m[1].matchAll(/(\d+)\s+(passed|failed|skipped|todo)/g)) {
    if (kind === 'passed') passed += Number(n);
    else if (kind === 'failed') failed += Number(n);
    else skipped += Number(n);
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
