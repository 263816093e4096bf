/**
 * The backend conformance suite from @skipnet/core/testing, run against this backend in
 * headless Chromium, with tolerances chosen by the precision tfjs detected for the device.
 *
 * `VITE_SKIPNET_WEBGL_F16=1 pnpm test` forces float16 textures (`WEBGL_FORCE_F16_TEXTURES`) to
 * reproduce a device without float32 render targets; see the README for what holds there.
 */
import { runConformance, type Tolerance } from '@skipnet/core/testing';
import { createWebglBackend } from './index.js';
import { testOptions as options } from './testenv.js';

/** Per-precision tolerances (README, "Precision"). */
const TOLERANCES: Record<16 | 32, { forward?: Tolerance; gradient?: Tolerance }> = {
  // float32 textures: the suite's defaults (forward 1e-4; finite differences 5e-3 abs, 2e-2 rel).
  32: {},
  // float16 textures carry 11 significant bits: forward results hold to 1e-2. Finite
  // differences of a float16 loss with a 1e-2 step are quantised to ~0.1, so the gradient
  // checks (and the random test's 1e-6 bound) cannot pass there; backprop gradients are
  // checked against the cpu backend in kernels.test.ts instead.
  16: { forward: { atol: 1e-2, rtol: 1e-2 }, gradient: { atol: 0.5, rtol: 0.5 } },
};

const probe = await createWebglBackend(options);
const precision = probe.floatPrecision;
probe.dispose();

runConformance({ name: `webgl-f${precision}`, factory: () => createWebglBackend(options), memorySteps: 20, ...TOLERANCES[precision] });
