/**
 * The API reference: TypeDoc + typedoc-plugin-markdown over every package's public entry
 * points, written to docs/api/ (git-ignored) for VitePress to render. Nothing there is
 * written by hand; the pages come from the packages' TSDoc.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Application, Converter, ReflectionKind, type DeclarationReflection, type Context } from 'typedoc';

const SOURCE_SCHEME = 'skipnet-source:';

/**
 * "Defined in" lines link to the source repository when its URL is known
 * (`SKIPNET_SOURCE_URL`, as for the site's other links to code), and are plain text otherwise.
 */
function linkSources(dir: string): void {
  const base = process.env.SKIPNET_SOURCE_URL?.replace(/\/$/, '');
  const pattern = new RegExp(`\\[([^\\]]+)\\]\\(${SOURCE_SCHEME}([^)#]+)(#L\\d+)?\\)`, 'g');
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) linkSources(file);
    else if (name.endsWith('.md')) {
      const text = readFileSync(file, 'utf8');
      const out = text.replace(pattern, (_m, label: string, p: string, line = '') => (base ? `[${label}](${base}/${p}${line})` : `\`packages/${label}\``));
      if (out !== text) writeFileSync(file, out);
    }
  }
}

export interface ApiEntry {
  /** Import specifier, e.g. `@skipnet/core/testing`. */
  name: string;
  /** Absolute path of the entry file. */
  file: string;
}

/** Public entry points of every package: the `source` file of each `exports` condition. */
export function apiEntries(repoRoot: string): ApiEntry[] {
  const out: ApiEntry[] = [];
  for (const dir of ['core', 'backend-cpu', 'backend-wasm', 'backend-webgl', 'data', 'models', 'train']) {
    const pkgFile = path.join(repoRoot, 'packages', dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; exports?: Record<string, { source?: string }> };
    for (const [sub, cond] of Object.entries(pkg.exports ?? {})) {
      if (!cond.source) continue;
      const file = path.join(repoRoot, 'packages', dir, cond.source);
      if (existsSync(file)) out.push({ name: sub === '.' ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, '')}`, file });
    }
  }
  return out;
}

/** Runs TypeDoc; returns the number of documented modules. Throws on TypeDoc errors. */
export async function generateApi(appDir: string, repoRoot: string, outDir: string): Promise<number> {
  const entries = apiEntries(repoRoot);
  rmSync(outDir, { recursive: true, force: true });
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((e) => e.file),
    entryPointStrategy: 'resolve',
    tsconfig: path.join(appDir, 'tsconfig.api.json'),
    plugin: ['typedoc-plugin-markdown'],
    out: outDir,
    readme: 'none',
    name: 'skipnet API',
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    skipErrorChecking: true,
    logLevel: 'Warn',
    // "Defined in" names the file and line; see linkSources below.
    disableGit: true,
    sourceLinkTemplate: `${SOURCE_SCHEME}packages/{path}#L{line}`,
    outputFileStrategy: 'members',
    membersWithOwnFile: ['Class', 'Interface', 'Enum'],
    validation: { notExported: false, invalidLink: false, rewrittenLink: false },
    // typedoc-plugin-markdown
    entryFileName: 'index',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    classPropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    sanitizeComments: true,
  } as Parameters<typeof Application.bootstrapWithPlugins>[0]);
  // Name each module after its import specifier rather than its file path.
  const byFile = new Map(entries.map((e) => [path.resolve(e.file), e.name]));
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_ctx: Context, refl: DeclarationReflection) => {
    if (!refl.kindOf(ReflectionKind.Module)) return;
    const file = refl.sources?.[0]?.fullFileName;
    const named = file ? byFile.get(path.resolve(file)) : undefined;
    if (named) refl.name = named;
  });
  // Inherited members are documented once, on the class that declares them: a layer's page
  // lists its own members and links to Module, instead of repeating Module's thirty.
  app.converter.on(Converter.EVENT_RESOLVE_END, (ctx: Context) => {
    for (const refl of ctx.project.getReflectionsByKind(ReflectionKind.Class | ReflectionKind.Interface)) {
      for (const child of [...((refl as DeclarationReflection).children ?? [])]) {
        if (child.inheritedFrom && !child.overwrites) ctx.project.removeReflection(child);
      }
    }
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages (see the messages above)');
  await app.generateOutputs(project);
  // Modules are named `@skipnet/<pkg>`, which the plugin writes under `@skipnet/`: lift them to
  // docs/api/<pkg>/ (links between modules are relative and stay valid) and fix the index.
  const scoped = path.join(outDir, '@skipnet');
  if (existsSync(scoped)) {
    for (const name of readdirSync(scoped)) renameSync(path.join(scoped, name), path.join(outDir, name));
    rmSync(scoped, { recursive: true });
    const index = path.join(outDir, 'index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace(/\]\(@skipnet\//g, '](./'));
  }
  linkSources(outDir);
  return entries.length;
}
