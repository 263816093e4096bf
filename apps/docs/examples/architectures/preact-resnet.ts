import './setup.js';
import { BatchNorm2d, Conv2d, ReLU, Skip, graph } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// ResNet v2: BN and ReLU move in front of each convolution, and nothing follows the add.
const net = createModel('preact_resnet18', { numClasses: 10 });
// A CIFAR pre-activation ResNet of any depth 6n + 2 (He et al. 2016 trained 110 and 164, and 1001):
const cifar = createModel('cifar_resnet', { depth: 56, preact: true, shortcut: 'B' });

// The pre-activation block: y = x + conv2(ReLU(BN(conv1(ReLU(BN(x)))))) — a clean identity path.
function preActBlock(channels: number): Skip {
  const relu = new ReLU();
  return new Skip({
    main: {
      bn1: new BatchNorm2d(channels),
      relu,
      conv1: new Conv2d(channels, channels, 3, { padding: 1, bias: false }),
      bn2: new BatchNorm2d(channels),
      // the same ReLU module again: a second call, no second registration
      relu2: relu,
      conv2: new Conv2d(channels, channels, 3, { padding: 1, bias: false }),
    },
    // no post: the sum leaves the block untouched
  });
}
console.log(graph(preActBlock(16), [1, 16, 8, 8]).skipEdges); // one edge from the input to the add
net.dispose();
cifar.dispose();
