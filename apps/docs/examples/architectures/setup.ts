// Shared by the architecture examples: the cpu backend, registered by the application.
import { registerBackend, setBackend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';

registerBackend('cpu', createCpuBackend);
await setBackend('cpu');
