import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, ReLU, Sequential, Skip, Tap, graph, registerBackend, setBackend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { groupPaths, groupsOf, renderDiagram, type DiagramGraph } from './render.js';

const count = (svg: string, attr: string): number => svg.split(attr).length - 1;

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

describe('diagram renderer', () => {
  it('groups by top-level module, going deeper when one module holds most of the graph', () => {
    expect(groupPaths(['conv1', 'layer1.0.conv1', 'layer1.0', 'layer2.0.conv1', 'fc'])).toEqual(['conv1', 'layer1', 'layer1', 'layer2', 'fc']);
    const gpt = ['transformer.wte', ...Array.from({ length: 20 }, (_, i) => `transformer.h.${i % 2}.attn`), 'lm_head'];
    const paths = groupPaths(gpt);
    expect(paths[1]).toBe('transformer.h.0');
    expect(paths[2]).toBe('transformer.h.1');
  });

  it('draws one data-skip-edge per skip edge of a traced model, long skips included', () => {
    const conv = (): Conv2d => new Conv2d(4, 4, 3, { padding: 1 });
    const tap = new Tap();
    const net = new Sequential({
      stem: conv(),
      tap,
      body: new Sequential(new Skip({ main: { conv: conv(), relu: new ReLU() } }), new Skip({ main: conv(), merge: 'concat' })),
      squeeze: new Conv2d(8, 4, 1),
      long: new Skip({ main: conv(), source: tap }),
    });
    const g = graph(net, [1, 4, 8, 8]);
    expect(g.skipEdges).toHaveLength(3);
    const svg = renderDiagram(g);
    expect(count(svg, 'data-skip-edge=')).toBe(3);
    expect(count(svg, 'data-node=')).toBe(g.nodes.length);
    expect(svg).toContain('data-merge="concat"');
    net.dispose();
  });

  it('collapses a group into its header: skips inside vanish, skips crossing it stay', () => {
    const g: DiagramGraph = {
      nodes: [
        { id: 0, name: 'input', type: 'Input', outputShape: [1, 4], params: 0 },
        { id: 1, name: 'a.x', type: 'Linear', outputShape: [1, 4], params: 20 },
        { id: 2, name: 'a', type: 'Skip(add)', outputShape: [1, 4], params: 0 },
        { id: 3, name: 'b.x', type: 'Linear', outputShape: [1, 4], params: 20 },
        { id: 4, name: 'b', type: 'Skip(add)', outputShape: [1, 4], params: 0 },
      ],
      edges: [
        { from: 0, to: 1 },
        { from: 1, to: 2 },
        { from: 2, to: 3 },
        { from: 3, to: 4 },
      ],
      skipEdges: [
        { from: 0, to: 2, merge: 'add' },
        { from: 2, to: 4, merge: 'add' },
      ],
    };
    expect(groupsOf(g).map((x) => [x.key, x.nodes.length, x.merges])).toEqual([
      ['input', 1, 0],
      ['a', 2, 1],
      ['b', 2, 1],
    ]);
    expect(count(renderDiagram(g), 'data-skip-edge=')).toBe(2);
    expect(count(renderDiagram(g, { collapsed: new Set(['a']) }), 'data-skip-edge=')).toBe(2); // both cross a's border
    const both = renderDiagram(g, { collapsed: new Set(['a', 'b']) });
    expect(count(both, 'data-skip-edge=')).toBe(2);
    expect(count(both, 'data-node=')).toBe(1); // only the input row is left
  });

  it('escapes names', () => {
    const g: DiagramGraph = {
      nodes: [
        { id: 0, name: 'input', type: 'Input', outputShape: [1], params: 0 },
        { id: 1, name: '<x>', type: 'A&B', outputShape: [1, 2], params: 1 },
      ],
      edges: [{ from: 0, to: 1 }],
      skipEdges: [],
    };
    const svg = renderDiagram(g);
    expect(svg).toContain('&lt;x&gt;');
    expect(svg).toContain('A&amp;B');
    expect(svg).not.toContain('<x>');
  });
});
