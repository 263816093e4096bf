#!/usr/bin/env node
// Node 24, the active LTS, beside the machine's Node (20 here): the npm package
// node-<platform>-<arch>@24 ships its binary, so nothing but the npm registry is needed.
// It is installed once into node_modules/.cache/node24 at the repository root and reused.
//
//   node scripts/node24.mjs            prints the binary's path
//   node scripts/node24.mjs ARGS…      runs `node24 ARGS…` and exits with its status
//
// SKIPNET_NODE24=/path/to/node uses that binary instead; when this script already runs on
// Node 24, its own binary is used.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules', '.cache', 'node24');
const pkg = `node-${process.platform}-${process.arch}`;

function major(bin) {
  try {
    return Number(/^v(\d+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1]);
  } catch {
    return NaN;
  }
}

/** Path of a Node 24 binary, installing it from npm on first use. */
export function node24() {
  if (process.env.SKIPNET_NODE24) return process.env.SKIPNET_NODE24;
  if (process.versions.node.startsWith('24.')) return process.execPath;
  const bin = join(cacheDir, 'node_modules', pkg, 'bin', 'node');
  if (existsSync(bin) && major(bin) === 24) return bin;
  // Install into a fresh folder and move it into place, so a concurrent or interrupted
  // install never leaves a half-written binary at `bin`.
  mkdirSync(dirname(cacheDir), { recursive: true });
  const tmp = mkdtempSync(`${cacheDir}.tmp-`);
  try {
    console.error(`node24: installing ${pkg}@24 from npm into ${cacheDir} (once)`);
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', tmp, `${pkg}@24`], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
    if (major(join(tmp, 'node_modules', pkg, 'bin', 'node')) !== 24) throw new Error(`${pkg}@24 did not install a Node 24 binary`);
    if (major(bin) !== 24) {
      rmSync(cacheDir, { recursive: true, force: true });
      try {
        renameSync(tmp, cacheDir);
      } catch (e) {
        if (major(bin) !== 24) throw e; // else another install got there first
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = node24();
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.log(bin);
  } else {
    const r = spawnSync(bin, args, { stdio: 'inherit' });
    process.exit(r.status ?? (r.signal ? 128 : 1));
  }
}
