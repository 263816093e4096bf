/**
 * Cross-origin isolation: with these two headers `crossOriginIsolated` is true, so the page
 * may create `SharedArrayBuffer`s — what the wasm backend's worker threads share memory with.
 * Every same-origin resource is fine under `require-corp`; a cross-origin one would need a
 * `Cross-Origin-Resource-Policy` header (the site loads none).
 */
export const isolationHeaders: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

interface Res {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(): unknown;
}
interface Middlewares {
  use(fn: (req: { url?: string }, res: Res, next: () => void) => void): unknown;
}

/**
 * Sets the isolation headers on every response of the dev and `vite preview` servers. Vite's
 * `server.headers` alone misses the pages VitePress's dev middleware serves, so this runs
 * first, before any other middleware.
 */
export function isolationHeadersPlugin() {
  const apply = (middlewares: Middlewares): void => {
    middlewares.use((req, res, next) => {
      for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
      // The site's icon is inline (config `head`); the dev server's HTML shell has no <head>
      // yet when the browser asks for /favicon.ico, so answer that with "no content".
      if (req.url === '/favicon.ico') {
        res.statusCode = 204;
        res.end();
        return;
      }
      next();
    });
  };
  return {
    name: 'skipnet-isolation-headers',
    configureServer(server: { middlewares: Middlewares }) {
      apply(server.middlewares);
    },
    configurePreviewServer(server: { middlewares: Middlewares }) {
      apply(server.middlewares);
    },
  };
}
