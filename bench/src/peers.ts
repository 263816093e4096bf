/** The contenders: skipnet on a backend, and tfjs 4.22 backends as peers. */
import { createRequire } from 'node:module';
import * as sn from '@skipnet/core';
import type { Contender } from './harness.js';

const require = createRequire(import.meta.url);
// tfjs's ESM build fails under Node (extensionless deep imports); its CommonJS build works.
type Tf = typeof import('@tensorflow/tfjs-core');
let tfModule: Tf | undefined;
/** tfjs-core with the cpu and wasm backends registered. */
export function tf(): Tf {
  if (!tfModule) {
    tfModule = require('@tensorflow/tfjs-core') as Tf;
    require('@tensorflow/tfjs-backend-cpu');
    require('@tensorflow/tfjs-backend-wasm');
  }
  return tfModule;
}

/** skipnet matmul `[n,n]@[n,n]`. */
export function snMatmul(peer: string, backend: string, n: number): Contender {
  let a: sn.Tensor, b: sn.Tensor;
  return {
    peer,
    async setup() {
      await sn.setBackend(backend);
      a = sn.keep(sn.randn([n, n], { seed: 1 }));
      b = sn.keep(sn.randn([n, n], { seed: 2 }));
    },
    async run() {
      const c = sn.matmul(a, b);
      await c.data();
      c.dispose();
    },
    teardown() {
      a.dispose();
      b.dispose();
    },
  };
}

/** tfjs matmul, timed as tfjs is best used (no tidy per call). */
export function tfMatmul(peer: string, backend: string, n: number): Contender {
  let a: import('@tensorflow/tfjs-core').Tensor2D, b: import('@tensorflow/tfjs-core').Tensor2D;
  return {
    peer,
    async setup() {
      await tf().setBackend(backend);
      await tf().ready();
      a = tf().randomNormal([n, n]);
      b = tf().randomNormal([n, n]);
    },
    async run() {
      const c = tf().matMul(a, b);
      await c.data();
      c.dispose();
    },
    teardown() {
      a.dispose();
      b.dispose();
    },
  };
}

/** skipnet 3×3 conv (padding 1) forward + both backward passes, NCHW. */
export function snConv(peer: string, backend: string, n: number, c: number, hw: number): Contender {
  let x: sn.Tensor, w: sn.Tensor, dy: sn.Tensor;
  return {
    peer,
    async setup() {
      await sn.setBackend(backend);
      x = sn.keep(sn.randn([n, c, hw, hw], { seed: 1 }).requiresGrad_());
      w = sn.keep(sn.mul(sn.randn([c, c, 3, 3], { seed: 2 }), 0.1).requiresGrad_());
      dy = sn.keep(sn.randn([n, c, hw, hw], { seed: 3 }));
    },
    async run() {
      sn.tidy(() => sn.conv2d(x, w, null, { padding: 1 }).backward(dy));
      await x.grad!.data();
      await w.grad!.data();
      x.grad!.dispose();
      w.grad!.dispose();
      x.grad = null;
      w.grad = null;
    },
    teardown() {
      [x, w, dy].forEach((t) => t.dispose());
    },
  };
}

/** tfjs 3×3 conv forward + its two backward kernels (what tf.grad would run), NHWC. */
export function tfConv(peer: string, backend: string, n: number, c: number, hw: number): Contender {
  type T4 = import('@tensorflow/tfjs-core').Tensor4D;
  let x: T4, w: T4, dy: T4;
  return {
    peer,
    async setup() {
      await tf().setBackend(backend);
      await tf().ready();
      x = tf().randomNormal([n, hw, hw, c]);
      w = tf().randomNormal([3, 3, c, c]);
      dy = tf().randomNormal([n, hw, hw, c]);
    },
    async run() {
      const t = tf();
      const y = t.conv2d(x, w, 1, 'same');
      const dx = t
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy, filter: w },
          { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: x.shape },
        ) as T4;
      const dw = t
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: w.shape },
        ) as T4;
      await Promise.all([y.data(), dx.data(), dw.data()]);
      [y, dx, dw].forEach((v) => v.dispose());
    },
    teardown() {
      [x, w, dy].forEach((v) => v.dispose());
    },
  };
}
