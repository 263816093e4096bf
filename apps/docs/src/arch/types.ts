import type { ModelGraph, ModelSummary } from '@skipnet/core';

/** What the build script writes per architecture and the pages' data loaders return. */
export interface ArchData {
  id: string;
  model: string;
  options: Record<string, unknown>;
  input: number[];
  caption: string;
  /** The zoo's one-line description (`modelInfo(name).description`). */
  description: string;
  graph: ModelGraph;
  summary: ModelSummary;
  /** The expanded diagram, rendered by the build script. */
  svg: string;
  /** Cache key: the model list and the core/models sources it was traced from. */
  hash: string;
}
