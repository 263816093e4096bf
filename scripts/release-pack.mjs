#!/usr/bin/env node
// `pnpm release:pack [--out DIR] [--no-build] [--json]`: builds every library package
// (packages/*) and the CLI (apps/cli), packs each with `pnpm pack` — which rewrites
// `workspace:*` to the versions in the package.json files (changesets manages them) and applies
// `publishConfig` (exports without the in-repo `source` condition) — into one folder (default
// dist-pack/ at the repository root), checks every tarball, and prints the tarball paths, one a
// line, on stdout (`--json`: name, version, path, bytes and files of each, as JSON).
//
// The checks: each manifest declares engines, sideEffects (libraries: false, or the list of the
// few modules that have one, each shipped), a README, and a
// `types` for every export subpath, and its publishConfig.exports is its exports minus `source`;
// each tarball holds those targets and no tests, test helpers or fixtures, and its package.json
// names no `workspace:` version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders of the packages to pack: every library package and the CLI. */
export function packageDirs() {
  const libs = readdirSync(join(root, 'packages'))
    .map((d) => join(root, 'packages', d))
    .filter((d) => existsSync(join(d, 'package.json')))
    .sort();
  return [...libs, join(root, 'apps', 'cli')];
}

/** Paths a tarball must not contain: tests, type tests, test helpers, fixtures. */
const FORBIDDEN = [
  /\.test\.[cm]?[jt]sx?$/,
  /\.test-d\.[cm]?[jt]s$/,
  /\.test\.d\.[cm]?ts$/,
  /\.test[.-].*\.map$/,
  /(^|\/)testutil\.[cm]?[jt]s$/,
  /(^|\/)testenv\.[cm]?[jt]s$/,
  /(^|\/)test-env\.d\.ts$/,
  /(^|\/)(test|tests|__tests__|fixtures|__fixtures__)\//,
  /\.tsbuildinfo$/,
  /(^|\/)vitest[^/]*\.config\./,
];

function fail(message) {
  console.error(`release:pack: ${message}`);
  process.exit(1);
}

function withoutSource(exports) {
  return Object.fromEntries(Object.entries(exports).map(([sub, conds]) => [sub, Object.fromEntries(Object.entries(conds).filter(([c]) => c !== 'source'))]));
}

/** Checks a package.json before packing; returns the problems. */
export function checkManifest(dir, pkg) {
  const problems = [];
  const rel = relative(root, dir);
  if (pkg.engines?.node !== '>=20') problems.push(`${rel}: engines.node must be ">=20"`);
  if (!existsSync(join(dir, 'README.md'))) problems.push(`${rel}: no README.md`);
  if (!Array.isArray(pkg.files)) problems.push(`${rel}: no "files" list`);
  if (rel.startsWith('packages')) {
    // A bundler drops modules whose exports go unused unless they are listed: a library either has
    // no side effects or names exactly the modules that do (core installs Tensor's methods).
    const listed = Array.isArray(pkg.sideEffects) && pkg.sideEffects.length > 0 && pkg.sideEffects.every((f) => typeof f === 'string' && f.startsWith('./'));
    if (pkg.sideEffects !== false && !listed) problems.push(`${rel}: library packages are "sideEffects": false or list their side-effect modules ("./…")`);
    if (!pkg.exports) problems.push(`${rel}: no exports`);
  }
  if (pkg.exports) {
    for (const [sub, conds] of Object.entries(pkg.exports)) {
      if (typeof conds !== 'object' || !conds.types || !conds.default) problems.push(`${rel}: exports["${sub}"] needs "types" and "default"`);
    }
    const want = JSON.stringify(withoutSource(pkg.exports));
    if (JSON.stringify(pkg.publishConfig?.exports) !== want) {
      problems.push(`${rel}: publishConfig.exports must be exports without the "source" condition:\n    ${want}`);
    }
  }
  return problems;
}

