/**
 * `virtual:skipnet-backends`: lazy loaders for the backend packages that exist in the
 * workspace when the site is built. cpu is always there; wasm and webgl are included once
 * their packages have sources, so the demos' backend picker offers what can be loaded — and
 * then only what initialises in the visitor's browser (see src/demos/backends.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const ID = 'virtual:skipnet-backends';
const RESOLVED = `\0${ID}`;

/** Backend packages the site knows, in the order the picker lists them. */
export const knownBackends = [
  { name: 'webgl', pkg: '@skipnet/backend-webgl', dir: 'packages/backend-webgl' },
  { name: 'wasm', pkg: '@skipnet/backend-wasm', dir: 'packages/backend-wasm' },
  { name: 'cpu', pkg: '@skipnet/backend-cpu', dir: 'packages/backend-cpu' },
] as const;

/** The backends whose package sources exist under `repoRoot`. */
export function availableBackendPackages(repoRoot: string): (typeof knownBackends)[number][] {
  return knownBackends.filter((b) => b.name === 'cpu' || existsSync(path.join(repoRoot, b.dir, 'src', 'index.ts')));
}

export function skipnetBackendsPlugin(repoRoot: string) {
  return {
    name: 'skipnet-backends',
    resolveId(id: string) {
      return id === ID ? RESOLVED : null;
    },
    load(id: string) {
      if (id !== RESOLVED) return null;
      const entries = availableBackendPackages(repoRoot).map((b) => `  ${JSON.stringify(b.name)}: () => import(${JSON.stringify(b.pkg)}),`);
      return `export const backendLoaders = {\n${entries.join('\n')}\n};\n`;
    },
  };
}
