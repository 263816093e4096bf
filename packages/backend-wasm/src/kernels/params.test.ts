/**
 * The parameter-block tables of params.ts against the `@unmanaged` classes in assembly/ that
 * read them: same fields, same order, same types. A block reordered, renamed or retyped on one
 * side only fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PARAM_BLOCKS } from './params.js';

const assemblyDir = fileURLToPath(new URL('../../assembly/', import.meta.url));

/** Every `@unmanaged` class in assembly/*.ts: its fields as [name, type], in order. */
function unmanagedClasses(): Map<string, { file: string; fields: [string, string][] }> {
  const out = new Map<string, { file: string; fields: [string, string][] }>();
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith('.ts'))) {
    const src = readFileSync(assemblyDir + file, 'utf8');
    for (const m of src.matchAll(/@unmanaged\s+(?:export\s+)?class\s+(\w+)\s*\{([^}]*)\}/g)) {
      const body = m[2]!.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      const fields = [...body.matchAll(/(\w+)\s*:\s*(\w+)\s*;/g)].map((f) => [f[1]!, f[2]!] as [string, string]);
      expect(out.has(m[1]!), `class ${m[1]} declared twice`).toBe(false);
      out.set(m[1]!, { file, fields });
    }
  }
  return out;
}

describe('parameter blocks: TypeScript writer ↔ AssemblyScript reader', () => {
  const classes = unmanagedClasses();

  it('finds the AssemblyScript classes', () => {
    expect(classes.size).toBeGreaterThanOrEqual(12);
  });

  it('has a table for every @unmanaged class, and a class for every table', () => {
    expect([...classes.keys()].sort()).toEqual(PARAM_BLOCKS.map((b) => b.struct).sort());
  });

  for (const block of PARAM_BLOCKS) {
    it(`${block.struct}: same slots in the same order`, () => {
      const cls = classes.get(block.struct);
      expect(cls, `no @unmanaged class ${block.struct} in assembly/`).toBeDefined();
      expect(Object.entries(block.slots)).toEqual(cls!.fields);
      // Every slot is 4 bytes: the writer's slot i is the class's field i.
      for (const [, type] of cls!.fields) expect(['i32', 'f32']).toContain(type);
    });
  }

  it('names every slot (no positional p0/p1/p2)', () => {
    for (const block of PARAM_BLOCKS) {
      for (const name of Object.keys(block.slots)) expect(name).not.toMatch(/^p\d$/);
    }
  });
});
