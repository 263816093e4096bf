import { describe, expect, it } from 'vitest';
import { constantLR, cosineWithWarmup, multiStepLR, oneCycle, scheduleFromConfig, stepLR, type LRSchedule, type ScheduleConfig } from './schedules.js';

/** Relative closeness to 1e-12 (absolute 1e-15 near zero). */
function close(actual: number, expected: number): void {
  const tol = Math.max(1e-15, Math.abs(expected) * 1e-12);
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`expected ${actual} to be within ${tol} of ${expected}`);
  }
}

const { cos, PI } = Math;

describe('stepLR (torch StepLR: lr · gamma^floor(step / step_size))', () => {
  it('decays every stepSize steps', () => {
    const s = stepLR({ lr: 0.1, stepSize: 3, gamma: 0.5 });
    const expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
    expected.forEach((v, step) => close(s.at(step), v));
    close(s.at(1000), 0.1 * 0.5 ** 333);
    expect(s.name).toBe('stepLR');
  });
  it('defaults gamma to 0.1 like PyTorch', () => {
    close(stepLR({ lr: 1, stepSize: 30 }).at(30), 0.1);
  });
});

describe('multiStepLR (torch MultiStepLR: lr · gamma^bisect_right(milestones, step))', () => {
  it('decays at each milestone', () => {
    const s = multiStepLR({ lr: 0.05, milestones: [30, 80], gamma: 0.1 });
    close(s.at(0), 0.05);
    close(s.at(29), 0.05);
    close(s.at(30), 0.005);
    close(s.at(79), 0.005);
    close(s.at(80), 0.0005);
    close(s.at(10_000), 0.0005);
  });
  it('applies a repeated milestone twice, as PyTorch does', () => {
    const s = multiStepLR({ lr: 0.05, milestones: [2, 5, 5], gamma: 0.1 });
    const expected = [0.05, 0.05, 0.005, 0.005, 0.005, 0.00005, 0.00005];
    expected.forEach((v, step) => close(s.at(step), v));
  });
  it('rejects unsorted or non-integer milestones', () => {
    expect(() => multiStepLR({ lr: 0.1, milestones: [80, 30] })).toThrow(
      'multiStepLR: milestones must be sorted in non-decreasing order, got [80, 30] (80 before 30)',
    );
    expect(() => multiStepLR({ lr: 0.1, milestones: [1.5] })).toThrow('multiStepLR: milestones[0] must be an integer, got 1.5');
    expect(() => multiStepLR({ lr: 0.1, milestones: [-1] })).toThrow('multiStepLR: milestones[0] must be ≥ 0, got -1');
  });
});

