// Compiles assembly/index.ts into the four kernel builds: plain SIMD and relaxed SIMD (FMA),
// each for shared memory (threads) and for plain memory (no cross-origin isolation).
// Runs with nothing but the assemblyscript devDependency; skips builds that are up to date.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build');
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
const asc = join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
const sources = readdirSync(join(root, 'assembly')).map((f) => join(root, 'assembly', f));
const newest = Math.max(statSync(import.meta.filename ?? fileURLToPath(import.meta.url)).mtimeMs, ...sources.map((f) => statSync(f).mtimeMs));

const variants = [
  ['kernels-simd', []],
  ['kernels-relaxed', ['--enable', 'relaxed-simd']],
];
const jobs = [];
for (const [name, extra] of variants) {
  for (const shared of [true, false]) {
    const file = join(out, `${name}${shared ? '-shared' : ''}.wasm`);
    if (existsSync(file) && statSync(file).mtimeMs >= newest && !process.argv.includes('--force')) continue;
    const args = [
      asc,
      join(root, 'assembly', 'index.ts'),
      '-o',
      file,
      '-O3',
      '--noAssert',
      '--runtime',
      'stub',
      '--enable',
      'simd',
      ...extra,
      '--importMemory',
      '--noExportMemory',
      '--initialMemory',
      '1',
      '--maximumMemory',
      '65536',
      '--memoryBase',
      '16384',
      // Atomics (the work-claim counter) are valid on plain memory too; only sharing differs.
      '--enable',
      'threads',
      ...(shared ? ['--sharedMemory'] : []),
    ];
    jobs.push({ file, args });
  }
}
// Two compilers at a time: asc is single-threaded.
const run = ({ file, args }) =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build-wasm: asc failed for ${file}`))));
    p.on('error', reject);
  });
const queue = [...jobs];
const lanes = Array.from({ length: Math.min(2, queue.length) }, async () => {
  while (queue.length) await run(queue.shift());
});
try {
  await Promise.all(lanes);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
process.stdout.write(jobs.length ? `build-wasm: built ${jobs.length} module(s) in build/\n` : 'build-wasm: up to date\n');
