// The four kinds of skip the concepts page describes, each one Skip module.
import { BatchNorm2d, Conv2d, ReLU, Sequential, Skip, countSkips, graph, randn, registerBackend, setBackend, setSkips, tidy } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';

registerBackend('cpu', createCpuBackend);
await setBackend('cpu');

const conv = (cin: number, cout: number, stride = 1) => new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });

// 1. Identity shortcut + add (ResNet): shapes match, the bypass has no parameters.
const identity = new Skip({
  main: { conv1: conv(16, 16), bn1: new BatchNorm2d(16), relu: new ReLU(), conv2: conv(16, 16), bn2: new BatchNorm2d(16) },
  post: 'relu',
});

// 2. Projection shortcut + add: the main path halves the resolution and doubles the channels,
//    so the shortcut is a strided 1×1 conv + BN (torchvision's `downsample`).
const projection = new Skip({
  main: { conv1: conv(16, 32, 2), bn1: new BatchNorm2d(32), relu: new ReLU(), conv2: conv(32, 32), bn2: new BatchNorm2d(32) },
  shortcut: { downsample: new Sequential(new Conv2d(16, 32, 1, { stride: 2, bias: false }), new BatchNorm2d(32)) },
  post: 'relu',
});

// 3. Concat merge (DenseNet): the output is [x, F(x)] along channels — 32 + 12 = 44 channels.
const dense = new Skip({
  main: { norm: new BatchNorm2d(32), relu: new ReLU(), conv: conv(32, 12) },
  merge: 'concat',
});

const net = new Sequential(identity, projection, dense);
const x = randn([2, 16, 32, 32], { seed: 0 });
const y = tidy(() => net.call(x));
console.log(y.shape); // [2, 44, 16, 16]

// The graph records one skip edge per merge.
console.log(graph(net, [1, 16, 32, 32]).skipEdges); // 3 edges: add, add, concat

// The plain twin: same layers, same parameter names, bypasses removed.
setSkips(net, false);
console.log(countSkips(net), countSkips(net, { all: true })); // 0 3
setSkips(net, true, (path, skip) => skip.merge === 'concat'); // switch only the dense skip back on
y.dispose();
x.dispose();
