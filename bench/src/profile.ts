/**
 * Kernel-time profile of one backend on the ResNet-20 training step (or inference): wraps the
 * backend's kernel table with timers and prints where a step's time goes, kernel by kernel,
 * and how much is spent outside kernels (autograd, allocation, JavaScript glue).
 *
 * `pnpm --filter @skipnet/bench exec tsx --conditions=source src/profile.ts [wasm|cpu] [--infer] [--threads N] [--gpt]`
 * (`--gpt`: the CLI's GPT on names instead — 4 layers, 4 heads, width 128, 16-character context).
 */
import * as sn from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createWasmBackend } from '@skipnet/backend-wasm';
import { createModel } from '@skipnet/models';

const args = process.argv.slice(2);
const which = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'wasm';
const infer = args.includes('--infer');
const ti = args.indexOf('--threads');
const threads = ti >= 0 ? Number(args[ti + 1]) : 2;
const steps = 8;
const byShape = args.includes('--shapes');

const stats = new Map<string, { calls: number; ms: number }>();
sn.registerBackend('profiled', async () => {
  const inner = which === 'cpu' ? createCpuBackend() : await createWasmBackend({ threads });
  const kernels: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(inner.kernels)) {
    if (typeof fn !== 'function') continue;
    kernels[name] = (inputs: unknown, attrs: Record<string, unknown>) => {
      const t0 = performance.now();
      const out = (fn as (i: unknown, a: unknown) => unknown)(inputs, attrs);
      const first = Object.values(inputs as Record<string, { shape?: number[] }>)[0];
      const shape = byShape && first?.shape ? ` [${first.shape.join(',')}]` : '';
      const key = name + (typeof attrs?.op === 'string' ? `:${attrs.op}` : '') + shape;
      const s = stats.get(key) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += performance.now() - t0;
      stats.set(key, s);
      return out;
    };
  }
  return Object.assign(Object.create(inner) as object, inner, { kernels }) as sn.Backend;
});
await sn.setBackend('profiled');
sn.manualSeed(1);
const gpt = args.includes('--gpt');
const model = gpt
  ? createModel('gpt', { vocabSize: 28, blockSize: 16, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0.1 })
  : createModel('resnet20', { numClasses: 10 });
const x = sn.keep(gpt ? sn.randint(0, 28, [64, 16], { seed: 4 }) : sn.randn([64, 3, 32, 32], { seed: 4 }));
const y = sn.keep(gpt ? sn.randint(0, 28, [64 * 16], { seed: 5 }) : sn.randint(0, 10, [64], { seed: 5 }));
const logits = (out: sn.Tensor): sn.Tensor => (gpt ? sn.reshape(out, [64 * 16, 28]) : out);
const opt = new sn.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
if (infer) model.eval();
else model.train();
const step = async () => {
  if (infer) {
    const out = sn.tidy(() => sn.noGrad(() => model.call(x)));
    await out.data();
    out.dispose();
    return;
  }
  const loss = sn.tidy(() => {
    const l = sn.crossEntropy(logits(model.call(x)), y);
    l.backward();
    return l;
  });
  opt.step();
  opt.zeroGrad();
  await loss.data();
  loss.dispose();
};
for (let i = 0; i < 2; i++) await step();
stats.clear();
const t0 = performance.now();
for (let i = 0; i < steps; i++) await step();
const total = (performance.now() - t0) / steps;
const rows = [...stats].map(([k, s]) => ({ k, calls: s.calls / steps, ms: s.ms / steps })).sort((a, b) => b.ms - a.ms);
const inKernels = rows.reduce((a, r) => a + r.ms, 0);
console.log(
  `${which} ×${threads} ${gpt ? 'GPT' : 'ResNet-20'} ${infer ? 'inference' : 'training step'}: ${total.toFixed(1)} ms/step (${((64 / total) * 1000).toFixed(1)} images/s); kernels ${inKernels.toFixed(1)} ms, outside kernels ${(total - inKernels).toFixed(1)} ms`,
);
for (const r of rows)
  console.log(`${r.k.padEnd(28)} ${r.calls.toFixed(0).padStart(5)} calls ${r.ms.toFixed(2).padStart(8)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)} %`);
process.exit(0);
