/**
 * Renders a model's traced graph (`graph()` from @skipnet/core) as an SVG string.
 *
 * Layout: one row per node in execution order, top to bottom, grouped into runs of
 * consecutive nodes that share a top-level module (`layer1`, `transformer.h.0`, …); each
 * group has a header row that collapses it to one row. Data-flow edges between neighbouring
 * rows are short arrows; data-flow edges that jump rows (a projection shortcut's input, a
 * decoder reading an encoder) are grey arcs on the left; skip edges are coloured arcs on the
 * right (orange: add, teal: concat, purple: gated/scaled), each marked `data-skip-edge`.
 * Arcs are stacked in lanes so nested skips (U-Net) do not overlap.
 *
 * Pure string building: the build script renders the expanded diagram into the page, and
 * the ArchDiagram component re-renders it in the browser when a group is toggled.
 */

/** The parts of `ModelGraph` the renderer reads (plain JSON, as `graph()` returns). */
export interface DiagramGraph {
  nodes: readonly { id: number; name: string; type: string; outputShape: readonly number[]; params: number }[];
  edges: readonly { from: number; to: number }[];
  skipEdges: readonly { from: number; to: number; merge: string }[];
}

/** A run of consecutive nodes under one module path. */
export interface DiagramGroup {
  /** Unique key: the module path, plus `#k` for its k-th later run. */
  key: string;
  /** Module path shown in the header (`layer1`, `transformer.h.0`). */
  label: string;
  /** Node ids in execution order. */
  nodes: number[];
  /** Skip merges that happen in the group. */
  merges: number;
  /** Parameters of the group's nodes. */
  params: number;
}

export interface RenderOptions {
  /** Group keys to draw collapsed. */
  collapsed?: ReadonlySet<string>;
  /** Used in element ids (several diagrams on one page). */
  idPrefix?: string;
}

const ROW = 22;
const HEADER = 24;
const BOX_X = 64;
const BOX_W = 470;
const LANE = 11;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** `[1, 16, 32, 32]` → `16×32×32` (batch dropped). */
export function formatShape(shape: readonly number[]): string {
  return shape.length <= 1 ? `[${shape.join('×')}]` : shape.slice(1).join('×');
}

/** `1234567` → `1.23M`. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString('en-US');
}

/**
 * The group path of a node name: its first segment, or more while that prefix covers most
 * of the graph (`transformer` → `transformer.h` → `transformer.h.0`). Numeric segments
 * stay attached to the container before them.
 */
export function groupPaths(names: readonly string[]): string[] {
  const n = names.length;
  const depthOf = (name: string, depth: number): string => name.split('.').slice(0, depth).join('.');
  const result = names.map((name) => depthOf(name, 1));
  for (let depth = 1; depth < 6; depth++) {
    const counts = new Map<string, number>();
    for (const r of result) counts.set(r, (counts.get(r) ?? 0) + 1);
    let changed = false;
    names.forEach((name, i) => {
      const cur = result[i]!;
      if ((counts.get(cur) ?? 0) > Math.max(8, n * 0.5) && name.split('.').length > depth) {
        let next = depthOf(name, depth + 1);
        // `transformer.h` alone says little: take the block index with it.
        if (/^\d+$/.test(name.split('.')[depth + 1] ?? '') && /^[a-z_]+$/i.test(name.split('.')[depth] ?? '')) next = depthOf(name, depth + 2);
        result[i] = next;
        changed = true;
      }
    });
    if (!changed) break;
  }
  return result;
}

/** Groups of consecutive nodes (node 0, the input, is its own group). */
export function groupsOf(g: DiagramGraph): DiagramGroup[] {
  const paths = groupPaths(g.nodes.map((nd) => (nd.id === 0 ? 'input' : nd.name || '(root)')));
  const groups: DiagramGroup[] = [];
  const seen = new Map<string, number>();
  g.nodes.forEach((nd, i) => {
    const label = paths[i]!;
    const last = groups[groups.length - 1];
    if (last && last.label === label) {
      last.nodes.push(nd.id);
      last.params += nd.params;
      return;
    }
    const k = seen.get(label) ?? 0;
    seen.set(label, k + 1);
    groups.push({ key: k === 0 ? label : `${label}#${k}`, label, nodes: [nd.id], merges: 0, params: nd.params });
  });
  const groupOf = new Map<number, DiagramGroup>();
  for (const gr of groups) for (const id of gr.nodes) groupOf.set(id, gr);
  for (const to of new Set(g.skipEdges.map((e) => e.to))) {
    const gr = groupOf.get(to);
    if (gr) gr.merges++;
  }
  return groups;
}

