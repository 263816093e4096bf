/**
 * skipnet's wasm backend against its peers, side by side in one process: skipnet wasm on 2 and
 * on 1 thread, skipnet cpu, and tfjs-backend-wasm 4.22 (single-threaded in Node, SIMD on) on
 * matmul, a 3×3 convolution forward + both backward passes, and CIFAR ResNet-20 inference and
 * training steps (batch 64), and — when Debian's PyTorch is importable by /usr/bin/python3 — PyTorch
 * 1.13 on the CPU with 2 and 1 threads (torch_peer.py, timed in its own process). Written to the
 * `wasm` section of docs/benchmarks.md.
 *
 * Run alone with `pnpm --filter @skipnet/bench exec tsx --conditions=source src/wasm.ts [--quick] [--only NAME]`
 * (`--only` measures the workloads whose name contains NAME and leaves docs/benchmarks.md alone);
 * `pnpm bench` runs it after the cpu section. On Node 20 the wasm backend uses its plain SIMD
 * build (relaxed SIMD needs `--experimental-wasm-relaxed-simd` there); the build in use is
 * printed with the results. The `×2 FMA` contender turns that V8 flag on at run time for its
 * own backend, to show the relaxed-SIMD (fused multiply-add) build.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sn from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createWasmBackend } from '@skipnet/backend-wasm';
import { createModel } from '@skipnet/models';
import { machine, writeSection, type Contender, type Result, type Workload } from './harness.js';
import { snConv, snMatmul, tf, tfConv, tfMatmul } from './peers.js';

const require = createRequire(import.meta.url);
let simdBuild = 'unknown';

/** Registers the backends this section compares (idempotent). */
function registerBackends(): void {
  const names = sn.listBackends();
  if (!names.includes('cpu')) sn.registerBackend('cpu', createCpuBackend);
  if (!names.includes('wasm-2t')) {
    sn.registerBackend('wasm-2t', async () => {
      const b = await createWasmBackend({ threads: 2 });
      simdBuild = b.simd;
      return b;
    });
  }
  if (!names.includes('wasm-1t')) sn.registerBackend('wasm-1t', () => createWasmBackend({ threads: 1 }));
  if (!names.includes('wasm-2t-fma')) {
    // Node 20 validates relaxed SIMD only behind a V8 flag; set it just before this backend
    // compiles (the other wasm backends were created earlier, with the plain SIMD build).
    sn.registerBackend('wasm-2t-fma', () => {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      return createWasmBackend({ threads: 2, relaxedSimd: true });
    });
  }
}

let tfWasmReady = false;
/** tfjs-backend-wasm in Node needs its .wasm files located in its dist folder. */
function tfWasm(): void {
  if (tfWasmReady) return;
  tf();
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  (require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void }).setWasmPaths(dist);
  tfWasmReady = true;
}

/** A tfjs contender on the wasm backend (locating its binaries first). */
function onTfWasm(c: Contender): Contender {
  return {
    ...c,
    setup: () => {
      tfWasm();
      return c.setup();
    },
  };
}

