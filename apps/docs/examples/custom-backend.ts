// Writing a backend: a storage tier plus a kernel table typed by core's Backend interface.
// This one delegates to the cpu backend and counts kernel calls — the shape every backend
// has: leave out a required kernel and it no longer compiles.
import type { Backend } from '@skipnet/core';
import { createCpuBackend, type CpuHandle } from '@skipnet/backend-cpu';

export function createCountingBackend(): Backend<CpuHandle> & { calls: Map<string, number> } {
  const cpu = createCpuBackend();
  const calls = new Map<string, number>();
  // Wrap every kernel of the cpu table (required and optional) with a counter.
  const kernels = Object.fromEntries(
    Object.entries(cpu.kernels).map(([name, fn]) => [
      name,
      (inputs: unknown, attrs: unknown) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return (fn as (i: unknown, a: unknown) => unknown)(inputs, attrs);
      },
    ]),
  ) as unknown as typeof cpu.kernels;
  return {
    name: 'counting',
    kernels,
    // The storage tier: upload, async read (readSync where possible), free, memory stats.
    upload: (data) => cpu.upload(data),
    read: (handle, dtype, size) => cpu.read(handle, dtype, size),
    readSync: (handle, dtype, size) => cpu.readSync(handle, dtype, size),
    free: (handle) => cpu.free(handle),
    memory: () => cpu.memory(),
    calls,
  };
}
