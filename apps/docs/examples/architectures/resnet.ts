import './setup.js';
import { BatchNorm2d, Conv2d, ReLU, Sequential, Skip, countSkips, randn, setSkips, summary, tidy } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// The zoo's ResNet-18, with torchvision's names (conv1, layer1.0.conv1, layer2.0.downsample.0, fc).
const resnet18 = createModel('resnet18', { numClasses: 10 });
console.log(countSkips(resnet18)); // 8 residual blocks

// A CIFAR ResNet-20 for MNIST and its plain twin: same 20 layers, no shortcuts.
const resnet20 = createModel('resnet20', { inChannels: 1 });
const plain20 = createModel('plain20', { inChannels: 1 });
console.log(summary(resnet20, [1, 1, 28, 28]).skips, summary(plain20, [1, 1, 28, 28]).skips); // 9 0

// Any model can lose its skips later, all or some: here only the last stage.
setSkips(resnet18, false, 'layer4');

// The block itself, written with Skip: F(x) = BN(conv(ReLU(BN(conv(x))))), y = ReLU(F(x) + shortcut(x)).
// The first block of a stage halves the resolution, so its shortcut is a projection.
function basicBlock(inplanes: number, planes: number, stride = 1): Skip {
  const relu = new ReLU();
  const projection = stride !== 1 || inplanes !== planes;
  return new Skip({
    main: {
      conv1: new Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false }),
      bn1: new BatchNorm2d(planes),
      relu,
      conv2: new Conv2d(planes, planes, 3, { padding: 1, bias: false }),
      bn2: new BatchNorm2d(planes),
    },
    shortcut: projection ? { downsample: new Sequential(new Conv2d(inplanes, planes, 1, { stride, bias: false }), new BatchNorm2d(planes)) } : null,
    post: relu,
  });
}
const layer2 = new Sequential(basicBlock(64, 128, 2), basicBlock(128, 128));
const y = tidy(() => layer2.call(randn([1, 64, 56, 56], { seed: 0 })));
console.log(y.shape); // [1, 128, 28, 28]
y.dispose();
for (const m of [resnet18, resnet20, plain20, layer2]) m.dispose();
