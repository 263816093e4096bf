/** Options every test file creates its backend with (test-only; not part of the build). */
import type { WebglBackendOptions } from '../index.js';

/** `VITE_SKIPNET_WEBGL_F16=1` forces float16 textures, as on a device without float32 render targets. */
export const forceF16 = import.meta.env?.VITE_SKIPNET_WEBGL_F16 === '1';

/** Backend options for the tests. */
export const testOptions: WebglBackendOptions = forceF16 ? { flags: { WEBGL_FORCE_F16_TEXTURES: true } } : {};
