import './setup.js';
import { summary } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// FPN on ResNet-50 with a semantic-segmentation head (the registry's 'fpn'), or on ResNet-18:
const fpn = createModel('fpn_resnet18', { numClasses: 4 });
// P5 comes from C5 by a 1×1 lateral conv; each finer level adds its own lateral conv to the
// upsampled coarser level: P4 = lateral(C4) + up(P5), P3 = lateral(C3) + up(P4), …
const s = summary(fpn, [1, 3, 64, 64]);
console.log(s.rows.filter((r) => r.type.endsWith('(add)')).map((r) => r.name));
fpn.dispose();
