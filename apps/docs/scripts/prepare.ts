/**
 * Build-time generation for the docs site, run before `vitepress build` and `vitepress dev`:
 *
 * - .generated/arch/<id>.json|svg — each architecture page's model traced with graph() and
 *   summary(), and its diagram (scripts/lib/arch.ts; cached by source hash);
 * - .generated/kernels.md — the Backend kernel tables, from packages/core/src/backend/types.ts;
 * - .generated/data/ — the demos' MNIST subset and names list;
 * - docs/api/ — the API reference, from every package's TSDoc (TypeDoc; git-ignored).
 *
 * `--skip-api` leaves docs/api as it is (quicker when only pages changed).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApi } from './lib/api.js';
import { generateArchitectures } from './lib/arch.js';
import { generateDemoData } from './lib/demo-data.js';
import { kernelTablesMarkdown } from './lib/kernels.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(appDir, '../..');
const gen = path.join(appDir, '.generated');
const started = performance.now();
const log = (s: string): void => console.log(`prepare: ${s}`);

mkdirSync(gen, { recursive: true });
writeFileSync(path.join(gen, 'kernels.md'), kernelTablesMarkdown(path.join(repoRoot, 'packages/core/src/backend/types.ts')));
log('kernel tables written');
await generateDemoData(path.join(gen, 'data'), log);

if (process.argv.includes('--arch-only')) {
  await generateArchitectures(repoRoot, path.join(gen, 'arch'), log);
  process.exit(0);
}

/** Tracing the models and TypeDoc are both CPU-bound: the traces run in a child process meanwhile. */
function archInChild(): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--arch-only'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.includes('architectures')) console.log(line);
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`architecture traces failed (exit ${code})`)))),
  );
}

const arch = archInChild();
if (!process.argv.includes('--skip-api')) {
  const t = performance.now();
  const modules = await generateApi(appDir, repoRoot, path.join(repoRoot, 'docs/api'));
  log(`API reference: ${modules} modules (${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
await arch;
log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
