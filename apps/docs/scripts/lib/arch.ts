/**
 * Traces every model of src/arch/architectures.ts on the cpu backend — `graph()` for the
 * diagram, `summary()` for the parameter table — and renders the expanded diagram SVG.
 * Results are cached in .generated/arch/ under a hash of the model list and of the core and
 * models sources, so a rebuild only re-traces after the code changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { graph, manualSeed, registerBackend, setBackend, summary } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createModel, modelInfo } from '@skipnet/models';
import { architectures, type ArchModel } from '../../src/arch/architectures.js';
import type { ArchData } from '../../src/arch/types.js';
import { renderDiagram } from '../../src/diagram/render.js';

function sourcesHash(dirs: string[], extra: string): string {
  const h = createHash('sha256').update(extra);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) h.update(p).update(readFileSync(p));
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return h.digest('hex').slice(0, 16);
}

/** Builds, traces and disposes one model (cpu backend must be active). */
export function traceArchitecture(a: ArchModel): Omit<ArchData, 'hash'> {
  manualSeed(0);
  const model = createModel(a.model, a.options as never);
  try {
    const opts = { dtype: a.dtype ?? 'float32' } as const;
    const g = graph(model, a.input, opts);
    const s = summary(model, a.input, opts);
    return {
      id: a.id,
      model: a.model,
      options: a.options,
      input: a.input,
      caption: a.caption,
      description: modelInfo(a.model).description,
      graph: g,
      summary: s,
      svg: renderDiagram(g, { idPrefix: a.id }),
    };
  } finally {
    model.dispose();
  }
}

export async function generateArchitectures(repoRoot: string, outDir: string, log: (s: string) => void): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const hash = sourcesHash(
    [path.join(repoRoot, 'packages/core/src'), path.join(repoRoot, 'packages/models/src'), path.join(repoRoot, 'apps/docs/src/diagram')],
    JSON.stringify(architectures),
  );
  const todo = architectures.filter((a) => {
    const file = path.join(outDir, `${a.id}.json`);
    if (!existsSync(file)) return true;
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as ArchData).hash !== hash;
    } catch {
      return true;
    }
  });
  if (!todo.length) {
    log(`architectures: ${architectures.length} cached`);
    return;
  }
  registerBackend('docs-cpu', createCpuBackend);
  await setBackend('docs-cpu');
  for (const a of todo) {
    const t = performance.now();
    const data: ArchData = { ...traceArchitecture(a), hash };
    writeFileSync(path.join(outDir, `${a.id}.json`), JSON.stringify(data));
    writeFileSync(path.join(outDir, `${a.id}.svg`), data.svg);
    log(
      `architectures: ${a.id} — ${data.graph.nodes.length} nodes, ${data.graph.skipEdges.length} skip edges, ${data.summary.totalParams.toLocaleString('en-US')} params (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
}
