// The same run with the library's pieces: a zoo model, a DataLoader, and the Trainer, which
// runs the loop (tidy per step, metrics, schedules, callbacks, resumable checkpoints).
import { cosineWithWarmup, registerBackend, setBackend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { DataLoader, createDataset, normalize, subset } from '@skipnet/data';
import { createModel } from '@skipnet/models';
import { GradientFlowProbe, ProgressLogger, Trainer } from '@skipnet/train';

registerBackend('cpu', createCpuBackend);
await setBackend('cpu');

const train = await createDataset('mnist', { split: 'train' });
const test = await createDataset('mnist', { split: 'test' });
const first = (n: number) => Array.from({ length: n }, (_, i) => i);
const transform = normalize(0.1307, 0.3081);
const trainLoader = new DataLoader(subset(train, first(2048)), { batchSize: 64, shuffle: true, seed: 0, dropLast: true, transform });
const testLoader = new DataLoader(subset(test, first(500)), { batchSize: 250, transform });

const model = createModel('resnet20', { inChannels: 1, numClasses: 10 }); // or 'plain20'
const trainer = new Trainer({
  model,
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  schedule: cosineWithWarmup({ lr: 0.1, warmupSteps: 20, totalSteps: 3 * trainLoader.numBatches, minLr: 1e-3 }),
  // Per-layer gradient norms every few steps: how well the gradient reaches the first layers.
  callbacks: [new ProgressLogger(), new GradientFlowProbe()],
  seed: 0,
});
const result = await trainer.fit({ train: trainLoader, val: testLoader, epochs: 3 });
console.log(result.history.map((e) => e.logs)); // loss, accuracy, val_loss, val_accuracy per epoch
console.log(await trainer.evaluate(testLoader));
