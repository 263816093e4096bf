/**
 * The nn layer: `Module`, layers with PyTorch's names, containers, the `Skip` combinator and
 * tracing-based introspection (`summary`, `graph`).
 */
export {
  Module,
  parameter,
  checkStateDict,
  type StateDictCheck,
  type StateDict,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type ForwardHook,
  type ForwardPreHook,
  type HookHandle,
} from './module.js';
export * as init from './init.js';
export type { WeightInit, Fans, KaimingOptions, Nonlinearity } from './init.js';
export * from './layers.js';
export { Sequential, ModuleList, ModuleDict, seq } from './containers.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type AttentionCallOptions } from './attention.js';
export {
  Skip,
  Tap,
  residual,
  dropPath,
  setSkips,
  countSkips,
  namedSkips,
  type Merge,
  type Branch,
  type Branches,
  type ActivationName,
  type GateOptions,
  type ScaleOptions,
  type SkipOptions,
  type SkipFilter,
} from './skip.js';
export { AddMerge, ConcatMerge, GatedMerge, ScaledMerge, type SkipMerge, type MergeContext, type MergeResult } from './merges.js';
export {
  summary,
  graph,
  formatSummary,
  type SummaryRow,
  type ModelSummary,
  type GraphNode,
  type GraphEdge,
  type SkipEdge,
  type ModelGraph,
  type TraceOptions,
} from './trace.js';
