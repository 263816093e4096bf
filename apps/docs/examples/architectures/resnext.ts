import './setup.js';
import { BatchNorm2d, Conv2d, ReLU, Skip } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// ResNeXt-50 (32×4d): cardinality 32, 4 channels per group in the first stage.
const resnext = createModel('resnext50_32x4d', { numClasses: 10 });
// The same family at other settings, e.g. 8 groups of 16 channels:
const custom = createModel('resnet', { block: 'bottleneck', layers: [3, 4, 6, 3], groups: 8, widthPerGroup: 16, numClasses: 10 });

// The ResNeXt block: 1×1 reduce, grouped 3×3 (the 32 parallel paths), 1×1 expand, add.
function resnextBlock(channels: number, width: number, groups: number): Skip {
  const relu = new ReLU();
  return new Skip({
    main: {
      conv1: new Conv2d(channels, width, 1, { bias: false }),
      bn1: new BatchNorm2d(width),
      relu,
      conv2: new Conv2d(width, width, 3, { padding: 1, groups, bias: false }),
      bn2: new BatchNorm2d(width),
      relu2: relu,
      conv3: new Conv2d(width, channels, 1, { bias: false }),
      bn3: new BatchNorm2d(channels),
    },
    post: relu,
  });
}
const block = resnextBlock(256, 128, 32); // conv2.weight: [128, 4, 3, 3] — 4 input channels per group
console.log(block.namedParameters().map(([n, p]) => `${n} ${p.shape.join('×')}`));
for (const m of [resnext, custom, block]) m.dispose();
