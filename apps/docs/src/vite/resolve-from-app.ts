/**
 * The pages live in the repository's docs/ folder, which has no node_modules: a bare import
 * compiled into a page (`vue`, `vue/server-renderer`, `vitepress/theme`) would be looked up
 * from docs/ upwards and not found. This plugin resolves bare imports of files outside the
 * app as if they were imported from the app itself.
 */
import path from 'node:path';

export function resolveFromApp(appDir: string) {
  // Vite resolves from the importer's folder only when the importer file exists.
  const anchor = path.join(appDir, 'package.json');
  return {
    name: 'skipnet-resolve-from-app',
    enforce: 'pre' as const,
    async resolveId(
      this: { resolve(id: string, importer?: string, options?: { skipSelf?: boolean; ssr?: boolean }): Promise<{ id: string } | null> },
      id: string,
      importer: string | undefined,
      options: { ssr?: boolean } = {},
    ) {
      if (!importer || id.startsWith('.') || id.startsWith('/') || id.startsWith('\0') || id.includes(':')) return null;
      const file = importer.split('?')[0]!;
      // The app's own virtual modules (virtual:skipnet-backends) import workspace packages too.
      const ours = file.startsWith('\0virtual:skipnet');
      if (!ours && (!path.isAbsolute(file) || file.startsWith(appDir))) return null;
      if (file.includes(`${path.sep}node_modules${path.sep}`) || file.includes(`${path.sep}packages${path.sep}`)) return null;
      const r = await this.resolve(id, anchor, { skipSelf: true, ssr: options.ssr ?? false });
      return r;
    },
  };
}