/** skipnet CIFAR ResNet-20 (batch `n`, 32×32 RGB): inference or one SGD training step. */
function snResNet20(peer: string, backend: string, n: number, train: boolean): Contender {
  let model: ReturnType<typeof createModel>;
  let x: sn.Tensor, y: sn.Tensor;
  let opt: sn.SGD;
  return {
    peer,
    async setup() {
      await sn.setBackend(backend);
      sn.manualSeed(1);
      model = createModel('resnet20', { numClasses: 10 });
      x = sn.keep(sn.randn([n, 3, 32, 32], { seed: 4 }));
      y = sn.keep(sn.randint(0, 10, [n], { seed: 5 }));
      opt = new sn.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
      if (train) model.train();
      else model.eval();
    },
    async run() {
      if (!train) {
        const out = sn.tidy(() => sn.noGrad(() => model.call(x)));
        await out.data();
        out.dispose();
        return;
      }
      const loss = sn.tidy(() => {
        const l = sn.crossEntropy(model.call(x), y);
        l.backward();
        return l;
      });
      opt.step();
      opt.zeroGrad();
      await loss.data();
      loss.dispose();
    },
    teardown() {
      opt.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

/** tfjs ResNet-20 inference (NHWC, folded batch norm as conv bias, as a deployed model runs). */
function tfResNet20(peer: string, backend: string, n: number): Contender {
  type T = import('@tensorflow/tfjs-core').Tensor;
  type T4 = import('@tensorflow/tfjs-core').Tensor4D;
  const weights: T[] = [];
  let x: T4;
  let forward: () => T;
  return {
    peer,
    async setup() {
      const t = tf();
      await t.setBackend(backend);
      await t.ready();
      const conv = (cin: number, cout: number) => {
        const w = t.randomNormal([3, 3, cin, cout], 0, Math.sqrt(2 / (9 * cin))) as T4;
        const b = t.zeros([cout]) as import('@tensorflow/tfjs-core').Tensor1D;
        weights.push(w, b);
        return (v: T4, stride: number, relu: boolean) =>
          t.fused.conv2d({ x: v, filter: w, strides: stride, pad: 'same', bias: b, activation: relu ? 'relu' : 'linear' });
      };
      const stem = conv(3, 16);
      const blocks: { c1: ReturnType<typeof conv>; c2: ReturnType<typeof conv>; stride: number; cout: number }[] = [];
      let cin = 16;
      for (const [cout, stride] of [
        [16, 1],
        [32, 2],
        [64, 2],
      ] as const) {
        for (let i = 0; i < 3; i++) {
          blocks.push({ c1: conv(cin, cout), c2: conv(cout, cout), stride: i === 0 ? stride : 1, cout });
          cin = cout;
        }
      }
      const fc = t.randomNormal([64, 10], 0, 0.1) as import('@tensorflow/tfjs-core').Tensor2D;
      weights.push(fc);
      x = t.randomNormal([n, 32, 32, 3]) as T4;
      forward = () =>
        t.tidy(() => {
          let h = stem(x, 1, true);
          for (const b of blocks) {
            const main = b.c2(b.c1(h, b.stride, true), 1, false);
            let sc: T4 = h;
            if (b.stride !== 1 || h.shape[3] !== b.cout) {
              // Option A shortcut: subsample and zero-pad channels, as the CIFAR ResNet paper.
              const sub = t.stridedSlice(h, [0, 0, 0, 0], h.shape, [1, 2, 2, 1]) as T4;
              const extra = (b.cout - h.shape[3]) / 2;
              sc = t.pad(sub, [
                [0, 0],
                [0, 0],
                [0, 0],
                [extra, extra],
              ]);
            }
            h = t.relu(t.add(main, sc)) as T4;
          }
          return t.matMul(t.mean(h, [1, 2]) as import('@tensorflow/tfjs-core').Tensor2D, fc);
        });
    },
    async run() {
      const out = forward();
      await out.data();
      out.dispose();
    },
    teardown() {
      weights.forEach((w) => w.dispose());
      weights.length = 0;
      x.dispose();
    },
  };
}

const convFlops = (n: number, c: number, hw: number) => 3 * 2 * n * c * hw * hw * c * 9;

/** The workloads of the wasm section. */
export function wasmWorkloads(): Workload[] {
  registerBackends();
  const batch = 64;
  return [
    ...[512, 1024].map((n) => ({
      name: `matmul ${n}²`,
      work: 2 * n ** 3,
      unit: 'GFLOP/s' as const,
      contenders: [
        snMatmul('skipnet wasm ×2', 'wasm-2t', n),
        snMatmul('skipnet wasm ×1', 'wasm-1t', n),
        snMatmul('skipnet cpu', 'cpu', n),
        onTfWasm(tfMatmul('tfjs-wasm 4.22', 'wasm', n)),
        snMatmul('skipnet wasm ×2 FMA', 'wasm-2t-fma', n),
      ],
    })),
    {
      name: 'conv 3×3 fwd+bwd N=32 C=64→64 16×16',
      work: convFlops(32, 64, 16),
      unit: 'GFLOP/s' as const,
      contenders: [
        snConv('skipnet wasm ×2', 'wasm-2t', 32, 64, 16),
        snConv('skipnet wasm ×1', 'wasm-1t', 32, 64, 16),
        snConv('skipnet cpu', 'cpu', 32, 64, 16),
        onTfWasm(tfConv('tfjs-wasm 4.22', 'wasm', 32, 64, 16)),
        snConv('skipnet wasm ×2 FMA', 'wasm-2t-fma', 32, 64, 16),
      ],
    },
    {
      name: `ResNet-20 inference, batch ${batch}`,
      work: batch,
      unit: 'images/s' as const,
      contenders: [
        snResNet20('skipnet wasm ×2', 'wasm-2t', batch, false),
        snResNet20('skipnet wasm ×1', 'wasm-1t', batch, false),
        snResNet20('skipnet cpu', 'cpu', batch, false),
        onTfWasm(tfResNet20('tfjs-wasm 4.22', 'wasm', batch)),
      ],
    },
    {
      name: `ResNet-20 training step, batch ${batch}`,
      work: batch,
      unit: 'images/s' as const,
      contenders: [
        snResNet20('skipnet wasm ×2', 'wasm-2t', batch, true),
        snResNet20('skipnet wasm ×1', 'wasm-1t', batch, true),
        snResNet20('skipnet cpu', 'cpu', batch, true),
      ],
    },
  ];
}

/** A result with the throughput the run's CPU time implies as well as the wall-clock one. */
interface DualResult extends Result {
  /**
   * Throughput per CPU-second of this process × threads used: what the run would reach on
   * otherwise idle cores (on a shared machine the wall clock also counts time spent waiting
   * for a core).
   */
  readonly cpuValue: number;
}

function threadsOf(peer: string): number {
  return peer.includes('×2') ? 2 : 1;
}

/** Like the harness's `measure`, also recording each run's process CPU time. */
async function measureBoth(
  c: Contender,
  work: number,
  unit: string,
  opts: { minSeconds: number; minIters: number; maxIters: number; warmup: number },
): Promise<{ value: number; cpuValue: number; iterations: number }> {
  await c.setup();
  try {
    for (let i = 0; i < opts.warmup; i++) await c.run();
    const walls: number[] = [];
    const cpus: number[] = [];
    const start = performance.now();
    while (walls.length < opts.minIters || (performance.now() - start < opts.minSeconds * 1000 && walls.length < opts.maxIters)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await c.run();
      walls.push((performance.now() - t0) / 1000);
      const d = process.cpuUsage(c0);
      cpus.push((d.user + d.system) / 1e6);
    }
    walls.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    const wall = walls[walls.length >> 1]!;
    const cpu = cpus[cpus.length >> 1]! / threadsOf(c.peer);
    const rate = (t: number) => (unit === 'GFLOP/s' ? work / t / 1e9 : work / t);
    return { value: rate(wall), cpuValue: rate(cpu), iterations: walls.length };
  } finally {
    await c.teardown?.();
  }
}

function dualTable(results: readonly DualResult[], ours: string): string {
  const fmt = (v: number) => v.toFixed(v < 1 ? 3 : 1);
  const lines = ['| workload | peer | wall clock | by CPU time | ours ÷ peer (wall) | ours ÷ peer (CPU) |', '|---|---|---:|---:|---:|---:|'];
  for (const r of results) {
    const mine = results.find((x) => x.workload === r.workload && x.peer === ours);
    const ok = mine && !mine.error && !r.error;
    const ratio = (a: number, b: number) => (r.peer === ours ? '1.00' : ok ? (a / b).toFixed(2) + '×' : '—');
    if (r.error) lines.push(`| ${r.workload} | ${r.peer} | failed: ${r.error} | | — | — |`);
    else
      lines.push(
        `| ${r.workload} | ${r.peer} | ${fmt(r.value)} ${r.unit} (${r.iterations} runs) | ${fmt(r.cpuValue)} ${r.unit} | ${ratio(mine?.value ?? NaN, r.value)} | ${ratio(mine?.cpuValue ?? NaN, r.cpuValue)} |`,
      );
  }
  return lines.join('\n');
}

const TORCH_WORKLOADS: Readonly<Record<string, string>> = {
  'matmul 512²': 'matmul512',
  'matmul 1024²': 'matmul1024',
  'conv 3×3 fwd+bwd N=32 C=64→64 16×16': 'conv',
  'ResNet-20 inference, batch 64': 'resnet20-infer',
  'ResNet-20 training step, batch 64': 'resnet20-train',
};
let torchOk: boolean | undefined;
/** Whether Debian's PyTorch is importable by /usr/bin/python3 (an optional peer). */
function torchAvailable(): boolean {
  torchOk ??= spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  return torchOk;
}
/** PyTorch on 2 threads and 1 (same workload, same batch), timed in its own process. */
function torchRows(w: Workload, quick: boolean): DualResult[] {
  const kind = TORCH_WORKLOADS[w.name];
  if (!kind || !torchAvailable()) return [];
  const script = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
  return [2, 1].map((threads) => {
    const peer = `PyTorch 1.13 ×${threads}`;
    const r = spawnSync('/usr/bin/python3', [script, kind, String(threads), quick ? '0.5' : '3'], { encoding: 'utf8' });
    if (r.status !== 0)
      return { workload: w.name, peer, unit: w.unit, value: NaN, cpuValue: NaN, iterations: 0, error: (r.stderr || 'failed').trim().split('\n').pop()! };
    const m = JSON.parse(r.stdout) as { wall: number; cpu: number; iterations: number };
    const rate = (t: number) => (w.unit === 'GFLOP/s' ? w.work / t / 1e9 : w.work / t);
    return { workload: w.name, peer, unit: w.unit, value: rate(m.wall), cpuValue: rate(m.cpu / threads), iterations: m.iterations };
  });
}

/** Measures the wasm section and writes it to docs/benchmarks.md. */
export async function runWasmBench(quick: boolean, only?: string): Promise<DualResult[]> {
  const results: DualResult[] = [];
  const workloads = wasmWorkloads().filter((w) => !only || w.name.includes(only));
  for (const [wi, w] of workloads.entries()) {
    // Free the FMA backend (its worker and memory, and the relaxed-SIMD code) once no later
    // workload uses it: left alive, the ResNet runs after it measured ~15 % slower.
    if (!workloads.slice(wi).some((x) => x.contenders.some((c) => c.peer.includes('FMA')))) sn.removeBackend('wasm-2t-fma');
    for (const c of w.contenders) {
      const slow = c.peer === 'skipnet cpu' && w.name.startsWith('ResNet');
      const opts = slow ? { minSeconds: 0, minIters: 2, maxIters: 2, warmup: 1 } : { minSeconds: quick ? 0.5 : 3, minIters: 3, maxIters: 200, warmup: 2 };
      try {
        const m = await measureBoth(c, w.work, w.unit, opts);
        results.push({ workload: w.name, peer: c.peer, unit: w.unit, ...m });
      } catch (e) {
        results.push({ workload: w.name, peer: c.peer, unit: w.unit, value: NaN, cpuValue: NaN, iterations: 0, error: (e as Error).message.split('\n')[0]! });
      }
      const r = results[results.length - 1]!;
      console.log(
        `${w.name.padEnd(40)} ${c.peer.padEnd(16)} ${r.error ? 'failed: ' + r.error : `${r.value.toFixed(2)} ${w.unit} wall, ${r.cpuValue.toFixed(2)} by CPU time`}`,
      );
    }
    for (const r of torchRows(w, quick)) {
      results.push(r);
      console.log(
        `${w.name.padEnd(40)} ${r.peer.padEnd(16)} ${r.error ? 'failed: ' + r.error : `${r.value.toFixed(2)} ${w.unit} wall, ${r.cpuValue.toFixed(2)} by CPU time`}`,
      );
    }
  }
  if (!torchAvailable()) console.log('PyTorch peer absent: /usr/bin/python3 cannot import torch (apt-get install python3-torch adds it)');
  const body = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}${quick ? ' (quick run)' : ''}; skipnet wasm ran its ${simdBuild} build; load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
    'Wall clock is the median run; "by CPU time" divides the work by the median run\'s process CPU time per thread used — what the run would take on cores nobody else was using (other jobs often share this machine).',
    '',
    dualTable(results, 'skipnet wasm ×2'),
  ].join('\n');
  console.log('\n' + body);
  if (only) return results;
  writeSection(fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url)), 'wasm', body);
  for (const name of ['wasm-2t', 'wasm-1t', 'wasm-2t-fma']) sn.removeBackend(name);
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const at = process.argv.indexOf('--only');
  await runWasmBench(process.argv.includes('--quick'), at > 0 ? process.argv[at + 1] : undefined);
  process.exit(0);
}
