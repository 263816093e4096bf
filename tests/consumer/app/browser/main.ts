// A page module of a browser project: `lib: ["ES2022", "DOM"]`, no Node types, importing only
// the browser entries (core, the cpu / wasm / webgl backends, models, data, train). It is
// type-checked, not run: the webgl and wasm backends have their own browser tests.
import { Linear, ReLU, Sequential, Skip, getBackendName, ready, registerBackend, tensor, type Tensor } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { createWasmBackend, type WasmBackend } from '@skipnet/backend-wasm';
import { createWebglBackend, type WebglBackend } from '@skipnet/backend-webgl';
import { DataLoader, datasetFromArrays } from '@skipnet/data';
import { createModel, listModels } from '@skipnet/models';
import { Trainer } from '@skipnet/train';

registerBackend('webgl', (): Promise<WebglBackend> => createWebglBackend({ flags: { WEBGL_PACK: true } }), 3);
registerBackend(
  'wasm',
  (): Promise<WasmBackend> =>
    createWasmBackend({
      threads: crossOriginIsolated ? navigator.hardwareConcurrency : 1,
      locateFile: (file) => new URL(`/assets/${file}`, location.href),
    }),
  2,
);
registerBackend('cpu', createCpuBackend, 1);
await ready();

const n = 64;
const x = new Float32Array(n * 4).map(() => Math.random() * 2 - 1);
const y = Int32Array.from({ length: n }, (_, i) => (x[4 * i]! > 0 ? 1 : 0));
const data = new DataLoader(datasetFromArrays({ x, xShape: [n, 4], y, yShape: [n] }), { batchSize: 16, shuffle: true, seed: 0 });
const model = new Sequential(
  new Linear(4, 16),
  new ReLU(),
  new Skip({ main: new Sequential(new Linear(16, 16), new ReLU(), new Linear(16, 16)), post: 'relu' }),
  new Linear(16, 2),
);
const trainer = new Trainer({ model, optimizer: { kind: 'adam', lr: 1e-2 }, seed: 0 });
const { history } = await trainer.fit({ train: data, epochs: 3 });
model.eval();
const logits: Tensor = model.call(tensor(x.subarray(0, 8), [2, 4]));
const scores = await logits.data();
logits.dispose();

const list = document.createElement('ul');
for (const e of history) {
  const item = document.createElement('li');
  item.textContent = `epoch ${e.epoch}: loss ${e.logs.loss?.toFixed(4)}`;
  list.append(item);
}
document.body.append(
  `${getBackendName()} · scores ${Array.from(scores).join(', ')} · ${listModels().length} models · resnet20 has ${createModel('resnet20').numParameters()} parameters`,
  list,
);
