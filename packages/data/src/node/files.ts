import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/**
 * A file that could not be loaded. The message always reads `<format> file <path>: <problem>`
 * (or `<format> folder <path>: …`) so a user can tell which of several files is at fault
 * and why.
 */
export class DataFileError extends Error {
  /** The offending file (or folder). */
  readonly file: string;
  /** The format that was expected, e.g. `'IDX'`, `'CIFAR-10'`, `'image'`. */
  readonly format: string;

  /**
   * @param options.cause - The underlying error (fs, zlib, decoder).
   * @param options.folder - The path is a folder (changes the wording only).
   */
  constructor(format: string, file: string, problem: string, options: { cause?: unknown; folder?: boolean } = {}) {
    super(`${format} ${options.folder ? 'folder' : 'file'} ${file}: ${problem}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataFileError';
    this.file = file;
    this.format = format;
  }
}

/** Human wording for the fs errors users actually hit. */
export function describeFsError(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  if (code === 'ENOTDIR') return 'a parent path is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** Reads a whole file, turning fs errors into a {@link DataFileError}. */
export async function readBytes(format: string, file: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new DataFileError(format, file, describeFsError(e), { cause: e });
  }
}

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file and transparently gunzips it when it starts with the gzip magic (so
 * `train-images-idx3-ubyte.gz` and the unpacked file both work, whatever their names).
 */
export async function readMaybeGzipped(format: string, file: string): Promise<Uint8Array> {
  const bytes = await readBytes(format, file);
  if (!isGzip(bytes)) return bytes;
  try {
    const out = await gunzipAsync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DataFileError(format, file, `gzip data is corrupt or truncated (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}
