/** Builds the demos' models (see ./specs.ts) with the zoo's `createModel`. */
import type { Module } from '@skipnet/core';
import { createModel } from '@skipnet/models';
import { DIGIT_SIDE, type DemoModelSpec } from './specs.js';

export * from './specs.js';

/** The plain-vs-residual demo's network: a deep MLP of residual blocks `x + act(W x + b)`. */
export function deepMlp(depth: number, skip: boolean): Module {
  return createModel('mlp', { inFeatures: DIGIT_SIDE * DIGIT_SIDE, depth, width: 32, activation: 'tanh', numClasses: 10, skip });
}

export function buildDemoModel(spec: DemoModelSpec, skip = true): Module {
  return createModel(spec.model, { ...spec.options, skip } as never);
}
