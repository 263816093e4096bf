/**
 * `pnpm bench`: skipnet's backends against their peers, side by side in one process, written
 * to docs/benchmarks.md. `pnpm bench -- --quick` runs fewer iterations.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as sn from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { machine, measure, table, writeSection, type Result, type Workload } from './harness.js';
import { snConv, snMatmul, tfConv, tfMatmul } from './peers.js';

const quick = process.argv.includes('--quick');
sn.registerBackend('cpu', createCpuBackend);

const convFlops = (n: number, c: number, hw: number) => 3 * 2 * n * c * hw * hw * c * 9;
const workloads: Workload[] = [
  ...[256, 512].map((n) => ({
    name: `matmul ${n}²`,
    work: 2 * n ** 3,
    unit: 'GFLOP/s' as const,
    contenders: [snMatmul('skipnet cpu', 'cpu', n), tfMatmul('tfjs-cpu 4.22', 'cpu', n)],
  })),
  ...(
    [
      [32, 16, 32],
      [32, 64, 16],
    ] as const
  ).map(([n, c, hw]) => ({
    name: `conv 3×3 fwd+bwd N=${n} C=${c}→${c} ${hw}×${hw}`,
    work: convFlops(n, c, hw),
    unit: 'GFLOP/s' as const,
    contenders: [snConv('skipnet cpu', 'cpu', n, c, hw), tfConv('tfjs-cpu 4.22', 'cpu', n, c, hw)],
  })),
];

const results: Result[] = [];
for (const w of workloads) {
  for (const c of w.contenders) {
    // The slow peers get one timed run after one warm-up; ours get at least 3 s.
    const slow = c.peer.startsWith('tfjs-cpu') && w.name.startsWith('conv');
    const opts = slow ? { minSeconds: 0, minIters: 1, maxIters: 1, warmup: 0 } : { minSeconds: quick ? 0.5 : 3, minIters: 3, maxIters: 200, warmup: 2 };
    try {
      const m = await measure(c, w.work, w.unit, opts);
      results.push({ workload: w.name, peer: c.peer, unit: w.unit, ...m });
    } catch (e) {
      results.push({ workload: w.name, peer: c.peer, unit: w.unit, value: NaN, iterations: 0, error: (e as Error).message.split('\n')[0]! });
    }
    const r = results[results.length - 1]!;
    console.log(`${w.name.padEnd(40)} ${c.peer.padEnd(16)} ${r.error ? 'failed: ' + r.error : r.value.toFixed(3) + ' ' + w.unit}`);
  }
}

const body = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}${quick ? ' (quick run)' : ''}; load average ${os.loadavg()[0]!.toFixed(1)} at the end (other jobs share this machine: absolute figures vary, ratios come from the same run).`,
  '',
  table(results, 'skipnet cpu'),
].join('\n');
console.log('\n' + body);
writeSection(fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url)), 'cpu', body);

// The wasm backend against its peers (bench/src/wasm.ts): its own section of docs/benchmarks.md.
import { runWasmBench } from './wasm.js';
await runWasmBench(quick);
