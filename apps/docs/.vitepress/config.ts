import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';
import { isolationHeaders } from '../src/headers.js';
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

/** Sidebar of the generated API reference (docs/api, written by TypeDoc at build time). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const apiDir = path.join(srcDir, 'api');
  if (!existsSync(apiDir)) return [{ text: 'Run `pnpm --filter @skipnet/docs build` to generate', link: '/api/' }];
  const packages = readdirSync(apiDir).filter((d) => statSync(path.join(apiDir, d)).isDirectory()).sort();
  return [
    { text: 'Overview', link: '/api/' },
    ...packages.map((p) => ({
      text: `@skipnet/${p}`,
      collapsed: true,
      link: `/api/${p}/`,
      items: readdirSync(path.join(apiDir, p))
        .filter((d) => statSync(path.join(apiDir, p, d)).isDirectory())
        .sort()
        .map((kind) => ({
          text: kind.charAt(0).toUpperCase() + kind.slice(1).replace(/-/g, ' '),
          collapsed: true,
          items: readdirSync(path.join(apiDir, p, kind))
            .filter((f) => f.endsWith('.md'))
            .sort()
            .map((f) => ({ text: f.replace(/\.md$/, ''), link: `/api/${p}/${kind}/${f.replace(/\.md$/, '')}` })),
        })),
    })),
  ];
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
      { text: 'Transformer, GPT, ViT', link: '/architectures/transformer' },
    ],
  },
  {
    text: 'Live demos',
    items: [
      { text: 'Plain vs residual', link: '/demos/plain-vs-residual' },
      { text: 'U-Net on shapes', link: '/demos/unet-shapes' },
      { text: 'A character GPT on names', link: '/demos/names-gpt' },
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
  head: [['meta', { name: 'theme-color', content: '#3c6ff0' }]],
  markdown: {
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
    plugins: [resolveFromApp(appDir), skipnetBackendsPlugin(repoRoot)],
    resolve: {
      // Workspace packages export their TypeScript sources under the `source` condition: the
      // site compiles them directly, so no package needs a build step first.
      conditions: ['source'],
      alias: { '@docs-app': appDir },
    },
    ssr: { resolve: { conditions: ['source'] }, noExternal: [/^@skipnet\//] },
    server: { headers: { ...isolationHeaders }, fs: { allow: [repoRoot] } },
    // Used by `vite preview`; `vitepress preview` ignores it, so the app's `preview` script
    // (scripts/preview.ts) serves the build through VitePress's own server with these headers.
    preview: { headers: { ...isolationHeaders } },
    build: { chunkSizeWarningLimit: 2000 },
  },
});
