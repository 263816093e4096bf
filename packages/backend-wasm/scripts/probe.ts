/** Micro-benchmark of the wasm kernels: `npx tsx --conditions=source scripts/probe.ts [threads]`. */
import * as sn from '@skipnet/core';
import { createWasmBackend } from '@skipnet/backend-wasm';
const threads = Number(process.argv[2] ?? 1);
const be = await createWasmBackend({ threads });
sn.registerBackend('wasm', () => be);
await sn.setBackend('wasm');
console.log('threads', be.threads, be.simd);
async function timeit(name: string, flops: number, f: () => Promise<void>, reps = 10) {
  for (let i = 0; i < 3; i++) await f();
  const ts: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  ts.sort((a, b) => a - b);
  cs.sort((a, b) => a - b);
  const med = ts[ts.length >> 1]!;
  // CPU time per thread: what the run would take on an idle machine (other processes share these cores).
  console.log(
    `${name}: ${med.toFixed(2)} ms, ${(flops / med / 1e6).toFixed(1)} GFLOP/s wall (best ${(flops / ts[0]! / 1e6).toFixed(1)}), ${((flops * threads) / cs[0]! / 1e6).toFixed(1)} by CPU time`,
  );
}
for (const n of [512, 1024]) {
  const a = sn.keep(sn.randn([n, n], { seed: 1 })),
    b = sn.keep(sn.randn([n, n], { seed: 2 }));
  await timeit(`matmul ${n}`, 2 * n ** 3, async () => {
    const c = sn.matmul(a, b);
    await c.data();
    c.dispose();
  });
}
{
  const [N, C, HW] = [32, 64, 16];
  const x = sn.keep(sn.randn([N, C, HW, HW], { seed: 1 }).requiresGrad_());
  const w = sn.keep(sn.mul(sn.randn([C, C, 3, 3], { seed: 2 }), 0.1).requiresGrad_());
  const dy = sn.keep(sn.randn([N, C, HW, HW], { seed: 3 }));
  const fl = 2 * N * C * HW * HW * C * 9;
  await timeit('conv fwd', fl, async () => {
    const y = sn.conv2d(x, w, null, { padding: 1 });
    await y.data();
    y.dispose();
  });
  await timeit('conv fwd+bwd', 3 * fl, async () => {
    sn.tidy(() => sn.conv2d(x, w, null, { padding: 1 }).backward(dy));
    await x.grad!.data();
    await w.grad!.data();
    x.grad!.dispose();
    w.grad!.dispose();
    x.grad = null;
    w.grad = null;
  });
  const k = be.kernels;
  const xd = { handle: x.storage.handle as number, shape: x.shape, dtype: 'float32' as const };
  const wd = { handle: w.storage.handle as number, shape: w.shape, dtype: 'float32' as const };
  const dyd = { handle: dy.storage.handle as number, shape: dy.shape, dtype: 'float32' as const };
  const geo = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
  await timeit('  kernel fwd', fl, async () => {
    be.free(k.conv2d({ x: xd, w: wd }, { ...geo, outShape: [N, C, HW, HW] }));
  });
  await timeit('  kernel bwdData', fl, async () => {
    be.free(k.conv2dBackwardInput({ dy: dyd, w: wd }, { ...geo, inShape: [N, C, HW, HW] }));
  });
  await timeit('  kernel bwdWeight', fl, async () => {
    be.free(k.conv2dBackwardWeight({ x: xd, dy: dyd }, { ...geo, wShape: [C, C, 3, 3] }));
  });
}
be.dispose?.();
process.exit(0);
