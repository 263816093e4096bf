/**
 * The checkpoint format, independent of where it is stored. A checkpoint is three files:
 *
 * - `model.safetensors`: the model's state dict (parameters and persistent buffers) under
 *   its PyTorch-style names, so PyTorch's `safetensors.torch.load_file` reads it too;
 * - `optimizer.safetensors`: the optimizer's per-parameter buffers (`<param>.exp_avg`, …);
 * - `state.json`: everything else needed to continue bit for bit (see {@link TrainingState}).
 *
 * This module only encodes and decodes bytes, so it runs in browsers; `@skipnet/train/node`
 * reads and writes directories.
 */
import { formatShape, loadTensors, saveTensors, type ScheduleConfig, type Tensor } from '@skipnet/core';
import type { EpochSource } from './evaluate.js';
import type { JsonValue } from './metrics.js';

/** `format` field of every `state.json`. */
export const CHECKPOINT_FORMAT = 'skipnet-train-checkpoint';
/** Current `version` of `state.json`; older readers reject newer files by name. */
export const CHECKPOINT_VERSION = 1;
/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors', state: 'state.json' } as const;

/** The best value of a monitored metric so far. */
export interface BestMetric {
  /** Log key, e.g. `val_loss`. */
  readonly monitor: string;
  /** Whether lower or higher is better. */
  readonly mode: 'min' | 'max';
  /** The best value. */
  readonly value: number;
  /** The (0-based) epoch that produced it. */
  readonly epoch: number;
  /** The global step at which it was measured. */
  readonly step: number;
}

/** What `state.json` records about the training data loader. */
export interface LoaderState {
  /** The loader's seed: resuming with another seed would visit samples in another order. */
  readonly seed: number | null;
  /** Samples per batch: the resume position counts batches. */
  readonly batchSize: number | null;
  /** Whether epochs are shuffled. */
  readonly shuffle: boolean | null;
  /** Whether the last partial batch is dropped. */
  readonly dropLast: boolean | null;
  /** Batches per epoch. */
  readonly numBatches: number;
}

/** Running sums of the epoch in progress, so a mid-epoch resume reports the same epoch metrics. */
export interface ProgressState {
  /** Σ batch loss × batch size over the epoch so far. */
  readonly epochLossSum: number;
  /** Samples seen in the epoch so far. */
  readonly epochSamples: number;
  /** Σ step losses since the last logged step. */
  readonly intervalLossSum: number;
  /** Steps since the last logged step. */
  readonly intervalSteps: number;
  /** Training metrics' accumulators by metric name. */
  readonly metrics: Readonly<Record<string, JsonValue>>;
}

/** The contents of `state.json`. */
export interface TrainingState {
  /** Always {@link CHECKPOINT_FORMAT}. */
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Always {@link CHECKPOINT_VERSION}. */
  readonly version: number;
  /** The run's configuration: the trainer's settings plus the user's `config`. */
  readonly config: Readonly<Record<string, JsonValue>>;
  /** The 0-based epoch in progress (equal to the number of finished epochs). */
  readonly epoch: number;
  /** Batches of `epoch` already trained: the next batch index (`startBatch` on resume). */
  readonly batch: number;
  /** Optimizer steps taken in the whole run. */
  readonly globalStep: number;
  /** Optimizer kind, hyper-parameters and its own step count (buffers are in `optimizer.safetensors`). */
  readonly optimizer: { readonly config: Readonly<Record<string, number | string | boolean>>; readonly step: number };
  /** The learning-rate schedule's config (rebuilt with core's `scheduleFromConfig`), or null. */
  readonly schedule: ScheduleConfig | null;
  /** Best monitored metric so far, or null. */
  readonly best: BestMetric | null;
  /** Core's global generator state (`getRngState()`): dropout and other unseeded random ops. */
  readonly rng: { readonly seed: number; readonly key: number };
  /** The training loader's seed and batching, or null when unknown. */
  readonly loader: LoaderState | null;
  /** Running sums of the epoch in progress. */
  readonly progress: ProgressState;
  /** Callback states by callback name (early-stopping patience, …). */
  readonly callbacks: Readonly<Record<string, JsonValue>>;
}

/** Where each part of a loaded checkpoint came from; errors name these. */
export interface CheckpointSources {
  /** Path (or label) of the model weights. */
  readonly model: string;
  /** Path (or label) of the optimizer buffers. */
  readonly optimizer: string;
  /** Path (or label) of the JSON state. */
  readonly state: string;
}

