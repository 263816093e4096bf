/** `conv2dBiasAct` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convForward, geometry } from '../conv.js';
import { activateInPlace } from '../math.js';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** `act(conv2d(x, w) + bias)`: bias and activation are applied per output plane while it is hot in cache. */
export function conv2dBiasAct(
  inputs: KernelInputs<'conv2dBiasAct', CpuHandle>,
  attrs: KernelAttrs<'conv2dBiasAct'>,
  st: CpuStorage,
): KernelOutput<'conv2dBiasAct', CpuHandle> {
  const { x, w, bias } = inputs;
  const y = st.float32(sizeOf(attrs.outShape));
  const g = geometry(x.shape, w.shape, attrs.outShape, attrs);
  convForward(asFloat(x.handle, 'conv2dBiasAct'), asFloat(w.handle, 'conv2dBiasAct'), y, g);
  const P = g.OH * g.OW;
  const bh = bias ? asFloat(bias.handle, 'conv2dBiasAct') : undefined;
  for (let n = 0; n < g.N; n++) {
    for (let c = 0; c < g.OC; c++) {
      const off = (n * g.OC + c) * P;
      if (bh) {
        const b = bh[c]!;
        for (let i = off; i < off + P; i++) y[i]! += b;
      }
      activateInPlace(attrs.activation, y, off, P);
    }
  }
  return y;
}
