// A program in a project outside the skipnet repository, using the installed packages' public
// API only: it registers the cpu and wasm backends itself, trains a small residual MLP on each,
// saves the state dict as safetensors to a file, reloads it into a fresh model and checks that
// the reloaded model's outputs equal the trained one's. Exits non-zero on any mismatch.
//
//   node out/consumer.js DIR     (DIR receives cpu.safetensors and wasm.safetensors)
import { readFile, writeFile } from 'node:fs/promises';
import {
  Adam,
  Linear,
  ReLU,
  Sequential,
  Skip,
  crossEntropy,
  loadTensors,
  manualSeed,
  memory,
  randn,
  registerBackend,
  saveTensors,
  setBackend,
  tensor,
  tidy,
} from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createWasmBackend } from '@skipnet/backend-wasm';

registerBackend('cpu', createCpuBackend);
registerBackend('wasm', () => createWasmBackend({ threads: 2 }));

/** 4 features → 16, one residual block relu(h + W₂·relu(W₁·h)), → 3 classes. */
function residualMlp(): Sequential {
  return new Sequential(
    new Linear(4, 16),
    new ReLU(),
    new Skip({ main: new Sequential(new Linear(16, 16), new ReLU(), new Linear(16, 16)), post: 'relu' }),
    new Linear(16, 3),
  );
}

function fail(message: string): never {
  console.error(`consumer: ${message}`);
  process.exit(1);
}

async function trainSaveReload(backend: 'cpu' | 'wasm', dir: string): Promise<Float32Array> {
  await setBackend(backend);
  manualSeed(0);
  const model = residualMlp();
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const x = randn([32, 4], { seed: 1 });
  const xs = (await x.data()) as Float32Array;
  const labels = Int32Array.from({ length: 32 }, (_, i) => (xs[4 * i]! > 0 ? (xs[4 * i + 1]! > 0 ? 2 : 1) : 0));
  const y = tensor(labels, [32], { dtype: 'int32' });

  const losses: number[] = [];
  let steady = -1;
  for (let step = 0; step < 30; step++) {
    const loss = tidy(() => {
      const l = crossEntropy(model.call(x), y);
      l.backward();
      return l;
    });
    opt.step();
    opt.zeroGrad();
    losses.push(await loss.item());
    loss.dispose();
    // Adam creates its moment buffers on the first step; after that a step must not leak.
    if (step === 1) steady = memory().tensors;
    else if (step > 1 && memory().tensors !== steady) fail(`${backend}: step ${step} leaked tensors`);
  }
  const [first, last] = [losses[0]!, losses.at(-1)!];
  if (!(last < 0.8 * first)) fail(`${backend}: the loss did not fall (${first} → ${last})`);

  model.eval();
  const expected = (await model.call(x).data()) as Float32Array;
  const file = `${dir}/${backend}.safetensors`;
  await writeFile(file, await saveTensors(model.stateDict(), { backend }));

  const fresh = residualMlp();
  const { tensors, metadata } = loadTensors(new Uint8Array(await readFile(file)), file);
  if (metadata.backend !== backend) fail(`${backend}: the safetensors metadata was not kept`);
  fresh.loadStateDict(tensors, { strict: true });
  fresh.eval();
  const got = (await fresh.call(x).data()) as Float32Array;
  for (let i = 0; i < expected.length; i++) {
    if (got[i] !== expected[i]) fail(`${backend}: reloaded output ${i} is ${got[i]}, the trained model gave ${expected[i]}`);
  }
  console.log(`${backend}: loss ${first.toFixed(4)} → ${last.toFixed(4)}; ${Object.keys(tensors).length} tensors saved to ${file}, reloaded, outputs equal`);
  return expected;
}

const dir = process.argv[2] ?? '.';
const cpu = await trainSaveReload('cpu', dir);
const wasm = await trainSaveReload('wasm', dir);
// The same seed, data and steps on both backends: float32 rounding differences only.
const maxDiff = cpu.reduce((m, v, i) => Math.max(m, Math.abs(v - wasm[i]!)), 0);
if (!(maxDiff < 5e-3)) fail(`cpu and wasm disagree after training: max |Δ| = ${maxDiff}`);
console.log(`ok: node ${process.versions.node}, cpu and wasm agree to ${maxDiff.toExponential(1)}`);