interface Arc {
  y1: number;
  y2: number;
  lane: number;
}

/** Assigns lanes so that overlapping arcs get different lanes (shorter arcs nearer the boxes). */
function assignLanes<T extends { y1: number; y2: number }>(arcs: T[]): (T & Arc)[] {
  const sorted = [...arcs].sort((a, b) => a.y2 - a.y1 - (b.y2 - b.y1) || a.y1 - b.y1);
  const lanes: { y1: number; y2: number }[][] = [];
  return sorted.map((a) => {
    let lane = 0;
    while (lanes[lane]?.some((o) => !(a.y2 <= o.y1 || a.y1 >= o.y2))) lane++;
    (lanes[lane] ??= []).push(a);
    return { ...a, lane };
  });
}

function mergeClass(merge: string): string {
  return merge === 'add' ? 'add' : merge === 'concat' ? 'concat' : 'other';
}

/** Renders the diagram; see the module comment for the layout. */
export function renderDiagram(g: DiagramGraph, options: RenderOptions = {}): string {
  const collapsed = options.collapsed ?? new Set<string>();
  const prefix = options.idPrefix ?? 'd';
  const groups = groupsOf(g);
  const byId = new Map(g.nodes.map((nd) => [nd.id, nd] as const));
  const mergeIds = new Set(g.skipEdges.map((e) => e.to));
  const rowY = new Map<number, number>(); // node id → centre y of the row that shows it
  const visible = new Map<number, boolean>();
  const parts: string[] = [];
  let y = 8;

  for (const gr of groups) {
    const single = gr.nodes.length === 1;
    const isCollapsed = !single && collapsed.has(gr.key);
    if (!single) {
      const cy = y + HEADER / 2;
      const layers = gr.nodes.length;
      const summary = `${layers} node${layers === 1 ? '' : 's'}${gr.merges ? ` · ${gr.merges} skip${gr.merges === 1 ? '' : 's'}` : ''} · ${formatCount(gr.params)} params`;
      parts.push(
        `<g class="dg-header${isCollapsed ? ' is-collapsed' : ''}" data-group="${esc(gr.key)}" role="button" tabindex="0" aria-expanded="${!isCollapsed}">` +
          `<rect x="${BOX_X - 8}" y="${y + 2}" width="${BOX_W + 16}" height="${HEADER - 4}" rx="4"/>` +
          `<text x="${BOX_X}" y="${cy + 4}" class="dg-toggle">${isCollapsed ? '▸' : '▾'}</text>` +
          `<text x="${BOX_X + 16}" y="${cy + 4}" class="dg-group-label">${esc(clip(gr.label, 40))}</text>` +
          `<text x="${BOX_X + BOX_W}" y="${cy + 4}" class="dg-group-summary" text-anchor="end">${esc(summary)}</text>` +
          `</g>`,
      );
      if (isCollapsed) for (const id of gr.nodes) rowY.set(id, cy);
      y += HEADER;
      if (isCollapsed) {
        for (const id of gr.nodes) visible.set(id, false);
        continue;
      }
    }
    for (const id of gr.nodes) {
      const nd = byId.get(id)!;
      const cy = y + ROW / 2;
      rowY.set(id, cy);
      visible.set(id, true);
      const isMerge = mergeIds.has(id);
      const kind = isMerge ? mergeClass(/\((\w+)\)$/.exec(nd.type)?.[1] ?? 'add') : '';
      const name = id === 0 ? 'input' : nd.name || '(root)';
      const shown = single || !nd.name.startsWith(`${gr.label}.`) ? name : nd.name.slice(gr.label.length + 1);
      const title = `${name}: ${nd.type} → [${nd.outputShape.join(', ')}], ${nd.params.toLocaleString('en-US')} params`;
      parts.push(
        `<g class="dg-node${isMerge ? ` dg-merge dg-${kind}` : ''}${id === 0 ? ' dg-input' : ''}" data-node="${id}">` +
          `<title>${esc(title)}</title>` +
          `<rect x="${BOX_X}" y="${y + 2}" width="${BOX_W}" height="${ROW - 4}" rx="${isMerge ? 9 : 3}"/>` +
          (isMerge ? `<text x="${BOX_X + 10}" y="${cy + 4}" class="dg-merge-sym" text-anchor="middle">${kind === 'concat' ? '‖' : '+'}</text>` : '') +
          `<text x="${BOX_X + 20}" y="${cy + 4}" class="dg-name">${esc(clip(shown, 27))}</text>` +
          `<text x="${BOX_X + 204}" y="${cy + 4}" class="dg-type">${esc(clip(nd.type, 21))}</text>` +
          `<text x="${BOX_X + 352}" y="${cy + 4}" class="dg-shape">${esc(clip(formatShape(nd.outputShape), 14))}</text>` +
          `<text x="${BOX_X + BOX_W - 6}" y="${cy + 4}" class="dg-params" text-anchor="end">${nd.params ? esc(formatCount(nd.params)) : ''}</text>` +
          `</g>`,
      );
      y += ROW;
    }
  }
  const height = y + 8;

  // Data-flow edges, after mapping collapsed nodes onto their header row.
  const rowCentres = [...new Set(rowY.values())];
  const short: string[] = [];
  const longArcs: { y1: number; y2: number; from: number; to: number }[] = [];
  const seenEdge = new Set<string>();
  for (const e of g.edges) {
    const y1 = rowY.get(e.from);
    const y2 = rowY.get(e.to);
    if (y1 === undefined || y2 === undefined || y1 === y2) continue;
    const key = `${y1}:${y2}`;
    if (seenEdge.has(key)) continue;
    seenEdge.add(key);
    // Neighbouring rows (a group header in between is fine): a short arrow down the box's
    // left side. Anything that skips a row is an arc, so it is never hidden behind a box.
    const between = rowCentres.some((c) => c > Math.min(y1, y2) && c < Math.max(y1, y2));
    if (y2 > y1 && !between) short.push(`<line class="dg-flow" x1="${BOX_X + 6}" y1="${y1 + ROW / 2 - 2}" x2="${BOX_X + 6}" y2="${y2 - ROW / 2 + 2}"/>`);
    else longArcs.push({ y1: Math.min(y1, y2), y2: Math.max(y1, y2), from: e.from, to: e.to });
  }
  const flowArcs = assignLanes(longArcs).map((a) => {
    const x = BOX_X - 10 - a.lane * 8;
    return `<path class="dg-flow-arc" d="M${BOX_X} ${a.y1} C${x} ${a.y1}, ${x} ${a.y1}, ${x} ${a.y1 + 6} L${x} ${a.y2 - 6} C${x} ${a.y2}, ${x} ${a.y2}, ${BOX_X} ${a.y2}" marker-end="url(#${prefix}-arrow-flow)"/>`;
  });

  // Skip edges: every one drawn, unless both ends are hidden in one collapsed group.
  const skipArcs: { y1: number; y2: number; from: number; to: number; merge: string }[] = [];
  for (const e of g.skipEdges) {
    const y1 = rowY.get(e.from);
    const y2 = rowY.get(e.to);
    if (y1 === undefined || y2 === undefined) continue;
    if (y1 === y2 && !visible.get(e.from) && !visible.get(e.to)) continue;
    skipArcs.push({ y1: Math.min(y1, y2), y2: Math.max(y1, y2), from: e.from, to: e.to, merge: e.merge });
  }
  const laned = assignLanes(skipArcs);
  const maxLane = laned.reduce((m, a) => Math.max(m, a.lane), 0);
  const right = BOX_X + BOX_W;
  const skipPaths = laned.map((a) => {
    const x = right + 14 + a.lane * LANE;
    const kind = mergeClass(a.merge);
    const from = byId.get(a.from)!;
    const to = byId.get(a.to)!;
    return (
      `<path class="dg-skip dg-${kind}" data-skip-edge="${a.from}-${a.to}" data-merge="${esc(a.merge)}" ` +
      `d="M${right} ${a.y1} C${x} ${a.y1}, ${x} ${a.y1}, ${x} ${a.y1 + 8} L${x} ${a.y2 - 8} C${x} ${a.y2}, ${x} ${a.y2}, ${right + 3} ${a.y2}" ` +
      `marker-end="url(#${prefix}-arrow-${kind})"><title>${esc(`skip (${a.merge}): ${from.id === 0 ? 'input' : from.name} → ${to.name}`)}</title></path>`
    );
  });
  const width = right + 30 + (maxLane + 1) * LANE;
  const marker = (kind: string) =>
    `<marker id="${prefix}-arrow-${kind}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0 0 L8 4 L0 8 z" class="dg-arrow-${kind}"/></marker>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="dg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="Model graph: ${g.nodes.length} nodes, ${g.skipEdges.length} skip connections" data-skip-total="${g.skipEdges.length}">` +
    `<defs>${marker('flow')}${marker('add')}${marker('concat')}${marker('other')}</defs>` +
    `<g class="dg-edges">${short.join('')}${flowArcs.join('')}</g>` +
    parts.join('') +
    `<g class="dg-skips">${skipPaths.join('')}</g>` +
    `</svg>`
  );
}
