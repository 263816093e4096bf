/**
 * Benchmark harness: times each peer on each workload in one process, reports throughput
 * and our/peer ratios, and rewrites a marked section of docs/benchmarks.md.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';

/** One contender on one workload: `setup` prepares inputs, `run` does one timed iteration. */
export interface Contender {
  readonly peer: string;
  setup(): Promise<void> | void;
  run(): Promise<void> | void;
  teardown?(): Promise<void> | void;
}

/** A workload: its work per iteration (for GFLOP/s or items/s) and its contenders. */
export interface Workload {
  readonly name: string;
  /** Work units per iteration (FLOPs or images). */
  readonly work: number;
  readonly unit: 'GFLOP/s' | 'images/s';
  readonly contenders: Contender[];
}

/** A measured result. */
export interface Result {
  readonly workload: string;
  readonly peer: string;
  readonly unit: string;
  /** Throughput (median over iterations). */
  readonly value: number;
  readonly iterations: number;
  readonly error?: string;
}

/** Times `run` after warm-up until `minSeconds` pass (at least `minIters`, at most `maxIters`). */
export async function measure(
  c: Contender,
  work: number,
  unit: string,
  opts: { minSeconds: number; minIters: number; maxIters: number; warmup: number },
): Promise<{ value: number; iterations: number }> {
  await c.setup();
  try {
    for (let i = 0; i < opts.warmup; i++) await c.run();
    const times: number[] = [];
    const start = performance.now();
    while (times.length < opts.minIters || (performance.now() - start < opts.minSeconds * 1000 && times.length < opts.maxIters)) {
      const t0 = performance.now();
      await c.run();
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    return { value: unit === 'GFLOP/s' ? work / median / 1e9 : work / median, iterations: times.length };
  } finally {
    await c.teardown?.();
  }
}

/** A one-line description of this machine. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Formats results as a markdown table with our/peer ratios. */
export function table(results: readonly Result[], ours: string): string {
  const lines = ['| workload | peer | throughput | ours ÷ peer |', '|---|---|---:|---:|'];
  for (const r of results) {
    const mine = results.find((x) => x.workload === r.workload && x.peer === ours);
    const ratio = r.error ? '—' : r.peer === ours ? '1.00' : mine && !mine.error ? (mine.value / r.value).toFixed(2) + '×' : '—';
    const value = r.error ? `failed: ${r.error}` : `${r.value.toFixed(r.value < 1 ? 3 : 2)} ${r.unit} (${r.iterations} runs)`;
    lines.push(`| ${r.workload} | ${r.peer} | ${value} | ${ratio} |`);
  }
  return lines.join('\n');
}

/** Replaces the text between `<!-- bench:KEY -->` and `<!-- /bench:KEY -->` in a markdown file. */
export function writeSection(file: string, key: string, body: string): void {
  const open = `<!-- bench:${key} -->`;
  const close = `<!-- /bench:${key} -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${open}\n${body}\n${close}`;
  const i = text.indexOf(open);
  const j = text.indexOf(close);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + close.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
