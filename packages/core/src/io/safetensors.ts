/**
 * Byte-level reader and writer for the safetensors format
 * (https://github.com/huggingface/safetensors), with no dependency on skipnet's Tensor:
 * everything is plain typed arrays, so the loader can run before a backend exists and the
 * same code serves checkpoints, torchvision weights and golden test fixtures.
 *
 * Layout of a file:
 * ```
 * [0, 8)        N: unsigned 64-bit little-endian length of the header
 * [8, 8+N)      UTF-8 JSON object:
 *                 { "name": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] },
 *                   ...,
 *                   "__metadata__": { "key": "value" } }        (optional, string → string)
 * [8+N, EOF)    the byte buffer; data_offsets are relative to its start, little-endian,
 *               row-major, and the tensors cover it exactly (no overlap, no holes).
 * ```
 *
 * Validation follows the reference implementation (header ≤ 100 MB, offsets contiguous and
 * covering the whole buffer, byte lengths equal to shape × element size), with error
 * messages that name the file, the tensor and the numbers involved.
 */

/** Element types skipnet tensors use; everything read is widened or narrowed to one of these. */
export type SafetensorsDtype = 'float32' | 'int32';

/** One tensor as read from a safetensors file. */
export interface SafetensorsTensor {
  /** skipnet dtype of `data`. Floating formats become `float32`, integer and bool formats `int32`. */
  dtype: SafetensorsDtype;
  /** Row-major shape; `[]` is a scalar (one element). */
  shape: number[];
  /** A fresh, aligned copy of the values (never a view into the input bytes). */
  data: Float32Array | Int32Array;
  /** The dtype string as stored in the file (`"F32"`, `"BF16"`, `"I64"`, …). */
  storedDtype: string;
}

