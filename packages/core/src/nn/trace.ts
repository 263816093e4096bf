/**
 * Model introspection by tracing: `summary` and `graph` run one real forward on a zero input
 * and record what passes through `Module.call` — no hand-written description per model.
 * Edges between layers are recovered through functional ops (a `flatten` or `add` in a
 * model's own forward) by walking the autograd record back to the nearest layer output.
 */
import type { DType } from '../backend/types.js';
import { tidy, withGrad } from '../engine.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { zeros } from '../ops/index.js';
import { Module, setTraceSink, type MergeEvent, type TraceSink } from './module.js';

/** One traced layer (or skip merge) of {@link summary}. */
export interface SummaryRow {
  /** Dotted module path (`layer1.0.conv1`); a merge carries its Skip's path. */
  readonly name: string;
  /** Class name; merges read `Skip(add)`, `BasicBlock(add)`, …. */
  readonly type: string;
  readonly outputShape: number[];
  /** Parameter elements of the layer (a merge: its own α only). */
  readonly params: number;
  /** Multiply-adds of this call (convolutions, linear layers, attention, gated/scaled merges). */
  readonly multiplyAdds: number;
}

/** Result of {@link summary}: JSON-serialisable. */
export interface ModelSummary {
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** One row per call of a leaf layer, plus one per skip merge, in execution order. */
  readonly rows: SummaryRow[];
  /** Parameter elements of the model (each shared tensor once; unused ones included). */
  readonly totalParams: number;
  /** Of which `requiresGrad`. */
  readonly trainableParams: number;
  /** Sum of the rows' multiply-adds. */
  readonly totalMultiplyAdds: number;
  /** Skip connections that merged during the forward (plain twins: 0). */
  readonly skips: number;
}

/** A node of {@link graph}: the input, a layer call, or a skip merge. */
export interface GraphNode {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly outputShape: number[];
  readonly params: number;
}

/** Data flows from node `from` to node `to`. */
export interface GraphEdge {
  readonly from: number;
  readonly to: number;
}

/** A bypass: from the node whose output enters the shortcut to the merge node. */
export interface SkipEdge extends GraphEdge {
  readonly merge: string;
}

/**
 * Result of {@link graph}: plain JSON. `edges` are the data-flow edges between nodes
 * (including those through a projection shortcut such as `downsample`); `skipEdges` has one
 * entry per merge and per node feeding its shortcut — for an identity shortcut it is the
 * only edge drawn for the bypass.
 */
export interface ModelGraph {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  readonly skipEdges: SkipEdge[];
}

/** Options of {@link summary} and {@link graph}. */
export interface TraceOptions {
  /** Input dtype (default float32; int32 for token ids). */
  dtype?: DType;
}

function count(m: Module): number {
  return m.parameters().reduce((n, p) => n + p.size, 0);
}

function tensorsIn(values: readonly unknown[]): Tensor[] {
  const out: Tensor[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Tensor) out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  values.forEach(visit);
  return out;
}

class Recorder implements TraceSink {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  readonly skipEdges: SkipEdge[] = [];
  readonly rows: SummaryRow[] = [];
  skips = 0;
  readonly #paths = new Map<Module, string>();
  readonly #producer = new Map<number, number>();
  readonly #stack: string[] = [];
  #leafDepth = 0;

  constructor(model: Module, input: Tensor) {
    for (const v of model.walk({ hidden: true })) this.#paths.set(v.module, v.path);
    this.nodes.push({ id: 0, name: 'input', type: 'Input', outputShape: [...input.shape], params: 0 });
    this.#producer.set(input.id, 0);
  }

