/**
 * `pnpm --filter @skipnet/docs preview [--port N]`: serves the built site with VitePress's
 * own preview server (`vitepress preview`) plus the cross-origin isolation headers
 * (src/headers.ts). `vitepress preview` does not read `vite.preview.headers`, so the headers
 * are set on every response before VitePress handles the request. `--port 0` picks a free
 * port; the first line printed is `skipnet docs preview: http://localhost:<port>/`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from 'vitepress';
import { isolationHeaders } from '../src/headers.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const port = Number(arg('port') ?? 4173);
const root = fileURLToPath(new URL('..', import.meta.url));

const app = (await serve({ root, port })) as unknown as { server: Server };
app.server.prependListener('request', (_req, res) => {
  for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
});
const ready = (): void => {
  const addr = app.server.address() as AddressInfo;
  console.log(`skipnet docs preview: http://localhost:${addr.port}/`);
};
if (app.server.listening) ready();
else app.server.once('listening', ready);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => app.server.close(() => process.exit(0)));
