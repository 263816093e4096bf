/** Checkpoint directories on the file system. */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CHECKPOINT_FILES, decodeCheckpoint, disposeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointIO } from '../checkpoint.js';
import type { TrainingContext } from '../events.js';

function isTrainer(v: Checkpoint | TrainingContext): v is TrainingContext {
  return typeof (v as TrainingContext).checkpoint === 'function';
}

/**
 * Writes a checkpoint directory: `model.safetensors`, `optimizer.safetensors`, `state.json`.
 * The files are written to a sibling temporary directory which then replaces `dir`, so a
 * crash mid-write leaves the previous checkpoint intact.
 * @param source a checkpoint, or a trainer to snapshot (the snapshot is disposed after writing).
 */
export async function saveCheckpoint(dir: string, source: Checkpoint | TrainingContext): Promise<void> {
  const ckpt = isTrainer(source) ? source.checkpoint() : source;
  let files;
  try {
    files = await encodeCheckpoint(ckpt);
  } finally {
    if (ckpt !== source) disposeCheckpoint(ckpt);
  }
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = `${dir.replace(/[/\\]+$/, '')}.tmp-${suffix}`;
  const old = `${dir.replace(/[/\\]+$/, '')}.old-${suffix}`;
  await mkdir(dirname(tmp), { recursive: true });
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    await writeFile(join(tmp, CHECKPOINT_FILES.model), files.model);
    await writeFile(join(tmp, CHECKPOINT_FILES.optimizer), files.optimizer);
    await writeFile(join(tmp, CHECKPOINT_FILES.state), files.state);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) await rename(dir, old);
    await rename(tmp, dir);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function readPart(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${path}: file not found (a checkpoint directory holds ${Object.values(CHECKPOINT_FILES).join(', ')})`);
    }
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
}

/**
 * Reads a checkpoint directory written by {@link saveCheckpoint}; tensors are created on the
 * active backend. Release them with `disposeCheckpoint` (or pass the checkpoint to
 * `fit({ resumeFrom })`/`Trainer.restore`, then dispose it).
 * @throws Error naming the directory or file and the problem: a missing directory or file,
 *   bad JSON or fields in `state.json`, or a safetensors parse error.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new Error(`${dir}: checkpoint directory not found`);
  if (!info.isDirectory()) throw new Error(`${dir}: not a directory (a checkpoint is a directory holding ${Object.values(CHECKPOINT_FILES).join(', ')})`);
  const sources = {
    model: join(dir, CHECKPOINT_FILES.model),
    optimizer: join(dir, CHECKPOINT_FILES.optimizer),
    state: join(dir, CHECKPOINT_FILES.state),
  };
  const [state, model, optimizer] = await Promise.all([readPart(sources.state), readPart(sources.model), readPart(sources.optimizer)]);
  return decodeCheckpoint({ model, optimizer, state }, sources);
}

/** {@link saveCheckpoint}/{@link loadCheckpoint} as a `CheckpointIO` for `ModelCheckpoint` and `TrainerOptions.checkpointIO`. */
export const nodeCheckpointIO: CheckpointIO = { save: saveCheckpoint, load: loadCheckpoint };

/** Creates the parent directory of `path` if needed. @internal */
export async function ensureParent(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
}
