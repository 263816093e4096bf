import { describe, expect, it } from 'vitest';
import { bfloat16BitsToNumber, float16BitsToNumber, parseSafetensors, SAFETENSORS_MAX_HEADER_BYTES, serializeSafetensors } from './safetensors.js';

/** Builds a raw file: u64 LE header length, header text (unpadded), then `buffer`. */
function rawFile(header: unknown, buffer: Uint8Array = new Uint8Array(0), headerLenOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, headerLenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

function u16le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setUint16(i * 2, v, true));
  return b;
}

function i64le(values: bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, v, true));
  return b;
}

function f32le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return b;
}

describe('serializeSafetensors / parseSafetensors round trip', () => {
  it('round-trips float32 and int32 tensors, scalars, empty tensors and metadata', () => {
    const tensors = {
      'layer1.0.conv1.weight': { dtype: 'float32' as const, shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i * 0.5 - 4) },
      'bn.num_batches_tracked': { dtype: 'int32' as const, shape: [], data: Int32Array.of(7) },
      labels: { dtype: 'int32' as const, shape: [4], data: Int32Array.of(-2147483648, 0, 1, 2147483647) },
      empty: { dtype: 'float32' as const, shape: [0, 3], data: new Float32Array(0) },
      special: { dtype: 'float32' as const, shape: [4], data: Float32Array.of(Infinity, -Infinity, -0, 1e-40) },
    };
    const bytes = serializeSafetensors(tensors, { format: 'pt', note: 'héllo ✓' });
    const { tensors: got, metadata } = parseSafetensors(bytes, 'rt.safetensors');
    expect(metadata).toEqual({ format: 'pt', note: 'héllo ✓' });
    expect(new Set(got.keys())).toEqual(new Set(Object.keys(tensors)));
    for (const [name, t] of Object.entries(tensors)) {
      const g = got.get(name)!;
      expect(g.dtype).toBe(t.dtype);
      expect(g.shape).toEqual(t.shape);
      expect(g.storedDtype).toBe(t.dtype === 'float32' ? 'F32' : 'I32');
      expect(g.data).toBeInstanceOf(t.dtype === 'float32' ? Float32Array : Int32Array);
      expect(Array.from(g.data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(got.get('special')!.data[2], -0)).toBe(true);
    expect(
      Number.isNaN(parseSafetensors(serializeSafetensors({ n: { dtype: 'float32', shape: [1], data: Float32Array.of(NaN) } })).tensors.get('n')!.data[0]),
    ).toBe(true);
  });

  it('writes the exact layout: padded header, sorted keys, contiguous offsets', () => {
    const bytes = serializeSafetensors({
      b: { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) },
      a: { dtype: 'int32', shape: [1, 1], data: Int32Array.of(3) },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe('{"a":{"dtype":"I32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}');
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    expect(bytes.length).toBe(8 + n + 12);
    // Buffer: I32 3, then F32 1, 2 — little-endian.
    expect(Array.from(bytes.subarray(8 + n))).toEqual([3, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
  });

  it('omits __metadata__ when none is given and reads it back as {}', () => {
    const bytes = serializeSafetensors({ x: { dtype: 'float32', shape: [1], data: Float32Array.of(1) } });
    expect(new TextDecoder().decode(bytes)).not.toContain('__metadata__');
    expect(parseSafetensors(bytes).metadata).toEqual({});
  });

  it('serializes a file with no tensors', () => {
    const bytes = serializeSafetensors({}, { a: 'b' });
    const parsed = parseSafetensors(bytes);
    expect(parsed.tensors.size).toBe(0);
    expect(parsed.metadata).toEqual({ a: 'b' });
  });

  it('does not alias the input and reads from an unaligned subarray', () => {
    const inner = serializeSafetensors({ x: { dtype: 'float32', shape: [3], data: Float32Array.of(1.5, -2, 3) } });
    const host = new Uint8Array(inner.length + 3);
    host.set(inner, 3);
    const view = host.subarray(3);
    const x = parseSafetensors(view).tensors.get('x')!;
    expect(Array.from(x.data)).toEqual([1.5, -2, 3]);
    expect(x.data.buffer).not.toBe(host.buffer);
    host.fill(0);
    expect(Array.from(x.data)).toEqual([1.5, -2, 3]);
  });

  it('reads tensors whose offsets are not in key order, and tolerates header padding', () => {
    const buf = new Uint8Array([...f32le([7]), ...f32le([8, 9])]);
    const file = rawFile('{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}    ', buf);
    const { tensors } = parseSafetensors(file);
    expect([...tensors.keys()]).toEqual(['z', 'a']);
    expect(Array.from(tensors.get('a')!.data)).toEqual([8, 9]);
  });

  it('keeps a tensor named "__proto__" as an ordinary key', () => {
    const bytes = serializeSafetensors(JSON.parse('{"__proto__":{"dtype":"int32","shape":[1],"data":null}}', (k, v) => (k === 'data' ? Int32Array.of(5) : v)));
    expect(Array.from(parseSafetensors(bytes).tensors.get('__proto__')!.data)).toEqual([5]);
  });
});

describe('serializeSafetensors validation', () => {
  it('rejects a data length that does not match the shape', () => {
    expect(() => serializeSafetensors({ w: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /tensor "w" shape \[2,2\] has 4 elements but data has 3/,
    );
  });
  it('rejects a typed array of the wrong kind', () => {
    expect(() => serializeSafetensors({ w: { dtype: 'int32', shape: [1], data: new Float32Array(1) } })).toThrow(/"w" is int32 but its data is a Float32Array/);
  });
  it('rejects bad shapes and reserved names', () => {
    expect(() => serializeSafetensors({ w: { dtype: 'float32', shape: [-1], data: new Float32Array(1) } })).toThrow(/shape must be non-negative integers/);
    expect(() => serializeSafetensors({ __metadata__: { dtype: 'float32', shape: [1], data: new Float32Array(1) } })).toThrow(/not a valid tensor name/);
  });
});

describe('parseSafetensors validation', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const buf8 = f32le([1, 2]);

  it('rejects a file shorter than 8 bytes, naming the source', () => {
    expect(() => parseSafetensors(new Uint8Array(5), 'tiny.safetensors')).toThrow(
      'safetensors (tiny.safetensors): file is 5 bytes, shorter than the 8-byte header length prefix',
    );
  });

  it('rejects a header length larger than the file', () => {
    expect(() => parseSafetensors(rawFile(ok, buf8, 1000n), 'm.st')).toThrow(/\(m\.st\): header length 1000 bytes runs past the end of the \d+-byte file/);
  });

  it('rejects an absurdly large header length', () => {
    expect(() => parseSafetensors(rawFile(ok, buf8, BigInt(SAFETENSORS_MAX_HEADER_BYTES) + 1n))).toThrow(
      /header length 100000001 bytes exceeds the 100000000-byte limit/,
    );
    expect(() => parseSafetensors(rawFile(ok, buf8, 0xffffffffffffffffn))).toThrow(/exceeds the 100000000-byte limit/);
  });

  it('rejects a header that is not JSON, not UTF-8, or not an object', () => {
    expect(() => parseSafetensors(rawFile('{"x": ', new Uint8Array(0)), 'bad.st')).toThrow(/\(bad\.st\): header is not valid JSON/);
    const notUtf8 = rawFile('{"x":1}');
    notUtf8[9] = 0xff;
    expect(() => parseSafetensors(notUtf8)).toThrow(/header \(7 bytes\) is not valid UTF-8/);
    expect(() => parseSafetensors(rawFile('[1,2]'))).toThrow(/header must be a JSON object, got an array/);
    expect(() => parseSafetensors(rawFile('null'))).toThrow(/header must be a JSON object, got null/);
    expect(() => parseSafetensors(rawFile('42'))).toThrow(/header must be a JSON object, got a number/);
  });

  it('rejects malformed metadata and tensor entries', () => {
    expect(() => parseSafetensors(rawFile({ __metadata__: { a: 1 } }))).toThrow(/"__metadata__" value for "a" must be a string/);
    expect(() => parseSafetensors(rawFile({ __metadata__: [] }))).toThrow(/"__metadata__" must be an object/);
    expect(() => parseSafetensors(rawFile({ x: 3 }))).toThrow(/entry for tensor "x" must be an object/);
  });

  it('rejects an unknown dtype, naming it and listing the supported ones', () => {
    expect(() => parseSafetensors(rawFile({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), 'q.st')).toThrow(
      /\(q\.st\): tensor "x" has unsupported dtype "F8_E4M3" \(supported: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL\)/,
    );
  });

  it('rejects shapes that are not arrays of non-negative integers', () => {
    for (const shape of [[-1], [1.5], ['2'], 3, null]) {
      expect(() => parseSafetensors(rawFile({ x: { dtype: 'F32', shape, data_offsets: [0, 8] } }, buf8))).toThrow(
        /tensor "x" shape must be an array of non-negative integers/,
      );
    }
  });

  it('rejects data_offsets that are not [begin, end] with begin ≤ end', () => {
    for (const data_offsets of [[8, 0], [0], [0, 4, 8], [-4, 4], [0, 'x'], undefined]) {
      expect(() => parseSafetensors(rawFile({ x: { dtype: 'F32', shape: [2], data_offsets } }, buf8))).toThrow(
        /tensor "x" data_offsets must be \[begin, end\] with integers 0 ≤ begin ≤ end/,
      );
    }
  });

  it('rejects offsets beyond the buffer, naming the tensor, offsets and buffer size', () => {
    expect(() => parseSafetensors(rawFile({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, buf8), 'w.st')).toThrow(
      'safetensors (w.st): tensor "x" data_offsets [0, 16] are out of range of the 8-byte data buffer (file truncated, or offsets corrupt)',
    );
  });

  it('rejects a byte length that does not match shape × dtype size', () => {
    expect(() => parseSafetensors(rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, buf8))).toThrow(
      'tensor "x" has 8 bytes (data_offsets [0, 8]) but shape [3] of F32 needs 3 × 4 = 12',
    );
    expect(() => parseSafetensors(rawFile({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 8] } }, buf8))).toThrow(/of F16 needs 2 × 2 = 4/);
  });

  it('rejects overlapping tensors, naming both', () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    expect(() => parseSafetensors(rawFile(header, f32le([1, 2, 3])))).toThrow('tensors "a" [0, 8] and "b" [4, 12] overlap');
    const same = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'I32', shape: [1], data_offsets: [0, 4] },
    };
    expect(() => parseSafetensors(rawFile(same, f32le([1])))).toThrow(/overlap/);
  });

  it('rejects holes and trailing bytes in the data buffer', () => {
    const gap = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    };
    expect(() => parseSafetensors(rawFile(gap, f32le([1, 2, 3])))).toThrow('data buffer has a hole at bytes [4, 8) before tensor "b"');
    expect(() => parseSafetensors(rawFile(ok, f32le([1, 2, 3])))).toThrow(
      'tensors cover 8 bytes of the 12-byte data buffer (4 trailing bytes belong to no tensor)',
    );
  });

  it('rejects a truncated file, naming the tensor', () => {
    const bytes = serializeSafetensors({
      a: { dtype: 'float32', shape: [4], data: new Float32Array(4) },
      b: { dtype: 'float32', shape: [4], data: new Float32Array(4) },
    });
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 5), 'cut.safetensors')).toThrow(
      /\(cut\.safetensors\): tensor "b" data_offsets \[16, 32\] are out of range of the 27-byte data buffer \(file truncated/,
    );
    expect(() => parseSafetensors(bytes.subarray(0, 20), 'cut.safetensors')).toThrow(
      /header length \d+ bytes runs past the end of the 20-byte file \(file truncated/,
    );
  });
});