/** The result of {@link parseSafetensors}. */
export interface ParsedSafetensors {
  /** Tensors by name, in the order of their offsets in the file. */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` object, or `{}` when the file has none. */
  metadata: Record<string, string>;
}

/** A tensor to write with {@link serializeSafetensors}. `data.length` must equal the shape's size. */
export interface SafetensorsInput {
  /** `float32` is written as `F32`, `int32` as `I32`. */
  dtype: SafetensorsDtype;
  /** Row-major shape of non-negative integers; `[]` for a scalar. */
  shape: readonly number[];
  /** The values: a `Float32Array` for `float32`, an `Int32Array` for `int32`. */
  data: Float32Array | Int32Array;
}

/** Largest header accepted, in bytes (the reference implementation's limit). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Stored dtypes this reader understands, with their element size in bytes and the dtype they load as. */
export const SAFETENSORS_READ_DTYPES: Readonly<Record<string, { bytes: number; as: SafetensorsDtype }>> = {
  F64: { bytes: 8, as: 'float32' },
  F32: { bytes: 4, as: 'float32' },
  F16: { bytes: 2, as: 'float32' },
  BF16: { bytes: 2, as: 'float32' },
  I64: { bytes: 8, as: 'int32' },
  I32: { bytes: 4, as: 'int32' },
  I16: { bytes: 2, as: 'int32' },
  I8: { bytes: 1, as: 'int32' },
  U64: { bytes: 8, as: 'int32' },
  U32: { bytes: 4, as: 'int32' },
  U16: { bytes: 2, as: 'int32' },
  U8: { bytes: 1, as: 'int32' },
  BOOL: { bytes: 1, as: 'int32' },
};

const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function where(source: string | undefined): string {
  return source === undefined ? 'safetensors' : `safetensors (${source})`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Decodes one IEEE 754 binary16 value given as its 16 bits.
 * Handles signed zeros, subnormals, infinities and NaN exactly.
 */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Decodes one bfloat16 value given as its 16 bits (the top half of a float32). */
export function bfloat16BitsToNumber(bits: number): number {
  const scratch = new DataView(new ArrayBuffer(4));
  scratch.setUint32(0, (bits & 0xffff) << 16, true);
  return scratch.getFloat32(0, true);
}

let f16Table: Float32Array | undefined;
function float16Table(): Float32Array {
  if (f16Table === undefined) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = float16BitsToNumber(i);
  }
  return f16Table;
}

/** Copies `length` bytes starting at `offset` into a fresh ArrayBuffer (aligned, unaliased). */
function copyBytes(bytes: Uint8Array, offset: number, length: number): ArrayBuffer {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(offset, offset + length));
  return out.buffer;
}

function decode(bytes: Uint8Array, begin: number, count: number, stored: string, name: string, source: string | undefined): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, count * SAFETENSORS_READ_DTYPES[stored]!.bytes);
  const tooBig = (i: number, value: bigint | number): Error =>
    new Error(`${where(source)}: tensor "${name}" (${stored}) element ${i} = ${value} does not fit in int32 ` + `(range ${-(2 ** 31)}..${2 ** 31 - 1})`);
  switch (stored) {
    case 'F32':
      if (LITTLE_ENDIAN_HOST) return new Float32Array(copyBytes(bytes, begin, count * 4));
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
    case 'I32':
      if (LITTLE_ENDIAN_HOST) return new Int32Array(copyBytes(bytes, begin, count * 4));
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const table = float16Table();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)]!;
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) outBits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getInt32(i * 8, true);
        const hi = view.getInt32(i * 8 + 4, true);
        // Fits iff the high word is the sign extension of the low word.
        if (hi !== lo >> 31) throw tooBig(i, view.getBigInt64(i * 8, true));
        out[i] = lo;
      }
      return out;
    }
    case 'U64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(i * 8, true);
        const hi = view.getUint32(i * 8 + 4, true);
        if (hi !== 0 || lo > 0x7fffffff) throw tooBig(i, view.getBigUint64(i * 8, true));
        out[i] = lo;
      }
      return out;
    }
    case 'U32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getUint32(i * 4, true);
        if (v > 0x7fffffff) throw tooBig(i, v);
        out[i] = v;
      }
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'U16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
      return out;
    }
    case 'I8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset + begin, count));
    case 'U8':
      return Int32Array.from(bytes.subarray(begin, begin + count));
    case 'BOOL': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes[begin + i] !== 0 ? 1 : 0;
      return out;
    }
    default:
      throw new Error(`${where(source)}: internal error: no decoder for ${stored}`);
  }
}

interface Entry {
  name: string;
  stored: string;
  shape: number[];
  count: number;
  begin: number;
  end: number;
}

/**
 * Parses a safetensors file held in memory.
 *
 * `F32` and `I32` load as they are. Other formats are converted: `F64`, `F16` and `BF16` to
 * float32 (F64 rounds to nearest); `I64`, `U64`, `U32`, `I16`, `U16`, `I8`, `U8` and `BOOL`
 * to int32, throwing (naming the tensor, the element and its value) when a 64- or unsigned
 * 32-bit value does not fit in int32. Every tensor's data is copied into its own buffer, so
 * the result neither aliases `bytes` nor depends on its alignment.
 *
 * @param bytes  The whole file.
 * @param source Optional file name or URL, used only in error messages.
 * @returns The tensors (in file-offset order) and the `__metadata__` strings.
 * @throws Error naming `source` and the problem when the file is shorter than 8 bytes, its
 *   header length exceeds the file or 100 MB, the header is not UTF-8 JSON describing an
 *   object, a dtype is unknown, a shape or `data_offsets` is malformed, offsets fall outside
 *   the byte buffer (file truncated), a byte length disagrees with shape × element size,
 *   tensors overlap, or the buffer has holes or trailing bytes.
 */
export function parseSafetensors(bytes: Uint8Array, source?: string): ParsedSafetensors {
  const at = where(source);
  if (bytes.length < 8) {
    throw new Error(`${at}: file is ${bytes.length} bytes, shorter than the 8-byte header length prefix`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new Error(
      `${at}: header length ${headerLen} bytes exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit ` + `(not a safetensors file, or a corrupt one)`,
    );
  }
  const n = Number(headerLen);
  if (8 + n > bytes.length) {
    throw new Error(`${at}: header length ${n} bytes runs past the end of the ${bytes.length}-byte file ` + `(file truncated, or not a safetensors file)`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new Error(`${at}: header (${n} bytes) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`${at}: header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) {
    const kind = header === null ? 'null' : Array.isArray(header) ? 'an array' : `a ${typeof header}`;
    throw new Error(`${at}: header must be a JSON object, got ${kind}`);
  }

  const metadata: Record<string, string> = {};
  const rawMeta = header[METADATA_KEY];
  if (rawMeta !== undefined) {
    if (!isPlainObject(rawMeta)) throw new Error(`${at}: "${METADATA_KEY}" must be an object of strings`);
    for (const [k, v] of Object.entries(rawMeta)) {
      if (typeof v !== 'string') {
        throw new Error(`${at}: "${METADATA_KEY}" value for "${k}" must be a string, got ${JSON.stringify(v)}`);
      }
      metadata[k] = v;
    }
  }

  const bufferStart = 8 + n;
  const bufferSize = bytes.length - bufferStart;
  const supported = Object.keys(SAFETENSORS_READ_DTYPES).join(', ');
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    if (!isPlainObject(info)) throw new Error(`${at}: entry for tensor "${name}" must be an object`);
    const stored = info['dtype'];
    if (typeof stored !== 'string' || !Object.hasOwn(SAFETENSORS_READ_DTYPES, stored)) {
      throw new Error(`${at}: tensor "${name}" has unsupported dtype ${JSON.stringify(stored)} (supported: ${supported})`);
    }
    const shape = info['shape'];
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      throw new Error(`${at}: tensor "${name}" shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const offsets = info['data_offsets'];
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isNonNegativeInteger(offsets[0]) || !isNonNegativeInteger(offsets[1]) || offsets[0] > offsets[1]) {
      throw new Error(`${at}: tensor "${name}" data_offsets must be [begin, end] with integers 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > bufferSize) {
      throw new Error(
        `${at}: tensor "${name}" data_offsets [${begin}, ${end}] are out of range of the ${bufferSize}-byte data buffer ` +
          `(file truncated, or offsets corrupt)`,
      );
    }
    let count = 1;
    for (const d of shape as number[]) count *= d;
    const itemBytes = SAFETENSORS_READ_DTYPES[stored]!.bytes;
    if (!Number.isSafeInteger(count * itemBytes) || count * itemBytes !== end - begin) {
      throw new Error(
        `${at}: tensor "${name}" has ${end - begin} bytes (data_offsets [${begin}, ${end}]) but shape ` +
          `[${(shape as number[]).join(',')}] of ${stored} needs ${count} × ${itemBytes} = ${count * itemBytes}`,
      );
    }
    entries.push({ name, stored, shape: [...(shape as number[])], count, begin, end });
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: Entry | undefined;
  for (const e of entries) {
    if (e.begin < cursor) {
      throw new Error(`${at}: tensors "${prev!.name}" [${prev!.begin}, ${prev!.end}] and "${e.name}" [${e.begin}, ${e.end}] overlap`);
    }
    if (e.begin > cursor) {
      throw new Error(`${at}: data buffer has a hole at bytes [${cursor}, ${e.begin}) before tensor "${e.name}" ` + `(tensors must be contiguous)`);
    }
    cursor = e.end;
    prev = e;
  }
  if (cursor !== bufferSize) {
    throw new Error(
      `${at}: tensors cover ${cursor} bytes of the ${bufferSize}-byte data buffer ` + `(${bufferSize - cursor} trailing bytes belong to no tensor)`,
    );
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const data = decode(bytes, bufferStart + e.begin, e.count, e.stored, e.name, source);
    tensors.set(e.name, { dtype: SAFETENSORS_READ_DTYPES[e.stored]!.as, shape: e.shape, data, storedDtype: e.stored });
  }
  return { tensors, metadata };
}

function codePointCompare(a: string, b: string): number {
  // Compare by Unicode code point (= UTF-8 byte order), independent of locale.
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Serializes tensors to safetensors bytes (`F32` for float32, `I32` for int32).
 *
 * Tensors are written in sorted name order (Unicode code point order), contiguous with no
 * gaps, after a header padded with spaces so the byte buffer starts on an 8-byte boundary.
 * `__metadata__` is written first and only when `metadata` has at least one entry.
 *
 * @param tensors  Tensors by name; `data.length` must equal the product of `shape`.
 * @param metadata Optional string → string metadata stored under `__metadata__`.
 * @returns The file contents.
 * @throws Error when a name is empty or `__metadata__`, a shape is not non-negative integers,
 *   the typed array does not match the dtype, `data.length` does not match the shape, or a
 *   metadata value is not a string.
 */
export function serializeSafetensors(tensors: Record<string, SafetensorsInput>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort(codePointCompare);
  // Null prototype: a tensor named "__proto__" must become a key, not a prototype.
  const header = Object.create(null) as Record<string, unknown>;
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new Error(`serializeSafetensors: metadata value for "${k}" must be a string, got ${typeof v}`);
      }
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    if (name === '' || name === METADATA_KEY) {
      throw new Error(`serializeSafetensors: "${name}" is not a valid tensor name`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegativeInteger)) {
      throw new Error(`serializeSafetensors: tensor "${name}" shape must be non-negative integers, got ${JSON.stringify(t.shape)}`);
    }
    const expected = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : undefined;
    if (expected === undefined) {
      throw new Error(`serializeSafetensors: tensor "${name}" has unsupported dtype ${JSON.stringify(t.dtype)} (supported: float32, int32)`);
    }
    if (!(t.data instanceof expected)) {
      throw new Error(`serializeSafetensors: tensor "${name}" is ${t.dtype} but its data is a ${t.data?.constructor?.name ?? typeof t.data}`);
    }
    let count = 1;
    for (const d of t.shape) count *= d;
    if (t.data.length !== count) {
      throw new Error(`serializeSafetensors: tensor "${name}" shape [${t.shape.join(',')}] has ${count} elements but data has ${t.data.length}`);
    }
    const bytes = count * 4;
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }

  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + padded + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let pos = 8 + padded;
  for (const name of names) {
    const { data } = tensors[name]!;
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) dv.setFloat32(pos + i * 4, data[i]!, true);
    } else {
      for (let i = 0; i < data.length; i++) dv.setInt32(pos + i * 4, data[i]!, true);
    }
    pos += data.byteLength;
  }
  return out;
}
