/**
 * The kernel tables of the Backend interface as markdown, read from
 * packages/core/src/backend/types.ts with the TypeScript parser: one row per kernel with its
 * inputs, attributes, output and TSDoc — so the backends page cannot drift from the contract.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface KernelRow {
  name: string;
  inputs: string;
  attrs: string;
  output: string;
  doc: string;
}

function docOf(node: ts.Node, sf: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => sf.text.slice(r.pos, r.pos + 3) === '/**').pop();
  if (!last) return '';
  return sf.text
    .slice(last.pos + 3, last.end - 2)
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\{@link ([\w.]+)\}/g, '`$1`');
}

function compact(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/;\s*}/g, ' }').replace(/<H>/g, '').trim();
}

/** Rows of one spec interface (`RequiredKernelSpecs` or `OptionalKernelSpecs`). */
export function kernelRows(typesFile: string, interfaceName: string): KernelRow[] {
  const sf = ts.createSourceFile(typesFile, readFileSync(typesFile, 'utf8'), ts.ScriptTarget.Latest, true);
  const decl = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === interfaceName);
  if (!decl) throw new Error(`${typesFile}: interface ${interfaceName} not found`);
  return decl.members.filter(ts.isPropertySignature).map((m) => {
    const lit = m.type && ts.isTypeLiteralNode(m.type) ? m.type : null;
    const part = (key: string): string => {
      const p = lit?.members.find((x): x is ts.PropertySignature => ts.isPropertySignature(x) && x.name.getText(sf) === key);
      return p?.type ? compact(p.type.getText(sf)) : '';
    };
    return { name: m.name.getText(sf), inputs: part('inputs'), attrs: part('attrs'), output: part('output'), doc: docOf(m, sf) };
  });
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string): string => (s && s !== 'Record<string, never>' ? `<code>${cell(s).replace(/</g, '&lt;').replace(/>/g, '&gt;')}</code>` : '—');

/** Markdown for the backends page: required and optional kernel tables. */
export function kernelTablesMarkdown(typesFile: string): string {
  const signature = (r: KernelRow): string =>
    [`inputs ${code(r.inputs)}`, r.attrs && r.attrs !== 'Record<string, never>' ? `attrs ${code(r.attrs)}` : '', `→ ${code(r.output)}`]
      .filter(Boolean)
      .join('<br>');
  const table = (rows: KernelRow[]): string =>
    ['| kernel | signature | contract |', '|---|---|---|', ...rows.map((r) => `| \`${r.name}\` | ${signature(r)} | ${cell(r.doc)} |`)].join('\n');
  const req = kernelRows(typesFile, 'RequiredKernelSpecs');
  const opt = kernelRows(typesFile, 'OptionalKernelSpecs');
  return [
    `<!-- generated from packages/core/src/backend/types.ts by apps/docs/scripts/lib/kernels.ts -->`,
    `### Required kernels (${req.length})`,
    '',
    table(req),
    '',
    `### Optional kernels (${opt.length})`,
    '',
    'Each has a composite default in core; a backend that supplies one is used instead, with no change to core.',
    '',
    table(opt),
    '',
  ].join('\n');
}