describe('cosineWithWarmup', () => {
  // warm-up: start + (lr - start)·step/W; then minLr + (lr - minLr)·(1 + cos(π·(step-W)/(T-W)))/2.
  it('warms up linearly from 0 then follows the cosine to minLr', () => {
    const s = cosineWithWarmup({ lr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
    close(s.at(0), 0);
    close(s.at(5), 0.5);
    close(s.at(9), 0.9);
    close(s.at(10), 1);
    close(s.at(35), 0.1 + (0.9 * (1 + Math.SQRT1_2)) / 2); // p = 1/4: cos(π/4) = √2/2 → 0.8681980515339464
    close(s.at(35), 0.8681980515339464);
    close(s.at(60), 0.55); // p = 1/2
    close(s.at(85), 0.1 + (0.9 * (1 - Math.SQRT1_2)) / 2); // p = 3/4 → 0.2318019484660536
    close(s.at(110), 0.1);
    close(s.at(500), 0.1); // held at the floor past totalSteps
  });
  it('warms up from warmupStartLr and defaults minLr to 0', () => {
    const s = cosineWithWarmup({ lr: 1, warmupSteps: 4, totalSteps: 8, warmupStartLr: 0.2 });
    close(s.at(0), 0.2);
    close(s.at(2), 0.6);
    close(s.at(4), 1);
    close(s.at(6), 0.5);
    close(s.at(8), 0);
  });
  it('with no warm-up starts at lr (transformers get_cosine_schedule_with_warmup, num_cycles 0.5)', () => {
    const s = cosineWithWarmup({ lr: 3e-4, warmupSteps: 0, totalSteps: 3 });
    close(s.at(0), 3e-4);
    close(s.at(1), (3e-4 * (1 + cos(PI / 3))) / 2); // 2.25e-4
    close(s.at(1), 2.25e-4);
    close(s.at(2), (3e-4 * (1 + cos((2 * PI) / 3))) / 2); // 0.75e-4
    close(s.at(3), 0);
  });
  it('rejects totalSteps ≤ warmupSteps and negative values', () => {
    expect(() => cosineWithWarmup({ lr: 1, warmupSteps: 10, totalSteps: 10 })).toThrow(
      'cosineWithWarmup: totalSteps (10) must be greater than warmupSteps (10)',
    );
    expect(() => cosineWithWarmup({ lr: 1, warmupSteps: -1, totalSteps: 10 })).toThrow('cosineWithWarmup: warmupSteps must be ≥ 0, got -1');
    expect(() => cosineWithWarmup({ lr: -1, warmupSteps: 1, totalSteps: 10 })).toThrow('cosineWithWarmup: lr must be ≥ 0, got -1');
    expect(() => cosineWithWarmup({ lr: NaN, warmupSteps: 1, totalSteps: 10 })).toThrow('cosineWithWarmup: lr must be a finite number, got NaN');
  });
});

describe('oneCycle (torch OneCycleLR, three_phase=False)', () => {
  // initial = maxLr/divFactor, min = initial/finalDivFactor; phase 1 ends at pctStart·T − 1,
  // phase 2 at T − 1; cos: end + (start − end)/2·(cos(π·pct) + 1); linear: (end − start)·pct + start.
  it('cos anneal, PyTorch defaults (maxLr 0.1, T = 100)', () => {
    const s = oneCycle({ maxLr: 0.1, totalSteps: 100 });
    const initial = 0.1 / 25; // 0.004
    const min = initial / 1e4; // 4e-7
    const cosAnneal = (a: number, b: number, pct: number) => b + ((a - b) / 2) * (cos(PI * pct) + 1);
    close(s.at(0), initial);
    close(s.at(10), cosAnneal(initial, 0.1, 10 / 29));
    close(s.at(29), 0.1);
    close(s.at(30), cosAnneal(0.1, min, 1 / 70));
    close(s.at(64), min + (0.1 - min) / 2); // pct = 35/70 = 1/2 → 0.0500002
    close(s.at(99), min);
    // Values printed by torch 1.13's OneCycleLR for the same settings (get_last_lr after k steps):
    const torch: [number, number][] = [
      [1, 0.004281378056590748],
      [10, 0.029516394846410082],
      [30, 0.09994965352845243],
      [64, 0.0500002],
      [98, 5.07464715475788e-5],
      [100, 5.074647154757325e-5], // PyTorch allows step == total_steps (extrapolates phase 2)
    ];
    for (const [step, v] of torch) close(s.at(step), v);
    expect(() => s.at(101)).toThrow('oneCycle: step 101 is past totalSteps (100)');
  });
  it('linear anneal', () => {
    const s = oneCycle({ maxLr: 0.1, totalSteps: 100, anneal: 'linear' });
    close(s.at(0), 0.004);
    close(s.at(1), (0.1 - 0.004) / 29 + 0.004); // 0.007310344827586207
    close(s.at(10), ((0.1 - 0.004) * 10) / 29 + 0.004); // 0.037103448275862067
    close(s.at(30), (4e-7 - 0.1) / 70 + 0.1); // 0.09857143428571429
    close(s.at(64), 0.0500002);
    close(s.at(98), ((4e-7 - 0.1) * 69) / 70 + 0.1); // 0.0014289657142857043
    close(s.at(99), 4e-7);
  });
  it('non-integer phase boundary (pctStart·T − 1 = 1.5) and custom factors', () => {
    const s = oneCycle({ maxLr: 2, totalSteps: 10, pctStart: 0.25, divFactor: 10, finalDivFactor: 100 });
    // initial 0.2, min 0.002; phase 1 end 1.5, phase 2 end 9.
    const torch = [
      0.19999999999999996, 1.5499999999999998, 1.9781694531330718, 1.8092079773805725, 1.5005, 1.105423934804386, 0.6922920226194276, 0.33253852424750097,
      0.08836808781504163, 0.002, 0.08836808781504152,
    ];
    torch.forEach((v, step) => close(s.at(step), v));
    close(s.at(1), 2 + ((0.2 - 2) / 2) * (cos(PI / 1.5) + 1)); // pct 1/1.5 → 1.55
    close(s.at(2), 0.002 + ((2 - 0.002) / 2) * (cos(PI * (0.5 / 7.5)) + 1));
  });
  it('a first phase shorter than one step goes straight to phase 2, like PyTorch', () => {
    const s = oneCycle({ maxLr: 1, totalSteps: 3, pctStart: 0.2 }); // phase 1 end −0.4
    const min = 1 / 25 / 1e4;
    close(s.at(0), min + ((1 - min) / 2) * (cos(PI * (0.4 / 2.4)) + 1)); // 0.9330129698414118
    close(s.at(0), 0.9330129698414118);
    close(s.at(2), 4e-6);
  });
  it('rejects bad settings', () => {
    expect(() => oneCycle({ maxLr: 1, totalSteps: 10, pctStart: 0.1 })).toThrow(/pctStart·totalSteps must not be exactly 1/);
    expect(() => oneCycle({ maxLr: 1, totalSteps: 10, pctStart: 1.5 })).toThrow('oneCycle: pctStart must be in [0, 1], got 1.5');
    expect(() => oneCycle({ maxLr: 1, totalSteps: 0 })).toThrow('oneCycle: totalSteps must be ≥ 1, got 0');
    expect(() => oneCycle({ maxLr: 1, totalSteps: 10, divFactor: 0 })).toThrow('oneCycle: divFactor must be > 0, got 0');
    // @ts-expect-error invalid anneal strategy
    expect(() => oneCycle({ maxLr: 1, totalSteps: 10, anneal: 'exp' })).toThrow(`oneCycle: anneal must be 'cos' or 'linear', got "exp"`);
  });
});

describe('constantLR', () => {
  it('is constant by default', () => {
    const s = constantLR({ lr: 0.01 });
    for (const step of [0, 1, 7, 1e6]) expect(s.at(step)).toBe(0.01);
  });
  it('scales the first totalIters steps like torch ConstantLR', () => {
    const s = constantLR({ lr: 0.3, factor: 0.5, totalIters: 3 });
    expect([0, 1, 2, 3, 4, 5].map((k) => s.at(k))).toEqual([0.15, 0.15, 0.15, 0.3, 0.3, 0.3]);
    expect(() => constantLR({ lr: 0.3, factor: 2 })).toThrow('constantLR: factor must be in (0, 1], got 2');
  });
});

describe('steps and configs', () => {
  const all: LRSchedule[] = [
    stepLR({ lr: 0.1, stepSize: 3, gamma: 0.5 }),
    multiStepLR({ lr: 0.05, milestones: [2, 5], gamma: 0.3 }),
    cosineWithWarmup({ lr: 1, warmupSteps: 3, totalSteps: 20, minLr: 0.01, warmupStartLr: 0.1 }),
    oneCycle({ maxLr: 0.2, totalSteps: 30, pctStart: 0.4, anneal: 'linear' }),
    constantLR({ lr: 0.3, factor: 0.25, totalIters: 2 }),
  ];

  it('rejects negative and non-integer steps with a clear error', () => {
    for (const s of all) {
      expect(() => s.at(-1)).toThrow(`${s.name}: step must be a non-negative integer, got -1`);
      expect(() => s.at(1.5)).toThrow(`${s.name}: step must be a non-negative integer, got 1.5`);
      expect(() => s.at(NaN)).toThrow(/step must be a non-negative integer/);
    }
  });

  it('configs survive JSON and rebuild identical schedules', () => {
    for (const s of all) {
      const json = JSON.stringify(s.config);
      const rebuilt = scheduleFromConfig(JSON.parse(json) as ScheduleConfig);
      expect(rebuilt.name).toBe(s.name);
      expect(rebuilt.config).toEqual(s.config);
      for (let step = 0; step <= 30; step++) expect(rebuilt.at(step)).toBe(s.at(step));
    }
  });

  it('fills defaults into the config', () => {
    expect(oneCycle({ maxLr: 0.1, totalSteps: 100 }).config).toEqual({
      name: 'oneCycle',
      maxLr: 0.1,
      totalSteps: 100,
      pctStart: 0.3,
      divFactor: 25,
      finalDivFactor: 1e4,
      anneal: 'cos',
    });
    expect(cosineWithWarmup({ lr: 1, warmupSteps: 1, totalSteps: 2 }).config).toEqual({
      name: 'cosineWithWarmup',
      lr: 1,
      warmupSteps: 1,
      totalSteps: 2,
      minLr: 0,
      warmupStartLr: 0,
    });
  });

  it('validates configs read back and rejects unknown names', () => {
    expect(() => scheduleFromConfig({ name: 'cosineWithWarmup', lr: 1, warmupSteps: 5, totalSteps: 2, minLr: 0, warmupStartLr: 0 })).toThrow(
      /totalSteps \(2\) must be greater than warmupSteps \(5\)/,
    );
    expect(() => scheduleFromConfig({ name: 'polyLR' } as unknown as ScheduleConfig)).toThrow(
      'scheduleFromConfig: unknown schedule "polyLR" (known: stepLR, multiStepLR, cosineWithWarmup, oneCycle, constantLR)',
    );
    expect(() => scheduleFromConfig(null as unknown as ScheduleConfig)).toThrow('scheduleFromConfig: config must be an object');
  });

  it('returns frozen configs so a schedule cannot be changed behind its back', () => {
    const s = multiStepLR({ lr: 1, milestones: [1] });
    expect(Object.isFrozen(s.config)).toBe(true);
    expect(Object.isFrozen(s.config.milestones)).toBe(true);
  });
});
