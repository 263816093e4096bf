// A first training run, written out by hand: MNIST digits from @skipnet/data, a residual MLP,
// cross-entropy, Adam. Each step runs inside tidy(), so the step's temporaries are freed and
// memory().tensors stays flat from one step to the next.
import { Adam, BatchNorm1d, Flatten, Linear, ReLU, Sequential, crossEntropy, memory, registerBackend, residual, setBackend, tidy } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { DataLoader, createDataset, subset, toTensors } from '@skipnet/data';

registerBackend('cpu', createCpuBackend);
await setBackend('cpu');

const width = 64;
// Pre-activation residual blocks: x + Linear(ReLU(BN(x))).
const block = () => residual({ bn: new BatchNorm1d(width), relu: new ReLU(), fc: new Linear(width, width) });
const model = new Sequential(new Flatten(), new Linear(784, width), block(), block(), block(), block(), new Linear(width, 10));

const train = await createDataset('mnist', { split: 'train' });
const loader = new DataLoader(
  subset(
    train,
    Array.from({ length: 2048 }, (_, i) => i),
  ),
  { batchSize: 64, shuffle: true, seed: 0, dropLast: true },
);
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });

for (let epoch = 0; epoch < 2; epoch++) {
  let total = 0;
  let steps = 0;
  for await (const batch of loader.epoch(epoch)) {
    const loss = tidy(() => {
      const { x, y } = toTensors(batch);
      optimizer.zeroGrad();
      const l = crossEntropy(model.call(x), y);
      l.backward();
      optimizer.step();
      return l;
    });
    total += await loss.item();
    loss.dispose();
    steps++;
  }
  console.log(`epoch ${epoch + 1}: mean loss ${(total / steps).toFixed(3)}, live tensors ${memory().tensors}`);
}
