/** The testing entry's own contracts: skip-list validation, stream restarts and tensor comparison. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { tensor, tidy } from '../index.js';
import { assertTensorsClose, distinctArray, randomArray, restartStreams, runConformance, useBackend, type SkipList } from './index.js';

beforeAll(() => useBackend('cpu', createCpuBackend));

describe('runConformance skip list', () => {
  // Both throw before any describe is registered, so they can run inside a test.
  it('rejects a name that is not a suite, listing the suites', () => {
    const skip = { gradient: 'typo' } as SkipList;
    expect(() => runConformance({ name: 'x', factory: createCpuBackend, skip })).toThrow(/'gradient', which is not a suite \(suites: elementwise, .*gradients/);
  });
  it('rejects a skip without a reason', () => {
    expect(() => runConformance({ name: 'x', factory: createCpuBackend, skip: { gradients: ' ' } })).toThrow(/needs a reason/);
  });
});

describe('restartStreams', () => {
  it('replays the same arrays from the same seed, and other arrays from another', () => {
    restartStreams(42);
    const first = [randomArray(5), distinctArray(5)];
    restartStreams(42);
    expect([randomArray(5), distinctArray(5)]).toEqual(first);
    restartStreams(43);
    expect(randomArray(5)).not.toEqual(first[0]);
  });
});

describe('assertTensorsClose', () => {
  it('passes within the absolute tolerance and fails past it, naming the element', () => {
    tidy(() => {
      assertTensorsClose(tensor([1, 2, 3]), tensor([1, 2, 3 + 5e-6]));
      expect(() => assertTensorsClose(tensor([1, 2, 3]), tensor([1, 2.1, 3]))).toThrow(/element 1 is 2, expected 2.09/);
    });
  });
  it('fails on different shapes and on NaN, even where both sides have one', () => {
    tidy(() => {
      expect(() => assertTensorsClose(tensor([1, 2]), tensor([[1, 2]]))).toThrow(/shape \[2\], expected \[1, 2\]/);
      expect(() => assertTensorsClose(tensor([NaN]), tensor([NaN]))).toThrow(/NaN/);
    });
  });
});
