/**
 * VitePress data loaders for the architecture pages: `data/<id>.data.ts` returns the build
 * script's trace of that model, so each page's bundle carries only its own model.
 */
import { readFileSync } from 'node:fs';
import type { ArchData } from './types.js';

export function archLoader(id: string): { watch: string[]; load(files: string[]): ArchData } {
  return {
    watch: [`../.generated/arch/${id}.json`],
    load(files: string[]): ArchData {
      const file = files[0];
      if (!file) throw new Error(`.generated/arch/${id}.json is missing: run \`pnpm --filter @skipnet/docs prepare-site\``);
      return JSON.parse(readFileSync(file, 'utf8')) as ArchData;
    },
  };
}
