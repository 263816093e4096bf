import { createWasmBackend } from '../src/index.js';
const threads = Number(process.argv[2] ?? 1);
const dir = process.argv[4];
const be = await createWasmBackend({
  threads,
  relaxedSimd: process.argv[3] === 'relaxed' ? true : false,
  ...(dir ? { locateFile: (f: string) => `${dir}/${f}` } : {}),
});
for (const n of [512, 1024]) {
  const a = { handle: be.upload(new Float32Array(n * n).fill(1)), shape: [1, n, n], dtype: 'float32' as const };
  const b = { handle: be.upload(new Float32Array(n * n).fill(1)), shape: [1, n, n], dtype: 'float32' as const };
  for (let i = 0; i < 3; i++) be.free(be.kernels.matmul({ a, b }, { transposeA: false, transposeB: false }));
  const reps = n === 512 ? 30 : 5;
  const walls: number[] = [],
    cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    be.free(be.kernels.matmul({ a, b }, { transposeA: false, transposeB: false }));
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    walls.push(t1 - t0);
    cpus.push((c1.user + c1.system) / 1000);
  }
  walls.sort((x, y) => x - y);
  cpus.sort((x, y) => x - y);
  const f = (2 * n ** 3) / 1e6;
  console.log(
    `${dir ?? ''} ${be.simd} t=${threads} mm${n}: wall min ${(f / walls[0]!).toFixed(1)} med ${(f / walls[walls.length >> 1]!).toFixed(1)} | cpu-based min ${((f * threads) / cpus[0]!).toFixed(1)} GFLOP/s`,
  );
}
be.dispose();
process.exit(0);
