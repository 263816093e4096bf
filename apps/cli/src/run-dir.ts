/**
 * Run folders: what skipnet writes into one, how it recognises one it wrote, and the only
 * deletions it ever makes. A folder is replaced (`--overwrite`) only when everything in it is
 * something skipnet writes and its marker file says skipnet wrote it; anything else — a folder
 * with other files, `.`, `/`, the home folder, a repository — is refused with nothing deleted.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, parse, relative } from 'node:path';
import { CliError } from './args.js';

/** The marker key skipnet writes into `config.json` (runs) and `comparison.json` (comparisons). */
export const MARKER_KEY = 'skipnet';

/** What a folder holds, as far as skipnet is concerned. */
export type FolderKind = 'run' | 'compare';

/** Top-level entries of a training run folder, all written by `skipnet train`. */
const RUN_ENTRIES: readonly string[] = ['config.json', 'metrics.jsonl', 'gradflow.jsonl', 'results.json', 'report.html', 'checkpoints'];
/** Top-level files of a comparison folder; its sub-folders are runs, one per model. */
const COMPARE_FILES: readonly string[] = ['comparison.json', 'report.html'];
const MARKER_FILE: Readonly<Record<FolderKind, string>> = { run: 'config.json', compare: 'comparison.json' };

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** True when `file` holds skipnet's marker for `kind` (runs written before the marker: a run config). */
function hasMarker(file: string, kind: FolderKind): boolean {
  const json = readJson(file);
  if (!json || typeof json !== 'object' || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  if (o[MARKER_KEY] === kind) return true;
  // Runs from before the marker existed: config.json was exactly a run configuration.
  return (
    kind === 'run' &&
    o[MARKER_KEY] === undefined &&
    typeof o.model === 'string' &&
    typeof o.dataset === 'string' &&
    typeof o.batchSize === 'number' &&
    typeof o.epochs === 'number'
  );
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Entries of `dir` that skipnet did not write as a folder of `kind` (empty: all are skipnet's). */
function foreignEntries(dir: string, kind: FolderKind): string[] {
  const entries = readdirSync(dir);
  if (!entries.includes(MARKER_FILE[kind]) || !hasMarker(join(dir, MARKER_FILE[kind]), kind)) {
    return entries.map((e) => (isDir(join(dir, e)) ? `${e}/` : e));
  }
  if (kind === 'run') return entries.filter((e) => !RUN_ENTRIES.includes(e)).map((e) => (isDir(join(dir, e)) ? `${e}/` : e));
  return entries.flatMap((e) => {
    if (COMPARE_FILES.includes(e)) return [];
    const sub = join(dir, e);
    if (!isDir(sub)) return [e];
    return readdirSync(sub).length === 0 || foreignEntries(sub, 'run').length === 0 ? [] : [`${e}/`];
  });
}

/** "a.txt, sub/ and 3 more" */
function listEntries(entries: readonly string[]): string {
  const shown = entries.slice(0, 5).join(', ');
  return entries.length > 5 ? `${shown} and ${entries.length - 5} more` : shown;
}

/**
 * Throws when `dir` is a folder no command may replace: the filesystem root, the home folder,
 * the working directory or one of its parents, or a folder holding a version-control checkout.
 */
function refuseProtected(dir: string, flag: string): void {
  const cwd = process.cwd();
  const why =
    dir === parse(dir).root
      ? 'the filesystem root'
      : dir === homedir()
        ? 'your home folder'
        : dir === cwd
          ? 'the working directory'
          : !relative(dir, cwd).startsWith('..')
            ? 'a parent of the working directory'
            : existsSync(join(dir, '.git'))
              ? 'a git repository'
              : null;
  if (why) throw new CliError(`${flag}: refusing to replace ${dir}: it is ${why}. Nothing was deleted; choose a new folder with --out.`);
}

/**
 * Makes `dir` ready for a new run or comparison: creates it when missing; accepts it empty;
 * with `overwrite`, clears a folder that skipnet wrote (only skipnet's own entries) and refuses
 * any other. Nothing is deleted on a refusal. Call it only after the whole command is valid.
 * @returns whether the folder was created (so a failed start can remove it again).
 */
export function prepareFolder(dir: string, kind: FolderKind, overwrite: boolean): { created: boolean } {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    return { created: true };
  }
  const entries = readdirSync(dir);
  if (entries.length === 0) return { created: false };
  checkReplaceable(dir, kind, overwrite);
  removeWritten(dir, kind);
  return { created: false };
}

/**
 * Throws unless `dir` (existing, not empty) may be replaced: `overwrite` is set, the folder is
 * not protected, and everything in it is skipnet's. Deletes nothing.
 * @param settings the new run's settings, to say whether the folder holds the same run.
 */
export function checkReplaceable(dir: string, kind: FolderKind, overwrite: boolean, settings?: object): void {
  if (existsSync(dir) && !isDir(dir)) throw new CliError(`--out: ${dir} is a file, not a folder; nothing was changed`);
  if (!existsSync(dir) || readdirSync(dir).length === 0) return;
  const what = kind === 'run' ? 'run' : 'comparison';
  const foreign = foreignEntries(dir, kind);
  if (foreign.length > 0) {
    throw new CliError(
      `--out: ${dir} holds files that are not a skipnet ${what} (${listEntries(foreign)}); ` +
        `skipnet writes a ${what} only into a new or empty folder, and --overwrite replaces only a skipnet ${what}. Nothing was changed; choose another folder with --out.`,
    );
  }
  if (!overwrite) {
    const saved = readJson(join(dir, MARKER_FILE[kind])) as Record<string, unknown>;
    const same = settings && JSON.stringify({ ...saved, [MARKER_KEY]: undefined }) === JSON.stringify({ ...settings, [MARKER_KEY]: undefined });
    throw new CliError(
      `--out: ${dir} already holds ${settings ? (same ? `a ${what} with these settings` : `a different ${what}`) : `a skipnet ${what}`}; ` +
        (kind === 'run' ? `use --resume ${dir} to continue it, ` : '') +
        `--overwrite to replace it, or --out for a new folder`,
    );
  }
  refuseProtected(dir, '--overwrite');
}

/** Deletes what skipnet writes in a folder of `kind` — its own entries by name, nothing else. */
export function removeWritten(dir: string, kind: FolderKind): void {
  if (!existsSync(dir)) return;
  if (kind === 'run') {
    for (const e of RUN_ENTRIES) rmSync(join(dir, e), { recursive: true, force: true });
    return;
  }
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (COMPARE_FILES.includes(e)) rmSync(p, { force: true });
    else if (isDir(p)) {
      removeWritten(p, 'run');
      if (readdirSync(p).length === 0) rmdirSync(p);
    }
  }
}

/**
 * Undoes a start that failed before anything worth keeping was written: removes skipnet's
 * entries, and the folder itself when this command created it and it is now empty.
 */
export function abandonFolder(dir: string, kind: FolderKind, created: boolean): void {
  removeWritten(dir, kind);
  if (created && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}
