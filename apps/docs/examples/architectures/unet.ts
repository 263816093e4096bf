import './setup.js';
import { crossEntropy, randint, randn, tidy } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// The paper's U-Net: 1 input channel, 2 classes, 64…1024 channels, 31,030,658 parameters.
const unet = createModel('unet');
// A small one for the shapes dataset: RGB in, 4 classes (background, circle, square, triangle).
const small = createModel('unet', { inChannels: 3, numClasses: 4, baseWidth: 8, batchNorm: true });
// Its plain twin: the decoder gets zeros where the encoder features were.
const plain = createModel('unet', { inChannels: 3, numClasses: 4, baseWidth: 8, batchNorm: true, skip: false });

const loss = tidy(() => {
  const x = randn([2, 3, 32, 32], { seed: 0 });
  const mask = randint(0, 4, [2, 32, 32], { seed: 1 });
  const logits = small.call(x); // [2, 4, 32, 32]: a score per class per pixel
  const l = crossEntropy(logits, mask); // per-pixel cross-entropy
  l.backward();
  return l;
});
console.log(await loss.item());
loss.dispose();
for (const m of [unet, small, plain]) m.dispose();
