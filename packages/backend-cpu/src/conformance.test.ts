/** The backend conformance suite from @skipnet/core/testing, run against this backend. */
import { runConformance } from '@skipnet/core/testing';
import { createCpuBackend } from './index.js';

runConformance({ name: 'cpu', factory: createCpuBackend });
