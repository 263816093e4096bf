#!/usr/bin/env node
/**
 * Runs the bench page (bench/index.html) in headless Debian Chromium through Playwright and a
 * Vite dev server, prints the figures as a Markdown table, and with `--write` puts them into
 * docs/benchmarks.md between `<!-- bench:webgl -->` and `<!-- /bench:webgl -->`.
 *
 *   node bench/run.mjs [--quick] [--write] [--chromium /usr/bin/chromium]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { chromium } from 'playwright';
import { createServer, defaultClientConditions } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const write = args.includes('--write');
const exe = args.includes('--chromium') ? args[args.indexOf('--chromium') + 1] : '/usr/bin/chromium';

const server = await createServer({
  root: pkg,
  configFile: false,
  logLevel: 'error',
  resolve: { conditions: ['source', ...defaultClientConditions] },
  optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgl'] },
  server: { port: 0, host: '127.0.0.1' },
});
await server.listen();
const base = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
  ],
});
let result;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}bench/index.html${quick ? '?quick' : ''}`);
  await page.waitForFunction(() => window.__bench?.done === true, null, { timeout: 900_000, polling: 500 });
  result = await page.evaluate(() => window.__bench);
} finally {
  await browser.close();
  await server.close();
}
if (result.error) {
  console.error(result.error);
  process.exit(1);
}

const byWorkload = new Map();
for (const r of result.rows) (byWorkload.get(r.workload) ?? byWorkload.set(r.workload, []).get(r.workload)).push(r);
const lines = ['| workload | implementation | time per iteration | throughput | time ÷ ours |', '|---|---|---:|---:|---:|'];
for (const [workload, rs] of byWorkload) {
  const ours = rs[0];
  for (const r of rs) {
    const ratio = r.impl.startsWith('tfjs') ? `${(r.ms / ours.ms).toFixed(2)}×` : r === ours ? '1.00' : `(${(r.ms / ours.ms).toFixed(2)}×)`;
    lines.push(`| ${workload} | ${r.impl} | ${r.ms.toFixed(2)} ms (${r.runs} runs) | ${r.rate} | ${ratio} |`);
  }
}
const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const chrome = /Chrome\/([\d.]+)/.exec(result.userAgent)?.[1] ?? '?';
const header = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, ${os.cpus().length} cores, headless Chromium ${chrome}, renderer ${result.renderer}, float${result.precision} textures${quick ? ' (quick run)' : ''}.`,
  'Median wall time per iteration, each ending in an awaited readback; tfjs 4.22 in the same page and WebGL context;',
  'implementations of a workload run interleaved (one call each per round). "alternative" rows are paths the backend',
  'measured and did not choose; "time ÷ ours" above 1 means ours is faster. Other processes shared the two cores, so',
  'absolute figures move by ±30% between runs; the interleaving keeps the ratios comparable.',
  '',
  '**These are software-WebGL (SwiftShader, on the CPU) figures: they say nothing about GPU speed.** They compare',
  'the two code paths under one renderer; on a real GPU the ratios (and which convolution path wins) can differ.',
  '',
];
const section = [...header, ...lines].join('\n');
console.log(section);

if (write) {
  const docs = resolve(pkg, '../../docs/benchmarks.md');
  const text = readFileSync(docs, 'utf8');
  const open = '<!-- bench:webgl -->';
  const close = '<!-- /bench:webgl -->';
  const block = `${open}\n${section}\n${close}`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  const next = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + close.length) : `${text.trimEnd()}\n\n## WebGL backend (browser)\n\n${block}\n`;
  writeFileSync(docs, next);
  console.log(`\nwrote ${docs}`);
}
