import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';
import { isolationHeaders, isolationHeadersPlugin } from '../src/headers.js';
import { repoLinks } from '../src/markdown/repo-links.js';
import { skipnetBackendsPlugin } from '../src/vite/backends-plugin.js';
import { resolveFromApp } from '../src/vite/resolve-from-app.js';

const appDir = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const repoRoot = path.resolve(appDir, '../..');
/** The site renders the repository's docs/ folder in place (no copy step); see docs/site.md. */
const srcDir = path.join(repoRoot, 'docs');

/** Titles of the markdown files in `dir` (first `# ` heading, else the file name). */
function pagesIn(dir: string, base: string): DefaultTheme.SidebarItem[] {
  const abs = path.join(srcDir, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => f.endsWith('.md') && f !== 'index.md' && f !== 'README.md')
    .sort()
    .map((f) => {
      const text = readFileSync(path.join(abs, f), 'utf8');
      const title = /^#\s+(.+)$/m.exec(text)?.[1]?.replace(/`/g, '') ?? f.replace(/\.md$/, '');
      return { text: title, link: `${base}/${f.replace(/\.md$/, '')}` };
    });
}

/**
 * Sidebar of the generated API reference (docs/api, written by TypeDoc at build time): one
 * entry per module. Each module's index page lists its classes, interfaces and functions;
 * listing all of them here would put hundreds of links on every API page.
 */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const apiDir = path.join(srcDir, 'api');
  if (!existsSync(apiDir)) return [{ text: 'Run `pnpm --filter @skipnet/docs build` to generate', link: '/api/' }];
  const modules: DefaultTheme.SidebarItem[] = [];
  const visit = (rel: string): void => {
    const dir = path.join(apiDir, rel);
    if (rel && existsSync(path.join(dir, 'index.md'))) modules.push({ text: `@skipnet/${rel}`, link: `/api/${rel}/` });
    for (const d of readdirSync(dir).sort()) {
      if (!statSync(path.join(dir, d)).isDirectory() || kinds.has(d)) continue;
      visit(rel ? `${rel}/${d}` : d);
    }
  };
  const kinds = new Set(['classes', 'interfaces', 'functions', 'type-aliases', 'variables', 'namespaces', 'enumerations']);
  visit('');
  return [{ text: 'API reference', items: [{ text: 'Overview', link: '/api/' }, ...modules] }];
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Concepts: skip connections', link: '/guide/concepts' },
      { text: 'Backends', link: '/guide/backends' },
      { text: 'Benchmarks', link: '/guide/benchmarks' },
      { text: 'About this site', link: '/site' },
    ],
  },
  {
    text: 'Architectures',
    items: [
      { text: 'ResNet', link: '/architectures/resnet' },
      { text: 'Pre-activation ResNet', link: '/architectures/preact-resnet' },
      { text: 'Wide-ResNet', link: '/architectures/wide-resnet' },
      { text: 'ResNeXt', link: '/architectures/resnext' },
      { text: 'DenseNet', link: '/architectures/densenet' },
      { text: 'FCN-8s', link: '/architectures/fcn' },
      { text: 'U-Net', link: '/architectures/unet' },
      { text: 'FPN', link: '/architectures/fpn' },
      { text: 'FPN for detection', link: '/architectures/fpn-detection' },
      { text: 'Transformer, GPT, ViT', link: '/architectures/transformer' },
    ],
  },
  {
    text: 'Live demos',
    items: [
      { text: 'Plain vs residual', link: '/demos/plain-vs-residual' },
      { text: 'U-Net on shapes', link: '/demos/unet-shapes' },
      { text: 'A character GPT on names', link: '/demos/names-gpt' },
      { text: 'Detection: the lateral skips', link: '/demos/detection' },
    ],
  },
  { text: 'Design notes', collapsed: true, items: pagesIn('design', '/design') },
];

export default defineConfig({
  title: 'skipnet',
  description: 'A TypeScript deep-learning library about skip connections',
  srcDir,
  // Renders docs/ as it is in the repository; docs/benchmarks.md (written by `pnpm bench`)
  // is shown through /guide/benchmarks, which includes it.
  srcExclude: ['benchmarks.md', '**/README.md'],
  cleanUrls: false,
  lastUpdated: false,
  ignoreDeadLinks: [/^\/api\//],
  head: [
    ['meta', { name: 'theme-color', content: '#e8590c' }],
    // An inline icon: a block with its skip arc (no file to serve, no 404).
    [
      'link',
      {
        rel: 'icon',
        type: 'image/svg+xml',
        href: `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="4" y="11" width="14" height="10" rx="2" fill="#5c7cfa"/><path d="M6 11 C6 2, 26 2, 26 11 L26 21" fill="none" stroke="#e8590c" stroke-width="3"/><circle cx="26" cy="24" r="4" fill="#e8590c"/></svg>')}`,
      },
    ],
  ],
  markdown: {
    // LaTeX in $…$ and $$…$$, rendered to SVG at build time (markdown-it-mathjax3).
    math: true,
    config: (md) => repoLinks(md, { srcDir, repoRoot }),
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '^/guide/' },
      { text: 'Architectures', link: '/architectures/resnet', activeMatch: '^/architectures/' },
      { text: 'Demos', link: '/demos/plain-vs-residual', activeMatch: '^/demos/' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
      { text: 'Benchmarks', link: '/guide/benchmarks' },
    ],
    sidebar: {
      '/api/': apiSidebar(),
      '/': guide,
    },
    outline: { level: [2, 3] },
    search: { provider: 'local' },
  },
  vite: {
    plugins: [isolationHeadersPlugin(), resolveFromApp(appDir), skipnetBackendsPlugin(repoRoot)],
    resolve: {
      // Workspace packages export their TypeScript sources under the `source` condition: the
      // site compiles them directly, so no package needs a build step first.
      conditions: ['source'],
      alias: { '@docs-app': appDir },
    },
    ssr: { resolve: { conditions: ['source'] }, noExternal: [/^@skipnet\//] },
    // The headers on Vite's own responses; isolationHeadersPlugin() covers the pages too.
    server: { headers: { ...isolationHeaders }, fs: { allow: [repoRoot] } },
    // Used by `vite preview`; `vitepress preview` ignores it, so the app's `preview` script
    // (scripts/preview.ts) serves the build through VitePress's own server with these headers.
    preview: { headers: { ...isolationHeaders } },
    build: { chunkSizeWarningLimit: 2000 },
  },
});
