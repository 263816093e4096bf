/**
 * Run by the end-to-end test in a child process (so the browser checks go on meanwhile):
 * builds every architecture-page model on the cpu backend, traces it with graph(), and
 * prints `{ id: { skipEdges, nodes } }` as JSON on the last line.
 */
import { graph, manualSeed, registerBackend, setBackend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createModel } from '@skipnet/models';
import { architectures } from '../src/arch/architectures.js';

registerBackend('cpu', createCpuBackend);
await setBackend('cpu');
const out: Record<string, { skipEdges: number; nodes: number }> = {};
for (const a of architectures) {
  manualSeed(0);
  const model = createModel(a.model, a.options as never);
  const g = graph(model, a.input, { dtype: a.dtype ?? 'float32' });
  out[a.id] = { skipEdges: g.skipEdges.length, nodes: g.nodes.length };
  model.dispose();
}
console.log(JSON.stringify(out));