  #path(m: Module): string {
    const known = this.#paths.get(m);
    if (known !== undefined) return known;
    const parent = this.#stack[this.#stack.length - 1];
    return parent ? `${parent}.${m.constructor.name}` : m.constructor.name;
  }

  /** Nodes whose outputs `t` was computed from, following the autograd record through functional ops. */
  #sources(t: Tensor): number[] {
    const found = new Set<number>();
    const seen = new Set<number>();
    const stack = [t];
    while (stack.length) {
      const cur = stack.pop()!;
      if (seen.has(cur.id)) continue;
      seen.add(cur.id);
      const p = this.#producer.get(cur.id);
      if (p !== undefined) found.add(p);
      else for (const i of cur.gradNode?.inputs ?? []) stack.push(i);
    }
    return [...found].sort((a, b) => a - b);
  }

  #edgesTo(to: number, inputs: readonly Tensor[]): void {
    const from = new Set<number>();
    for (const t of inputs) for (const f of this.#sources(t)) from.add(f);
    for (const f of from) this.edges.push({ from: f, to });
  }

  #produce(t: Tensor, id: number): void {
    // A layer returning its input unchanged does not take over that tensor's origin.
    if (!this.#producer.has(t.id)) this.#producer.set(t.id, id);
  }

  call(module: Module, args: readonly unknown[], run: () => Tensor): Tensor {
    const role = module.traceRole();
    if (this.#leafDepth > 0 || role === 'none') return run();
    const path = this.#path(module);
    this.#stack.push(path);
    if (role === 'container') {
      try {
        return run();
      } finally {
        this.#stack.pop();
      }
    }
    let out: Tensor;
    this.#leafDepth++;
    try {
      out = run();
    } finally {
      this.#leafDepth--;
      this.#stack.pop();
    }
    const inputs = tensorsIn(args);
    const id = this.nodes.length;
    const params = count(module);
    const type = module.constructor.name;
    this.nodes.push({ id, name: path, type, outputShape: [...out.shape], params });
    this.#edgesTo(id, inputs);
    this.#produce(out, id);
    this.rows.push({ name: path, type, outputShape: [...out.shape], params, multiplyAdds: module.multiplyAdds(inputs, out) });
    return out;
  }

  merge(module: Module, e: MergeEvent): void {
    if (this.#leafDepth > 0) return;
    const id = this.nodes.length;
    const name = this.#path(module);
    const type = `${module.constructor.name}(${e.merge})`;
    this.nodes.push({ id, name, type, outputShape: [...e.output.shape], params: e.params });
    this.#edgesTo(id, e.inputs);
    for (const from of this.#sources(e.source)) this.skipEdges.push({ from, to: id, merge: e.merge });
    this.#produce(e.output, id);
    this.rows.push({ name, type, outputShape: [...e.output.shape], params: e.params, multiplyAdds: e.multiplyAdds });
    this.skips++;
  }
}

function run<T>(model: Module, inputShape: Shape, options: TraceOptions, grad: boolean, collect: (r: Recorder, out: Tensor) => T): T {
  // Trace in eval mode (no batch-statistics updates, no dropout) and restore every flag after.
  const modes = model.walk({ hidden: true }).map((v) => [v.module, v.module.training] as const);
  model.eval();
  try {
    return tidy(() => {
      const input = zeros(inputShape, { dtype: options.dtype ?? 'float32' });
      // With gradients recorded, edges can be followed through functional ops.
      if (grad && input.dtype === 'float32') input.requiresGrad = true;
      const recorder = new Recorder(model, input);
      const previous = setTraceSink(recorder);
      try {
        const out = withGrad(grad, () => model.call(input));
        return collect(recorder, out);
      } finally {
        setTraceSink(previous);
      }
    });
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/**
 * Runs `model` once on zeros of `inputShape` (eval mode, no gradients; training flags are
 * restored) and reports one row per leaf-layer call and per skip merge — name, type, output
 * shape, parameters, multiply-adds — with totals and the number of skip connections.
 */
export function summary(model: Module, inputShape: Shape, options: TraceOptions = {}): ModelSummary {
  return run(model, inputShape, options, false, (r, out) => {
    const params = model.parameters();
    return {
      inputShape: [...inputShape],
      outputShape: [...out.shape],
      rows: r.rows,
      totalParams: params.reduce((n, p) => n + p.size, 0),
      trainableParams: params.reduce((n, p) => n + (p.requiresGrad ? p.size : 0), 0),
      totalMultiplyAdds: r.rows.reduce((n, row) => n + row.multiplyAdds, 0),
      skips: r.skips,
    };
  });
}

/**
 * The model as a graph, traced from one forward on zeros of `inputShape`: node 0 is the
 * input, then one node per leaf-layer call and per skip merge in execution order; `edges`
 * follow the data (through functional ops too) and `skipEdges` mark each bypass.
 */
export function graph(model: Module, inputShape: Shape, options: TraceOptions = {}): ModelGraph {
  return run(model, inputShape, options, true, (r) => ({ nodes: r.nodes, edges: r.edges, skipEdges: r.skipEdges }));
}

/** A fixed-width text table of a {@link summary} (for logs and the CLI). */
export function formatSummary(s: ModelSummary): string {
  const header = ['Layer', 'Type', 'Output shape', 'Params', 'Mult-adds'];
  const body = s.rows.map((r) => [
    r.name || '(root)',
    r.type,
    `[${r.outputShape.join(', ')}]`,
    r.params.toLocaleString('en-US'),
    r.multiplyAdds.toLocaleString('en-US'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Input [${s.inputShape.join(', ')}] → output [${s.outputShape.join(', ')}]`,
    `Total params: ${s.totalParams.toLocaleString('en-US')} (trainable ${s.trainableParams.toLocaleString('en-US')})`,
    `Total mult-adds: ${s.totalMultiplyAdds.toLocaleString('en-US')}`,
    `Skip connections: ${s.skips}`,
  ].join('\n');
}
