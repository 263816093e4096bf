/** Runs the built `skipnet` command as a user would: a real process in a working folder of the test's. */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's built entry point (`pnpm build` makes it; turbo builds it before the tests). */
export const cliMain = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** The repository root (for `scripts/skipnet`). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** What a finished command left: exit code and both streams. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh folder outside the repository, as a user's working directory. */
export function makeWorkdir(prefix = 'skipnet-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `skipnet ...args` in `cwd` (non-interactive, as in CI) and waits for it. */
export function runCli(cwd: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [cliMain, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `skipnet ...args` in `cwd` without waiting (for signals). */
export function startCli(cwd: string, ...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cliMain, ...args], { cwd, env: { ...process.env, CI: '1' } });
}

/** The lines of a JSON-lines file, parsed. */
export function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every file under `dir` as a path relative to it, sorted (to prove nothing was added or lost). */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