/** Reads the entries of a .tgz (ustar, as npm and pnpm write them): path → contents. */
export function readTarball(file) {
  const tar = gunzipSync(readFileSync(file));
  const entries = new Map();
  let longName = null;
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a, b) => header.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = str(345, 500);
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = null;
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '7') entries.set(name.replace(/^package\//, ''), body);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Checks a packed tarball; returns the problems. */
export function checkTarball(file) {
  const problems = [];
  const entries = readTarball(file);
  const name = file.split('/').pop();
  const pkgText = entries.get('package.json')?.toString('utf8');
  if (!pkgText) return [`${name}: no package.json`];
  if (pkgText.includes('workspace:')) problems.push(`${name}: package.json still names a workspace: version`);
  const pkg = JSON.parse(pkgText);
  if (!entries.has('README.md')) problems.push(`${name}: no README.md`);
  for (const path of entries.keys()) {
    if (FORBIDDEN.some((re) => re.test(path))) problems.push(`${name}: ships ${path}`);
  }
  const targets = [];
  for (const conds of Object.values(pkg.exports ?? {})) {
    if ('source' in conds) problems.push(`${name}: exports keep the in-repo "source" condition`);
    targets.push(...Object.values(conds));
  }
  targets.push(...Object.values(pkg.bin ?? {}));
  if (Array.isArray(pkg.sideEffects)) targets.push(...pkg.sideEffects.filter((f) => f.startsWith('./dist/')));
  for (const t of targets) {
    if (!entries.has(t.replace(/^\.\//, ''))) problems.push(`${name}: ${t} is missing from the tarball`);
  }
  return problems;
}

function main(argv) {
  let out = join(root, 'dist-pack');
  let build = true;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') out = resolve(argv[++i] ?? fail('--out needs a folder'));
    else if (a.startsWith('--out=')) out = resolve(a.slice(6));
    else if (a === '--no-build') build = false;
    else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: pnpm release:pack [--out DIR] [--no-build] [--json]');
      return;
    } else fail(`unknown argument ${a} (usage: pnpm release:pack [--out DIR] [--no-build] [--json])`);
  }

  const dirs = packageDirs();
  const manifests = dirs.map((d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')));
  const problems = dirs.flatMap((d, i) => checkManifest(d, manifests[i]));
  if (problems.length) fail(`package manifests:\n  ${problems.join('\n  ')}`);
  const filters = manifests.map((m) => `--filter=${m.name}`);

  if (build) {
    console.error('release:pack: building …');
    execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', ...filters, '--output-logs=errors-only'], {
      cwd: root,
      stdio: ['ignore', process.stderr, process.stderr],
    });
  }

  mkdirSync(out, { recursive: true });
  // The default folder holds only our tarballs: clear earlier versions. A folder given with
  // --out is the caller's; same-named tarballs are overwritten, nothing else is touched.
  if (out === join(root, 'dist-pack')) {
    for (const f of readdirSync(out)) if (/^skipnet-.*\.tgz$/.test(f)) rmSync(join(out, f));
  }
  const text = execFileSync('pnpm', [...filters, 'pack', '--pack-destination', out, '--json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', process.stderr],
    maxBuffer: 64 << 20,
  });
  let packed = JSON.parse(text);
  if (!Array.isArray(packed)) packed = [packed];
  if (packed.length !== dirs.length) fail(`pnpm pack made ${packed.length} tarballs for ${dirs.length} packages`);
  const order = manifests.map((m) => m.name);
  packed.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));

  const tarProblems = packed.flatMap((p) => checkTarball(p.filename));
  if (tarProblems.length) fail(`tarballs:\n  ${tarProblems.join('\n  ')}`);

  const result = packed.map((p) => ({
    name: p.name,
    version: p.version,
    path: p.filename,
    bytes: statSync(p.filename).size,
    files: p.files.length,
  }));
  for (const r of result) {
    console.error(`  ${r.name.padEnd(24)} ${r.version.padEnd(8)} ${(r.bytes / 1024).toFixed(1).padStart(7)} kB  ${String(r.files).padStart(4)} files`);
  }
  if (json) console.log(JSON.stringify(result, null, 2));
  else for (const r of result) console.log(r.path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
