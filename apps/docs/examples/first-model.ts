// A first model: a small residual convnet written with core's nn layers and the Skip
// combinator, then traced with summary() — every layer, every skip, every parameter.
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  ReLU,
  Sequential,
  Skip,
  formatSummary,
  randn,
  registerBackend,
  setBackend,
  summary,
  tidy,
} from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';

registerBackend('cpu', createCpuBackend); // the application chooses backends
await setBackend('cpu');

/** conv → BN → ReLU → conv → BN, added to the block's input, then ReLU (He et al. 2015). */
function basicBlock(channels: number): Skip {
  return new Skip({
    main: {
      conv1: new Conv2d(channels, channels, 3, { padding: 1, bias: false }),
      bn1: new BatchNorm2d(channels),
      relu: new ReLU(),
      conv2: new Conv2d(channels, channels, 3, { padding: 1, bias: false }),
      bn2: new BatchNorm2d(channels),
    },
    merge: 'add', // y = F(x) + x
    post: 'relu', // ReLU after the add
  });
}

export const model = new Sequential({
  stem: new Sequential(new Conv2d(1, 16, 3, { padding: 1, bias: false }), new BatchNorm2d(16), new ReLU()),
  layer1: new Sequential(basicBlock(16), basicBlock(16), basicBlock(16)),
  pool: new AdaptiveAvgPool2d(1),
  flatten: new Flatten(),
  fc: new Linear(16, 10),
});

console.log(formatSummary(summary(model, [1, 1, 28, 28])));

const x = randn([4, 1, 28, 28], { seed: 0 });
const logits = tidy(() => model.call(x)); // [4, 10]
console.log(logits.shape, await logits.data());
logits.dispose();
x.dispose();
