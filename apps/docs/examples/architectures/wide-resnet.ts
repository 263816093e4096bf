import './setup.js';
import { summary } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// torchvision's Wide ResNet-50-2: the bottleneck's inner width doubled (width per group 128).
const wide = createModel('wide_resnet50_2', { numClasses: 10 });
console.log(wide.numParameters()); // ≈ 66.8M with a 10-class head

// The paper's CIFAR networks WRN-d-k are pre-activation ResNets whose stage widths are
// multiplied by k. WRN-16-4: three stages of two blocks, 64/128/256 channels.
const wrn16x4 = createModel('cifar_resnet', { depth: 14, widths: [64, 128, 256], preact: true, shortcut: 'B', numClasses: 10 });
const s = summary(wrn16x4, [1, 3, 32, 32]);
console.log(s.totalParams, s.skips);
wide.dispose();
wrn16x4.dispose();
