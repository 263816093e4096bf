/**
 * A markdown-it plugin for pages that live in the repository's docs/ folder and link to the
 * code beside it (`../packages/core/src/backend/types.ts`). The site only serves docs/, so
 * such a link would 404: it becomes a link to the file in the source repository when
 * `SKIPNET_SOURCE_URL` is set (e.g. `https://github.com/<org>/skipnet/blob/main`), and
 * otherwise plain text marked as a repository path. Links to docs/benchmarks.md (shown
 * through /guide/benchmarks) are redirected there.
 */
import path from 'node:path';

interface Token {
  type: string;
  tag: string;
  attrs: [string, string][] | null;
  children: Token[] | null;
  content: string;
  attrGet(name: string): string | null;
  attrSet(name: string, value: string): void;
}
interface MarkdownItLike {
  core: { ruler: { push(name: string, fn: (state: { tokens: Token[]; env: Record<string, unknown> }) => void): void } };
}

export interface RepoLinkOptions {
  /** Absolute path of the docs folder the site renders. */
  srcDir: string;
  /** Absolute path of the repository root. */
  repoRoot: string;
  /** Base URL of the repository's files; defaults to `process.env.SKIPNET_SOURCE_URL`. */
  sourceUrl?: string;
}

/** Pages excluded from the site that are shown elsewhere: docs-relative path → site link. */
const redirected: Record<string, string> = { 'benchmarks.md': '/guide/benchmarks' };

/** Where a relative link from `file` points, when it leaves `srcDir` or hits a redirected page. */
export function rewriteHref(href: string, file: string, options: RepoLinkOptions): { href: string | null; repoPath?: string } | null {
  if (/^[a-z][a-z0-9+.-]*:|^#|^\//i.test(href)) return null;
  const [target = '', hash = ''] = href.split('#');
  const abs = path.resolve(path.dirname(file), decodeURIComponent(target));
  const inDocs = path.relative(options.srcDir, abs);
  if (!inDocs.startsWith('..') && !path.isAbsolute(inDocs)) {
    const site = redirected[inDocs.split(path.sep).join('/')];
    return site ? { href: site + (hash ? `#${hash}` : '') } : null;
  }
  const repoPath = path.relative(options.repoRoot, abs).split(path.sep).join('/');
  const base = options.sourceUrl || process.env.SKIPNET_SOURCE_URL;
  return { href: base ? `${base.replace(/\/$/, '')}/${repoPath}${hash ? `#${hash}` : ''}` : null, repoPath };
}

export function repoLinks(md: MarkdownItLike, options: RepoLinkOptions): void {
  md.core.ruler.push('skipnet_repo_links', (state) => {
    const file = typeof state.env.path === 'string' ? state.env.path : null;
    if (!file) return;
    for (const block of state.tokens) {
      const children = block.children;
      if (!children) continue;
      const stack: boolean[] = [];
      for (const tok of children) {
        if (tok.type === 'link_open') {
          const href = tok.attrGet('href');
          const r = href === null ? null : rewriteHref(href, file, options);
          if (r && r.href === null) {
            // No source URL: keep the text, marked as a repository path.
            tok.type = 'html_inline';
            tok.content = `<span class="repo-path" title="${r.repoPath ?? ''} (in the repository)">`;
            stack.push(true);
            continue;
          }
          if (r && r.href !== null) tok.attrSet('href', r.href);
          stack.push(false);
        } else if (tok.type === 'link_close') {
          if (stack.pop()) {
            tok.type = 'html_inline';
            tok.content = '</span>';
          }
        }
      }
    }
  });
}
