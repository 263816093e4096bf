/** The backend conformance suite from @skipnet/core/testing, run against this backend in headless Chromium. */
import { runConformance } from '@skipnet/core/testing';
import { createWebglBackend } from './index.js';

runConformance({ name: 'webgl', factory: createWebglBackend, memorySteps: 20 });
