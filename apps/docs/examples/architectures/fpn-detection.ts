import './setup.js';
import { readFileSync } from 'node:fs';
import { countSkips, loadTensors, noGrad, setSkips, tensor } from '@skipnet/core';
import { renderShapesDetScene } from '@skipnet/data';
import { createModel, FPNDetector } from '@skipnet/models';

// The small FCOS of the detection demo: ResNet-18 (widths 16–128) → FPN P2–P5 (64 channels) → head.
const fcos = createModel('fcos_small', { numClasses: 3 });
if (!(fcos instanceof FPNDetector)) throw new Error('fcos_small is an FPNDetector');
// The weights the demo below uses (trained by the CLI on shapes-det, stored as float16).
const { tensors } = loadTensors(readFileSync(new URL('../../data/fcos-small.safetensors', import.meta.url)));
fcos.loadStateDict(tensors, { strict: true });
fcos.eval();
console.log(countSkips(fcos), 'skips:', countSkips(fcos.backbone.body), 'residual,', countSkips(fcos.backbone.fpn), 'lateral');

// forward returns torchvision's head outputs packed: [N, ΣHW, classes + 4 box distances + 1 centre-ness].
const { sample } = renderShapesDetScene(0, { split: 'test' });
const x = tensor(sample.x, [1, 3, 128, 128]);
const packed = noGrad(() => fcos.call(x));
console.log(packed.shape, fcos.featureSizes(128, 128)); // [1, 1360, 8]; P2 32×32 … P5 4×4

// Decoding, score threshold and class-wise NMS, as torchvision's postprocess_detections.
const [found] = await fcos.postprocess(packed, [128, 128], { scoreThreshold: 0.3 });
console.log(found!.boxes.length / 4, 'boxes; the scene has', sample.yShape[0], 'objects');

// The "no lateral connections" ablation in the same weights: each P_l then sees only the upsampled P5.
setSkips(fcos, false, 'backbone.fpn');
const plain = noGrad(() => fcos.call(x));
console.log((await fcos.postprocess(plain, [128, 128], { scoreThreshold: 0.3 }))[0]!.boxes.length / 4, 'boxes without laterals');
for (const t of [x, packed, plain, ...Object.values(tensors)]) t.dispose();
fcos.dispose();