describe('dtype conversions', () => {
  it('decodes F16 bit patterns to hand-computed values', () => {
    // [bits, value]: value = (-1)^s · 2^(e-15) · (1 + m/1024); subnormals (e=0) = (-1)^s · m · 2^-24.
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x3e00, 1.5],
      [0x3555, 0.333251953125], // 2^-2 · (1 + 341/1024)
      [0x7bff, 65504], // largest finite
      [0x0400, 6.103515625e-5], // smallest normal, 2^-14
      [0x0001, 5.960464477539063e-8], // smallest subnormal, 2^-24
      [0x03ff, 6.097555160522461e-5], // largest subnormal, 1023 · 2^-24
      [0x8001, -5.960464477539063e-8],
      [0x0000, 0],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [bits, value] of cases) expect(float16BitsToNumber(bits)).toBe(value);
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
    expect(float16BitsToNumber(0x7e00)).toBeNaN();

    const file = rawFile(
      { h: { dtype: 'F16', shape: [cases.length + 2], data_offsets: [0, (cases.length + 2) * 2] } },
      u16le([...cases.map((c) => c[0]), 0x8000, 0x7e00]),
    );
    const h = parseSafetensors(file).tensors.get('h')!;
    expect(h.dtype).toBe('float32');
    expect(h.storedDtype).toBe('F16');
    expect(h.data).toBeInstanceOf(Float32Array);
    // Every binary16 value is exactly representable in binary32.
    expect(Array.from(h.data.subarray(0, cases.length))).toEqual(cases.map((c) => c[1]));
    expect(Object.is(h.data[cases.length], -0)).toBe(true);
    expect(h.data[cases.length + 1]).toBeNaN();
  });

  it('decodes BF16 bit patterns to hand-computed values', () => {
    // bfloat16 = the top 16 bits of a float32.
    const cases: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x4049, 3.140625], // 2^1 · (1 + 0x49/128)
      [0x3e80, 0.25],
      [0x0080, 1.1754943508222875e-38], // smallest normal, 2^-126
      [0x0001, 9.183549615799121e-41], // subnormal, 2^-133
      [0x7f80, Infinity],
      [0xff80, -Infinity],
    ];
    for (const [bits, value] of cases) expect(bfloat16BitsToNumber(bits)).toBe(value);
    const file = rawFile({ b: { dtype: 'BF16', shape: [2, 4], data_offsets: [0, 16] } }, u16le(cases.map((c) => c[0])));
    const b = parseSafetensors(file).tensors.get('b')!;
    expect(b.dtype).toBe('float32');
    expect(b.shape).toEqual([2, 4]);
    expect(Array.from(b.data)).toEqual(cases.map((c) => c[1]));
    expect(bfloat16BitsToNumber(0x7fc0)).toBeNaN();
  });

  it('narrows I64 to int32 and rejects values outside int32, naming the tensor', () => {
    const values = [0n, 5n, -1n, 2147483647n, -2147483648n];
    const file = rawFile({ idx: { dtype: 'I64', shape: [5], data_offsets: [0, 40] } }, i64le(values));
    const t = parseSafetensors(file).tensors.get('idx')!;
    expect(t.dtype).toBe('int32');
    expect(t.storedDtype).toBe('I64');
    expect(Array.from(t.data)).toEqual([0, 5, -1, 2147483647, -2147483648]);

    for (const bad of [2147483648n, -2147483649n, 4294967296n, -9223372036854775808n]) {
      const f = rawFile({ 'bn.num_batches_tracked': { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64le([1n, bad]));
      expect(() => parseSafetensors(f, 'ckpt.safetensors')).toThrow(
        `safetensors (ckpt.safetensors): tensor "bn.num_batches_tracked" (I64) element 1 = ${bad} does not fit in int32`,
      );
    }
  });

  it('converts F64 to float32 and small integer types and BOOL to int32', () => {
    const f64 = new Uint8Array(new Float64Array([0.1, -3, 1e300]).buffer);
    const i16 = new Uint8Array(new Int16Array([-32768, 32767]).buffer);
    const u16 = u16le([65535, 1]);
    const i8 = new Uint8Array([0x80, 0x7f, 0xff]);
    const u8 = new Uint8Array([255, 0, 7]);
    const bool = new Uint8Array([1, 0, 1]);
    const u32 = new Uint8Array(new Uint32Array([2147483647, 3]).buffer);
    const parts = [f64, i16, u16, i8, u8, bool, u32];
    const header: Record<string, unknown> = {};
    const names = ['f64', 'i16', 'u16', 'i8', 'u8', 'bool', 'u32'];
    const dtypes = ['F64', 'I16', 'U16', 'I8', 'U8', 'BOOL', 'U32'];
    let off = 0;
    parts.forEach((p, i) => {
      const item = dtypes[i] === 'F64' ? 8 : dtypes[i]!.endsWith('16') ? 2 : dtypes[i] === 'U32' ? 4 : 1;
      header[names[i]!] = { dtype: dtypes[i], shape: [p.length / item], data_offsets: [off, off + p.length] };
      off += p.length;
    });
    const buf = new Uint8Array(off);
    off = 0;
    for (const p of parts) {
      buf.set(p, off);
      off += p.length;
    }
    const { tensors } = parseSafetensors(rawFile(header, buf));
    expect(tensors.get('f64')!.dtype).toBe('float32');
    expect(Array.from(tensors.get('f64')!.data)).toEqual([Math.fround(0.1), -3, Infinity]);
    expect(Array.from(tensors.get('i16')!.data)).toEqual([-32768, 32767]);
    expect(Array.from(tensors.get('u16')!.data)).toEqual([65535, 1]);
    expect(Array.from(tensors.get('i8')!.data)).toEqual([-128, 127, -1]);
    expect(Array.from(tensors.get('u8')!.data)).toEqual([255, 0, 7]);
    expect(Array.from(tensors.get('bool')!.data)).toEqual([1, 0, 1]);
    expect(Array.from(tensors.get('u32')!.data)).toEqual([2147483647, 3]);
    for (const name of names.slice(1)) expect(tensors.get(name)!.dtype).toBe('int32');

    const bigU32 = rawFile({ u: { dtype: 'U32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array([0, 0, 0, 0x80]));
    expect(() => parseSafetensors(bigU32)).toThrow('tensor "u" (U32) element 0 = 2147483648 does not fit in int32');
  });
});
