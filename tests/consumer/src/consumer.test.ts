/**
 * The packages as a user outside this repository gets them: `pnpm release:pack` into a
 * temporary folder, `npm install` of the tarballs into projects under os.tmpdir() (outside the
 * workspace, so nothing resolves through pnpm's links or the `source` condition), then
 *
 * - a Node project (`lib: ["ES2022"]`, `types: ["node"]`, strict, `skipLibCheck: false`)
 *   type-checks and builds a consumer program and every package README's example, and runs the
 *   program on this Node and on Node 24, and the examples;
 * - a browser project (`lib: ["ES2022", "DOM"]`, no @types/node installed) type-checks a page
 *   module and the browser-safe README examples against the browser entries;
 * - the installed `skipnet` bin trains for one epoch from the Node project's folder and writes
 *   its run there.
 *
 * npm's cache lives in node_modules/.cache/skipnet-consumer/npm (reruns install offline); Node
 * 24 comes from scripts/node24.mjs. SKIPNET_KEEP_CONSUMER=1 keeps the temporary folder.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const app = resolve(here, '../app');
const npmCache = join(repo, 'node_modules', '.cache', 'skipnet-consumer', 'npm');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** The environment children get: ours without what pnpm, turbo and vitest add for their own scripts. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(npm_(package|lifecycle)_|npm_(command|execpath|node_execpath|config_user_agent|config_verify_deps_before_run)$|pnpm_|PNPM_|VITEST|TURBO_|INIT_CWD$|NODE_ENV$|NODE_OPTIONS$)/.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command; rejects with its output when it exits non-zero (unless `allowFail`). */
function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; allowFail?: boolean; timeoutMs?: number },
): Promise<Result> {
  const t0 = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 200_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const r = { code, stdout, stderr, seconds: (performance.now() - t0) / 1000 };
      if (code !== 0 && !opts.allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${code}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`));
      } else {
        resolvePromise(r);
      }
    });
  });
}

const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** The first ```ts block of a README's "## Example" section. */
function readmeExample(readme: string): string | null {
  const section = /^## Example\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  return section ? (/```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? null) : null;
}

const timings: Record<string, number> = {};
const started = performance.now();
let work = '';
let nodeApp = '';
let browserApp = '';
let tarballs: { name: string; path: string; bytes: number; files: number }[] = [];
let node24 = '';
/** README examples by package folder name, and which project each belongs in. */
const examples: { pkg: string; code: string; node: boolean; browser: boolean }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'skipnet-consumer-'));
  mkdirSync(npmCache, { recursive: true });

  // 1. Pack, as a user would after cloning (the build is a cache hit under `pnpm test`).
  const pack = await run(process.execPath, [join(repo, 'scripts/release-pack.mjs'), '--out', join(work, 'tarballs'), '--json'], { cwd: repo });
  timings.pack = pack.seconds;
  tarballs = JSON.parse(pack.stdout) as typeof tarballs;

  // 2. Two projects outside the workspace, installed in parallel, plus Node 24.
  nodeApp = join(work, 'node-app');
  browserApp = join(work, 'browser-app');
  for (const dir of [nodeApp, browserApp]) {
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: `skipnet-${dir === nodeApp ? 'node' : 'browser'}-consumer`, private: true, type: 'module' }, null, 2)}\n`,
    );
  }
  const npmInstall = (dir: string, specs: readonly string[]): Promise<Result> =>
    run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error', '--cache', npmCache, ...specs], {
      cwd: dir,
      timeoutMs: 280_000,
    });
  const ts = `typescript@${installedVersion('typescript')}`;
  const libraries = tarballs.filter((t) => t.name !== '@skipnet/cli').map((t) => t.path);
  const [nodeInstall, browserInstall, n24] = await Promise.all([
    npmInstall(nodeApp, [...tarballs.map((t) => t.path), ts, `@types/node@${installedVersion('@types/node')}`]),
    npmInstall(browserApp, [...libraries, ts]),
    run(process.execPath, [join(repo, 'scripts/node24.mjs')], { cwd: repo, timeoutMs: 280_000 }),
  ]);
  timings.install = Math.max(nodeInstall.seconds, browserInstall.seconds);
  node24 = n24.stdout.trim();

  // 3. Sources: the consumer programs and each installed package's README example.
  cpSync(join(app, 'node/consumer.ts'), join(nodeApp, 'src/consumer.ts'));
  cpSync(join(app, 'browser/main.ts'), join(browserApp, 'src/main.ts'));
  for (const pkg of readdirSync(join(nodeApp, 'node_modules/@skipnet'))) {
    const code = readmeExample(readFileSync(join(nodeApp, 'node_modules/@skipnet', pkg, 'README.md'), 'utf8'));
    if (code === null) continue;
    const node = !code.includes("'@skipnet/backend-webgl'");
    const browser = !/from '(node:[^']*|@skipnet\/[^']*\/node)'/.test(code);
    examples.push({ pkg, code, node, browser });
    for (const [dir, use] of [
      [nodeApp, node],
      [browserApp, browser],
    ] as const) {
      if (!use) continue;
      mkdirSync(join(dir, 'src/examples'), { recursive: true });
      writeFileSync(join(dir, 'src/examples', `${pkg}.ts`), code);
    }
  }

  const strict = { target: 'ES2022', strict: true, skipLibCheck: false, noEmitOnError: true, forceConsistentCasingInFileNames: true };
  writeFileSync(
    join(nodeApp, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: { ...strict, module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], rootDir: 'src', outDir: 'out' },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
  );
  // No "types": TypeScript's default (every @types package visible), as in a fresh browser
  // project; @types/node is not installed there, so Node's globals are absent.
  writeFileSync(
    join(browserApp, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: { ...strict, module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], noEmit: true },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
  );
});

afterAll(() => {
  const total = (performance.now() - started) / 1000;
  const parts = Object.entries(timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
  console.log(`consumer test: ${total.toFixed(1)} s (${parts})${work ? `; folder ${work}` : ''}`);
  for (const t of tarballs)
    console.log(`  ${relative(work, t.path).padEnd(42)} ${(t.bytes / 1024).toFixed(1).padStart(7)} kB  ${String(t.files).padStart(4)} files`);
  if (work && !process.env.SKIPNET_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
});

describe('skipnet installed from its tarballs, outside the workspace', () => {
  it('packs every library package and the CLI, without tests and with README and types', () => {
    expect(tarballs.map((t) => t.name).sort()).toEqual([
      '@skipnet/backend-cpu',
      '@skipnet/backend-wasm',
      '@skipnet/backend-webgl',
      '@skipnet/cli',
      '@skipnet/core',
      '@skipnet/data',
      '@skipnet/models',
      '@skipnet/train',
    ]);
    for (const t of tarballs) {
      const dir = join(nodeApp, 'node_modules', t.name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        engines?: { node?: string };
        exports?: Record<string, Record<string, string>>;
      };
      expect(pkg.engines?.node, t.name).toBe('>=20');
      expect(existsSync(join(dir, 'README.md')), `${t.name} README`).toBe(true);
      for (const [sub, conds] of Object.entries(pkg.exports ?? {})) {
        expect(Object.keys(conds), `${t.name} exports["${sub}"]`).toEqual(['types', 'default']);
        expect(existsSync(join(dir, conds.types!)), `${t.name}: ${conds.types}`).toBe(true);
      }
      const stack = [dir];
      while (stack.length) {
        const d = stack.pop()!;
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) {
            if (e.name !== 'node_modules') stack.push(join(d, e.name));
          } else {
            expect(e.name, `${t.name} ships ${relative(dir, join(d, e.name))}`).not.toMatch(/\.test(-d)?\.|^testutil\.|^testenv\./);
          }
        }
      }
    }
    // Every library package's README has an example the projects below compile.
    expect(examples.map((e) => e.pkg).sort()).toEqual(['backend-cpu', 'backend-wasm', 'backend-webgl', 'core', 'data', 'models', 'train']);
  });

  it('type-checks and builds the Node program and README examples: lib ES2022 + @types/node, strict, skipLibCheck false', async () => {
    const r = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: nodeApp, allowFail: true });
    timings['tsc node'] = r.seconds;
    expect(r.stdout + r.stderr, 'tsc errors').toBe('');
    expect(r.code).toBe(0);
  });

  it('type-checks the browser page and examples: lib ES2022 + DOM, no Node types, browser entries only', async () => {
    expect(existsSync(join(browserApp, 'node_modules/@types/node')), '@types/node must not be installed in the browser project').toBe(false);
    const r = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: browserApp, allowFail: true });
    timings['tsc browser'] = r.seconds;
    expect(r.stdout + r.stderr, 'tsc errors').toBe('');
    expect(r.code).toBe(0);
  });

  it(`trains, saves and reloads a residual MLP on cpu and wasm under Node ${process.versions.node}`, async () => {
    const r = await run(process.execPath, ['out/consumer.js', nodeApp], { cwd: nodeApp });
    timings[`run node ${process.versions.node.split('.')[0]}`] = r.seconds;
    expect(r.stdout).toMatch(/^ok: node /m);
    expect(existsSync(join(nodeApp, 'wasm.safetensors'))).toBe(true);
  });

  it('trains, saves and reloads a residual MLP on cpu and wasm under Node 24', async () => {
    const r = await run(node24, ['out/consumer.js', nodeApp], { cwd: nodeApp });
    timings['run node 24'] = r.seconds;
    expect(r.stdout).toMatch(/^ok: node 24\./m);
  });

  it('runs every README example that runs in Node', async () => {
    const runnable = examples.filter((e) => e.node);
    const t0 = performance.now();
    for (const e of runnable) {
      const r = await run(process.execPath, [`out/examples/${e.pkg}.js`], { cwd: nodeApp, allowFail: true });
      expect(r.code, `${e.pkg} README example:\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
    timings.examples = (performance.now() - t0) / 1000;
  });

  it('runs the installed skipnet bin from the project folder and writes the run there', async () => {
    const r = await run(
      'npx',
      ['--no', 'skipnet', 'train', '--model', 'resnet20', '--dataset', 'mnist', '--epochs', '1', '--train-size', '500', '--test-size', '200', '--out', 'run1'],
      {
        cwd: nodeApp,
        allowFail: true,
      },
    );
    timings.cli = r.seconds;
    expect(r.code, `skipnet train:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    expect(existsSync(join(nodeApp, 'run1/config.json')), 'run1/config.json in the project folder').toBe(true);
    expect(existsSync(join(nodeApp, 'run1/checkpoints/last/state.json')), 'run1/checkpoints/last/state.json in the project folder').toBe(true);
  });
});
