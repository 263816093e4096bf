/** Engine, registry, memory and autograd behaviour on the reference backend. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import {
  getBackendName,
  grad,
  keep,
  listBackends,
  memory,
  noGrad,
  registerBackend,
  setBackend,
  tidy,
  SGD,
  Adam,
  AdamW,
  tensor,
  ones,
  zeros,
  randn,
  add,
  mul,
  sum,
  matmul,
  conv2d,
  relu,
  exp,
  tanh,
  saveTensors,
  loadTensors,
} from './index.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend, 1);
  registerBackend('cpu-b', createCpuBackend, 0);
  await setBackend('cpu');
});

describe('registry', () => {
  it('lists backends by priority and names them in errors', async () => {
    expect(listBackends()).toEqual(['cpu', 'cpu-b']);
    await expect(setBackend('gpu9000')).rejects.toThrow(/Unknown backend 'gpu9000'. Registered backends: cpu, cpu-b/);
    expect(getBackendName()).toBe('cpu');
  });
  it('refuses to mix tensors of two backends in one op', async () => {
    const a = ones([2]);
    await setBackend('cpu-b');
    const b = ones([2]);
    await setBackend('cpu');
    expect(() => add(a, b)).toThrow(/different backends \('cpu' and 'cpu-b'\)/);
    a.dispose();
    b.dispose();
  });
});

describe('memory', () => {
  it('tidy frees what it created except returned tensors; keep exempts', () => {
    const before = memory().tensors;
    let kept: ReturnType<typeof ones> | undefined;
    const out = tidy(() => {
      const a = ones([3]);
      const b = mul(a, 2);
      kept = keep(add(b, 1));
      return { result: [exp(b)] };
    });
    expect(memory().tensors).toBe(before + 2);
    out.result[0]!.dispose();
    kept!.dispose();
    expect(memory().tensors).toBe(before);
  });
  it('views share storage: bytes are freed with the last view', () => {
    const before = memory();
    const a = zeros([4, 4]);
    const v = a.reshape([16]);
    expect(memory().bytes - before.bytes).toBe(64);
    a.dispose();
    expect(memory().bytes - before.bytes).toBe(64);
    v.dispose();
    expect(memory().bytes).toBe(before.bytes);
  });
  it('a disposed tensor says so', async () => {
    const a = ones([2, 2]);
    a.dispose();
    await expect(a.data()).rejects.toThrow(/already disposed/);
    expect(() => a.add(1)).toThrow(/disposed/);
  });
  it('shape errors name the op and both shapes', () => {
    tidy(() => {
      expect(() => conv2d(zeros([8, 3, 32, 32]), zeros([16, 4, 3, 3]))).toThrow(
        'conv2d: input [8,3,32,32] has 3 channels, weight [16,4,3,3] expects 4 (groups=1)',
      );
      expect(() => add(zeros([2, 3]), zeros([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast together');
      expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/matmul: inner dimensions differ: \[2,3\] @ \[4,5\]/);
    });
  });
});

describe('autograd', () => {
  it('accumulates gradients over two backward passes and through shared inputs', async () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    tidy(() => sum(mul(x, x)).backward());
    tidy(() => sum(add(mul(x, 3), x)).backward());
    expect(Array.from(await x.grad!.data())).toEqual([2 + 4, 4 + 4, 6 + 4]);
    x.dispose();
  });
  it('noGrad records nothing; backward on it explains', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    tidy(() => {
      const y = noGrad(() => sum(mul(x, 2)));
      expect(y.requiresGrad).toBe(false);
      expect(() => y.backward()).toThrow(/does not require grad/);
    });
    x.dispose();
  });
  it('grad(f) returns derivatives without touching the arguments', async () => {
    const x = tensor([0.5, -1], [2]);
    const [g] = grad((v) => sum(tanh(v)))(x);
    const d = await g!.data();
    expect(d[0]).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 6);
    expect(d[1]).toBeCloseTo(1 - Math.tanh(-1) ** 2, 6);
    expect(x.grad).toBeNull();
    g!.dispose();
    x.dispose();
  });
  it('backpropagates through a 300-layer chain without overflowing the stack', async () => {
    const x = tensor([0.1], [1], { requiresGrad: true });
    tidy(() => {
      let h = x;
      for (let i = 0; i < 300; i++) h = add(h, mul(relu(h), 0.001));
      sum(h).backward();
    });
    expect((await x.grad!.data())[0]).toBeCloseTo(1.001 ** 300, 3);
    x.dispose();
  });
});

describe('optimizers match torch.optim formulas', () => {
  const run = async (make: (p: ReturnType<typeof tensor>) => { step(): void; zeroGrad(): void; dispose(): void }, steps = 3): Promise<number[]> => {
    const p = tensor([1, -2], [2], { requiresGrad: true });
    const opt = make(p);
    for (let i = 0; i < steps; i++) {
      // loss = Σ p³ / 3 → grad = p²
      tidy(() => sum(mul(mul(p, p), mul(p, 1 / 3))).backward());
      opt.step();
      opt.zeroGrad();
    }
    const out = Array.from(await p.data());
    opt.dispose();
    p.dispose();
    return out;
  };
  const torchSGD = (p0: number, lr: number, mom: number, wd: number, nesterov: boolean, steps: number) => {
    let p = p0;
    let v = 0;
    for (let i = 0; i < steps; i++) {
      let g = p * p + wd * p;
      v = i === 0 ? g : mom * v + g;
      g = nesterov ? g + mom * v : mom ? v : g;
      p -= lr * g;
    }
    return p;
  };
  const torchAdam = (p0: number, lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, steps: number) => {
    let [p, m, v] = [p0, 0, 0];
    for (let t = 1; t <= steps; t++) {
      let g = p * p;
      if (decoupled) p *= 1 - lr * wd;
      else g += wd * p;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      p -= (lr / (1 - b1 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps));
    }
    return p;
  };
  it('SGD with momentum, Nesterov and weight decay', async () => {
    const got = await run((p) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }));
    expect(got[0]).toBeCloseTo(torchSGD(1, 0.1, 0.9, 0.01, true, 3), 5);
    expect(got[1]).toBeCloseTo(torchSGD(-2, 0.1, 0.9, 0.01, true, 3), 5);
    const plain = await run((p) => new SGD([p], { lr: 0.1, momentum: 0.9 }));
    expect(plain[1]).toBeCloseTo(torchSGD(-2, 0.1, 0.9, 0, false, 3), 5);
  });
  it('Adam and AdamW', async () => {
    const a = await run((p) => new Adam([p], { lr: 0.01, weightDecay: 0.1 }));
    expect(a[1]).toBeCloseTo(torchAdam(-2, 0.01, 0.9, 0.999, 1e-8, 0.1, false, 3), 5);
    const w = await run((p) => new AdamW([p], { lr: 0.01, weightDecay: 0.1 }));
    expect(w[1]).toBeCloseTo(torchAdam(-2, 0.01, 0.9, 0.999, 1e-8, 0.1, true, 3), 5);
  });
  it('state round-trips through safetensors and resumes identically', async () => {
    const straight = await run((p) => new Adam([['w', p]], { lr: 0.01 }), 4);
    const p = tensor([1, -2], [2], { requiresGrad: true });
    let opt = new Adam([['w', p]], { lr: 0.01 });
    const stepOnce = () => {
      tidy(() => sum(mul(mul(p, p), mul(p, 1 / 3))).backward());
      opt.step();
      opt.zeroGrad();
    };
    stepOnce();
    stepOnce();
    const saved = opt.stateDict();
    const bytes = await saveTensors(saved.buffers);
    opt.dispose();
    opt = new Adam([['w', p]], { lr: 0.01 });
    const { tensors } = loadTensors(bytes);
    opt.loadStateDict({ step: saved.step, buffers: tensors });
    Object.values(tensors).forEach((t) => t.dispose());
    stepOnce();
    stepOnce();
    expect(Array.from(await p.data())).toEqual(straight);
    opt.dispose();
    p.dispose();
  });
});

describe('seeded random', () => {
  it('is reproducible and independent of the backend instance', async () => {
    const a = await randn([5], { seed: 9 }).data();
    await setBackend('cpu-b');
    const b = await randn([5], { seed: 9 }).data();
    await setBackend('cpu');
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
