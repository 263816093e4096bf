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
