import './setup.js';
import { graph } from '@skipnet/core';
import { createModel } from '@skipnet/models';

// FCN-8s on VGG-16 (134M parameters with the 4096-wide fc6/fc7 convolutions).
const fcn = createModel('fcn8s', { numClasses: 21 });
// The same decoder on a ResNet-18 backbone, and a slim VGG for experiments on small images:
const fcnResnet = createModel('fcn8s_resnet18', { numClasses: 4 });
const slim = createModel('fcn8s', { numClasses: 4, baseWidth: 16, fcWidth: 256 });

// Its two skips fuse coarse class scores with finer ones from pool4 and pool3.
const g = graph(slim, [1, 3, 64, 64]);
console.log(g.skipEdges.map((e) => `${g.nodes[e.from]!.name} → ${g.nodes[e.to]!.name}`));
for (const m of [fcn, fcnResnet, slim]) m.dispose();
