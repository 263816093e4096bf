// Registering and selecting the backend: the application does this, never a library.
import { matmul, randn, registerBackend, setBackend, tidy } from '@skipnet/core';
import { createCountingBackend } from './custom-backend.js';

const backend = createCountingBackend();
registerBackend('counting', () => backend);
await setBackend('counting');
const y = tidy(() => matmul(randn([64, 32], { seed: 0 }), randn([32, 16], { seed: 1 })));
console.log(y.shape, backend.calls); // [64, 16] Map { 'random' => 2, 'matmul' => 1 }
y.dispose();
