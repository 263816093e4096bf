import { describe, expect, it } from 'vitest';
import { rewriteHref } from './repo-links.js';

const options = { srcDir: '/repo/docs', repoRoot: '/repo', sourceUrl: '' };

describe('repo links', () => {
  it('leaves links inside docs/, absolute and external links alone', () => {
    expect(rewriteHref('../guide/concepts.md', '/repo/docs/design/x.md', options)).toBeNull();
    expect(rewriteHref('https://example.com', '/repo/docs/x.md', options)).toBeNull();
    expect(rewriteHref('/api/', '/repo/docs/x.md', options)).toBeNull();
    expect(rewriteHref('#section', '/repo/docs/x.md', options)).toBeNull();
  });
  it('turns links out of docs/ into repository paths or source URLs', () => {
    expect(rewriteHref('../../packages/core/src/backend/types.ts', '/repo/docs/design/x.md', options)).toEqual({
      href: null,
      repoPath: 'packages/core/src/backend/types.ts',
    });
    expect(rewriteHref('../packages/core#readme', '/repo/docs/x.md', { ...options, sourceUrl: 'https://src.example/blob/main/' })).toEqual({
      href: 'https://src.example/blob/main/packages/core#readme',
      repoPath: 'packages/core',
    });
  });
  it('sends docs/benchmarks.md to the benchmarks page', () => {
    expect(rewriteHref('../benchmarks.md', '/repo/docs/design/x.md', options)).toEqual({ href: '/guide/benchmarks' });
  });
});
