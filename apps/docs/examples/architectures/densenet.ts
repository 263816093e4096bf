import './setup.js';
import { BatchNorm2d, Conv2d, ReLU, Sequential, Skip, randn, tidy } from '@skipnet/core';
import { createModel } from '@skipnet/models';

const densenet = createModel('densenet121', { numClasses: 10 }); // k = 32, blocks of 6/12/24/16 layers
const cifar = createModel('densenet_bc_100'); // DenseNet-BC, L = 100, k = 12

// A dense layer is a concat skip: y = [x, H(x)], H = BN-ReLU-conv1×1 (4k) - BN-ReLU-conv3×3 (k).
function denseLayer(inChannels: number, k: number): Skip {
  return new Skip({
    main: {
      norm1: new BatchNorm2d(inChannels),
      relu1: new ReLU(),
      conv1: new Conv2d(inChannels, 4 * k, 1, { bias: false }),
      norm2: new BatchNorm2d(4 * k),
      relu2: new ReLU(),
      conv2: new Conv2d(4 * k, k, 3, { padding: 1, bias: false }),
    },
    merge: 'concat',
  });
}
// A dense block of 4 layers: every layer sees the features of all layers before it.
const k = 12;
const block = new Sequential(...[0, 1, 2, 3].map((i) => denseLayer(24 + i * k, k)));
const y = tidy(() => block.call(randn([1, 24, 16, 16], { seed: 0 })));
console.log(y.shape); // [1, 72, 16, 16]: 24 + 4·12 channels
y.dispose();
for (const m of [densenet, cifar, block]) m.dispose();