/**
 * A checkpoint in memory. The tensors belong to the checkpoint: release them with
 * {@link disposeCheckpoint} once saved or restored.
 */
export interface Checkpoint {
  /** Model state dict (copies, not the model's own tensors). */
  readonly model: Record<string, Tensor>;
  /** Optimizer buffers keyed `<param name>.<buffer>`. */
  readonly optimizer: Record<string, Tensor>;
  /** Everything else. */
  readonly state: TrainingState;
  /** Set when the checkpoint was read from storage. */
  readonly sources?: CheckpointSources;
}

/** The three files of a checkpoint, as bytes. */
export interface CheckpointFiles {
  /** `model.safetensors`. */
  readonly model: Uint8Array;
  /** `optimizer.safetensors`. */
  readonly optimizer: Uint8Array;
  /** `state.json` (UTF-8). */
  readonly state: Uint8Array;
}

/**
 * Storage for checkpoints addressed by a directory-like path. `@skipnet/train/node`'s
 * `nodeCheckpointIO` uses the file system; a browser app can back it with IndexedDB.
 */
export interface CheckpointIO {
  /** Writes `checkpoint` to `dir`, replacing what was there (atomically where possible). */
  save(dir: string, checkpoint: Checkpoint): Promise<void>;
  /** Reads the checkpoint in `dir`; errors name the file and the problem. */
  load(dir: string): Promise<Checkpoint>;
}

/** Frees a checkpoint's tensors. */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  for (const t of Object.values(checkpoint.model)) t.dispose();
  for (const t of Object.values(checkpoint.optimizer)) t.dispose();
}

/** Joins a checkpoint root and a sub-directory with `/` (valid on every platform Node runs on). */
export function joinPath(dir: string, name: string): string {
  return `${dir.replace(/[/\\]+$/, '')}/${name}`;
}

/**
 * Serialises a checkpoint to its three files (reads the tensors back from the backend).
 * `model.safetensors` carries the `{"format": "pt"}` metadata PyTorch's safetensors loader expects.
 */
export async function encodeCheckpoint(checkpoint: Checkpoint): Promise<CheckpointFiles> {
  const model = await saveTensors(checkpoint.model, { format: 'pt' });
  const optimizer = await saveTensors(checkpoint.optimizer, { format: 'pt' });
  const state = new TextEncoder().encode(`${JSON.stringify(checkpoint.state, null, 2)}\n`);
  return { model, optimizer, state };
}

/**
 * Parses a checkpoint's files into tensors on the active backend. `state.json` is checked
 * first (it is small), then the safetensors files; on any error nothing stays allocated.
 * @param sources names used in errors (default: the bare file names).
 * @throws Error naming the file and the problem: bad JSON, a wrong format or version, a
 *   missing or ill-typed field, or a safetensors parse error.
 */
export function decodeCheckpoint(files: CheckpointFiles, sources: CheckpointSources = defaultSources()): Checkpoint {
  const state = parseTrainingState(new TextDecoder().decode(files.state), sources.state);
  const model = loadTensors(files.model, sources.model).tensors;
  let optimizer: Record<string, Tensor>;
  try {
    optimizer = loadTensors(files.optimizer, sources.optimizer).tensors;
  } catch (e) {
    for (const t of Object.values(model)) t.dispose();
    throw e;
  }
  return { model, optimizer, state, sources };
}

