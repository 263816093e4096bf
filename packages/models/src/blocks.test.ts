/**
 * What the one `Skip` hook (`branches`) guarantees inside real blocks: work shared by both
 * branches runs once, extra call arguments (attention masks) reach the branch that needs them,
 * and the plain twin never runs the shortcut.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { BatchNorm2d, Conv2d, Sequential, registerBackend, randn, setBackend, slice, tensor, tidy, type Tensor } from '@skipnet/core';
import { BasicBlock, PreActBasicBlock, TransformerEncoderLayer } from './index.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

async function maxAbsDiff(a: Tensor, b: Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

describe('pre-activation block', () => {
  it('runs bn1 once per call in training, also with a projection shortcut', async () => {
    const downsample = new Sequential(new Conv2d(4, 8, 1, { stride: 2, bias: false }));
    const block = new PreActBasicBlock({ inplanes: 4, planes: 8, stride: 2, downsample });
    block.train();
    let calls = 0;
    block.bn1.registerForwardHook(() => void calls++);
    const x = randn([2, 4, 6, 6], { seed: 1 });
    tidy(() => block.call(x));
    expect(calls).toBe(1);
    expect(await block.bn1.num_batches_tracked!.item()).toBe(1);
    // The projection takes the pre-activated input: y = main + downsample(relu(bn1(x))).
    block.eval();
    const y = tidy(() => block.call(x));
    const expected = tidy(() => {
      const pre = block.relu.call(block.bn1.call(x));
      return block.conv2.call(block.relu.call(block.bn2.call(block.conv1.call(pre)))).add(downsample.call(pre));
    });
    expect(await maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    for (const t of [x, y, expected]) t.dispose();
    block.dispose();
  });

  it('the plain twin never runs the shortcut', () => {
    const downsample = new Sequential(new Conv2d(4, 8, 1, { stride: 2, bias: false }), new BatchNorm2d(8));
    const block = new BasicBlock({ inplanes: 4, planes: 8, stride: 2, downsample });
    block.skip = false;
    let calls = 0;
    downsample.registerForwardHook(() => void calls++);
    const x = randn([1, 4, 6, 6], { seed: 2 });
    tidy(() => block.call(x));
    expect(calls).toBe(0);
    block.skip = true;
    tidy(() => block.call(x));
    expect(calls).toBe(1);
    x.dispose();
    block.dispose();
  });
});

describe('Transformer encoder layer', () => {
  it.each([false, true])('masks passed to the layer reach its attention (normFirst %s)', async (normFirst) => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, normFirst });
    layer.eval();
    const src = randn([1, 4, 8], { seed: 3 });
    // Change only token 2 (not by a constant: a LayerNorm would undo that), which the mask
    // hides as a key: tokens 0, 1, 3 must not notice.
    const changed = tidy(() => src.add(randn([1, 4, 8], { seed: 4 }).mul(tensor([0, 0, 5, 0], [1, 4, 1]))));
    const keyPaddingMask = tensor(new Int32Array([0, 0, 1, 0]), [1, 4], { dtype: 'int32' });
    const others = (t: Tensor) => [slice(t, [0, 0, 0], [1, 2, 8]), slice(t, [0, 3, 0], [1, 1, 8])];
    const masked = tidy(() => others(layer.call(src, { keyPaddingMask })).concat(others(layer.call(changed, { keyPaddingMask }))));
    expect(await maxAbsDiff(masked[0]!, masked[2]!)).toBeLessThan(1e-5);
    expect(await maxAbsDiff(masked[1]!, masked[3]!)).toBeLessThan(1e-5);
    // Without the mask they do: the mask, not the data, made the difference.
    const open = tidy(() => others(layer.call(src)).concat(others(layer.call(changed))));
    expect(await maxAbsDiff(open[0]!, open[2]!)).toBeGreaterThan(1e-3);
    for (const t of [src, changed, keyPaddingMask, ...masked, ...open]) t.dispose();
    layer.dispose();
  });
});
