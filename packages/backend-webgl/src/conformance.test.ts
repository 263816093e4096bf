/**
 * The backend conformance suite from @skipnet/core/testing, run against this backend in
 * headless Chromium, at the precision tfjs's textures have on the device.
 *
 * `VITE_SKIPNET_WEBGL_F16=1 pnpm test` forces float16 textures (`WEBGL_FORCE_F16_TEXTURES`) to
 * reproduce a device without float32 render targets; see the README for what holds there.
 */
import { runConformance, type ConformanceOptions } from '@skipnet/core/testing';
import { createWebglBackend } from './index.js';
import { testOptions as options } from './test/env.js';

/** Per-precision settings (README, "Precision"). */
const PRECISION: Record<16 | 32, Pick<ConformanceOptions, 'forward' | 'skip'>> = {
  // float32 textures: every suite at the suite's default tolerances.
  32: {},
  // float16 textures carry 11 significant bits: forward results hold to 1e-2. The suites that
  // need more are skipped rather than passed at a tolerance that would hide real errors.
  16: {
    forward: { atol: 1e-2, rtol: 1e-2 },
    skip: {
      gradients: 'float16 finite differences are quantised to ~0.1; kernels.test.ts checks backprop against cpu',
      random: 'float16 cannot hold uniformAt draws to 1e-6',
    },
  },
};

const probe = await createWebglBackend(options);
const precision = probe.floatPrecision;
probe.dispose();

runConformance({ name: `webgl-f${precision}`, factory: () => createWebglBackend(options), memorySteps: 20, ...PRECISION[precision] });