function defaultSources(): CheckpointSources {
  return { model: CHECKPOINT_FILES.model, optimizer: CHECKPOINT_FILES.optimizer, state: CHECKPOINT_FILES.state };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/**
 * Parses and validates `state.json` text.
 * @param source the file's name or path, used in every error message.
 * @throws Error `"<source>: <problem>"` for invalid JSON, another format or version, or a
 *   missing / ill-typed field (the message names the field).
 */
export function parseTrainingState(text: string, source: string): TrainingState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const bad = (field: string, want: string, got: unknown): never => {
    throw new Error(`${source}: field '${field}' must be ${want}, got ${show(got)}`);
  };
  if (!isObj(raw)) throw new Error(`${source}: expected a JSON object, got ${show(raw)}`);
  if (raw.format !== CHECKPOINT_FORMAT) bad('format', `"${CHECKPOINT_FORMAT}" (is this a skipnet training checkpoint?)`, raw.format);
  if (raw.version !== CHECKPOINT_VERSION) bad('version', `${CHECKPOINT_VERSION} (written by another version of @skipnet/train)`, raw.version);
  const int = (o: Obj, key: string, path = key): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(path, 'a non-negative integer', v);
  };
  const obj = (o: Obj, key: string, path = key): Obj => (isObj(o[key]) ? (o[key] as Obj) : bad(path, 'an object', o[key]));
  const num = (o: Obj, key: string, path: string): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : bad(path, 'a finite number', v);
  };
  obj(raw, 'config');
  int(raw, 'epoch');
  int(raw, 'batch');
  int(raw, 'globalStep');
  const opt = obj(raw, 'optimizer');
  const optConfig = obj(opt, 'config', 'optimizer.config');
  if (typeof optConfig.kind !== 'string') bad('optimizer.config.kind', 'a string', optConfig.kind);
  int(opt, 'step', 'optimizer.step');
  if (raw.schedule !== null && !(isObj(raw.schedule) && typeof raw.schedule.name === 'string'))
    bad('schedule', 'null or a schedule config with a name', raw.schedule);
  if (raw.best !== null) {
    const best = obj(raw, 'best');
    if (typeof best.monitor !== 'string') bad('best.monitor', 'a string', best.monitor);
    if (best.mode !== 'min' && best.mode !== 'max') bad('best.mode', '"min" or "max"', best.mode);
    num(best, 'value', 'best.value');
    int(best, 'epoch', 'best.epoch');
    int(best, 'step', 'best.step');
  }
  const rng = obj(raw, 'rng');
  int(rng, 'seed', 'rng.seed');
  int(rng, 'key', 'rng.key');
  if (raw.loader !== null) {
    const loader = obj(raw, 'loader');
    int(loader, 'numBatches', 'loader.numBatches');
    if (loader.seed !== null && typeof loader.seed !== 'number') bad('loader.seed', 'a number or null', loader.seed);
    if (loader.batchSize !== null) int(loader, 'batchSize', 'loader.batchSize');
  }
  const progress = obj(raw, 'progress');
  num(progress, 'epochLossSum', 'progress.epochLossSum');
  int(progress, 'epochSamples', 'progress.epochSamples');
  num(progress, 'intervalLossSum', 'progress.intervalLossSum');
  int(progress, 'intervalSteps', 'progress.intervalSteps');
  obj(progress, 'metrics', 'progress.metrics');
  obj(raw, 'callbacks');
  return raw as unknown as TrainingState;
}

/**
 * Throws unless `loader` batches like the run that wrote the checkpoint (seed, batch size,
 * batches per epoch): resuming with another would visit different batches.
 * @param source the file named in the error (`state.json`).
 */
export function checkLoaderMatches(saved: LoaderState, loader: EpochSource, source: string): void {
  const diffs: string[] = [];
  if (saved.seed !== null && typeof loader.seed === 'number' && loader.seed !== saved.seed) diffs.push(`seed ${loader.seed} (checkpoint: ${saved.seed})`);
  if (saved.batchSize !== null && typeof loader.batchSize === 'number' && loader.batchSize !== saved.batchSize)
    diffs.push(`batchSize ${loader.batchSize} (checkpoint: ${saved.batchSize})`);
  if (loader.numBatches !== saved.numBatches) diffs.push(`${loader.numBatches} batches per epoch (checkpoint: ${saved.numBatches})`);
  if (diffs.length)
    throw new Error(`${source}: the training loader does not match the checkpoint's: ${diffs.join(', ')}; resuming would visit different batches`);
}

/**
 * Throws unless every saved optimizer buffer (`<parameter name>.<slot>`) belongs to one of
 * `params` and has its shape.
 * @param source the file named in the error (`optimizer.safetensors`).
 */
export function checkOptimizerBuffers(params: readonly (readonly [string, Tensor])[], buffers: Readonly<Record<string, Tensor>>, source: string): void {
  const byName = new Map(params.map(([n, p]) => [n, p] as const));
  const problems: string[] = [];
  for (const [key, t] of Object.entries(buffers)) {
    const dot = key.lastIndexOf('.');
    const p = dot > 0 ? byName.get(key.slice(0, dot)) : undefined;
    if (!p) problems.push(`buffer '${key}' belongs to no parameter of the optimizer`);
    else if (formatShape(p.shape) !== formatShape(t.shape))
      problems.push(`buffer '${key}' is ${formatShape(t.shape)}, its parameter is ${formatShape(p.shape)}`);
  }
  if (problems.length) throw new Error(`${source}: the optimizer state does not match the optimizer (${problems.join('; ')})`);
}
