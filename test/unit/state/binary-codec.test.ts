import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { binaryCodec, BinaryReader, BinaryWriter } from '../../../src/state/binary-codec.js';
import { isLifelongError } from '../../../src/errors/catalog.js';

interface Sample {
  small: number;
  medium: number;
  count: number;
  time: number;
  floats: Float32Array;
  name: string | null;
}

const codec = binaryCodec<Sample>({
  write: (v, out) => out.u8(v.small).u16(v.medium).u32(v.count).f64(v.time).u32(v.floats.length).f32Array(v.floats).string(v.name),
  read: (input) => ({ small: input.u8(), medium: input.u16(), count: input.u32(), time: input.f64(), floats: input.f32Array(new Float32Array(input.u32())), name: input.string() }),
});

const sample = fc.record({
  small: fc.integer({ min: 0, max: 255 }),
  medium: fc.integer({ min: 0, max: 65_535 }),
  count: fc.nat(),
  time: fc.double(),
  floats: fc.float32Array({ maxLength: 300 }),
  name: fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null }),
});

describe('binaryCodec', () => {
  test('round-trips every field exactly (floats bit for bit, any UTF-16 string, null)', () => {
    fc.assert(
      fc.property(sample, (v) => {
        const back = codec.decode(codec.encode(v));
        assert.deepEqual(Buffer.from(back.floats.buffer), Buffer.from(v.floats.buffer));
        assert.ok(Object.is(back.time, v.time));
        assert.deepEqual({ ...back, floats: null }, { ...v, floats: null, name: v.name === null ? null : Buffer.from(v.name).toString('utf8') });
      }),
    );
  });

  test('decoded float arrays do not share memory with the record', () => {
    const bytes = codec.encode({ small: 1, medium: 2, count: 3, time: 4, floats: Float32Array.of(1, 2, 3), name: 'x' });
    const back = codec.decode(bytes);
    bytes.fill(0);
    assert.deepEqual([...back.floats], [1, 2, 3]);
  });

  test('a writer grows from a tiny buffer', () => {
    const out = new BinaryWriter(1);
    out.f32Array(new Float32Array(1000).fill(0.5)).string('é'.repeat(100));
    const input = new BinaryReader(out.finish());
    assert.equal(input.f32Array(new Float32Array(1000))[999], 0.5);
    assert.equal(input.string(), 'é'.repeat(100));
    input.expectEnd();
  });

  test('truncated or over-long input is refused with DECODE_FAILED', () => {
    const bytes = codec.encode({ small: 1, medium: 2, count: 3, time: 4, floats: Float32Array.of(1), name: 'name' });
    assert.throws(() => codec.decode(bytes.subarray(0, bytes.length - 2)), (e: unknown) => isLifelongError(e, 'DECODE_FAILED'));
    assert.throws(() => codec.decode(Buffer.concat([bytes, Buffer.from([0])])), (e: unknown) => isLifelongError(e, 'DECODE_FAILED') && e.message.includes('trailing'));
  });

  test('the reused writer: each value gets its own bytes, a large one after small ones, and a value that encodes another inside its write', () => {
    const words = binaryCodec<string[]>({
      write: (value, out) => {
        out.u32(value.length);
        for (const word of value) out.string(word);
      },
      read: (input) => Array.from({ length: input.u32() }, () => input.string()!),
    });
    const small = words.encode(['a']);
    const large = words.encode(Array.from({ length: 500 }, (_, i) => `word-${i}`));
    const again = words.encode(['b', 'c']);
    assert.deepEqual(words.decode(small), ['a'], 'earlier bytes are not overwritten by later encodes');
    assert.equal(words.decode(large).length, 500);
    assert.deepEqual(words.decode(again), ['b', 'c']);

    // A tree whose writer encodes each child with the same codec: the scratch writer is busy then.
    interface Tree { name: string; children: Tree[] }
    const tree: ReturnType<typeof binaryCodec<Tree>> = binaryCodec<Tree>({
      write: (value, out) => {
        out.string(value.name);
        out.u32(value.children.length);
        for (const child of value.children) {
          const bytes = tree.encode(child);
          out.u32(bytes.length);
          for (const byte of bytes) out.u8(byte);
        }
      },
      read: (input) => {
        const name = input.string()!;
        const children = Array.from({ length: input.u32() }, () => tree.decode(Buffer.from(Array.from({ length: input.u32() }, () => input.u8()))));
        return { name, children };
      },
    });
    const value: Tree = { name: 'root', children: [{ name: 'a', children: [{ name: 'a1', children: [] }] }, { name: 'b', children: [] }] };
    assert.deepEqual(tree.decode(tree.encode(value)), value);
  });

  test('varints round-trip every safe integer in their range, a byte per 7 bits', () => {
    const varints = binaryCodec<{ u: number; s: number; f: number }>({
      write: (v, out) => out.uvarint(v.u).svarint(v.s).f32(v.f),
      read: (input) => ({ u: input.uvarint(), s: input.svarint(), f: input.f32() }),
    });
    const unsigned = fc.oneof(fc.constantFrom(0, 127, 128, 16_383, 16_384, 2 ** 52, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
    const signed = fc.oneof(fc.constantFrom(0, -1, 1, -64, 64, 2 ** 52 - 1, -(2 ** 52 - 1)), fc.integer({ min: -(2 ** 52 - 1), max: 2 ** 52 - 1 }));
    fc.assert(
      fc.property(unsigned, signed, fc.float({ noDefaultInfinity: false }), (u, s, f) => {
        const bytes = varints.encode({ u, s, f });
        const back = varints.decode(bytes);
        assert.equal(back.u, u);
        assert.ok(Object.is(back.s, s) || (s === 0 && back.s === 0));
        assert.ok(Object.is(back.f, f));
        const zigzag = s >= 0 ? 2 * s : -2 * s - 1;
        const length = (n: number): number => Math.max(1, Math.ceil(Math.log2(n + 1) / 7));
        assert.equal(bytes.length, length(u) + length(zigzag) + 4);
      }),
    );
    assert.equal(new BinaryWriter().uvarint(300).finish().toString('hex'), 'ac02', "protobuf's example: 300 is ac 02");
  });

  test('varints refuse what they cannot hold exactly, and a reader refuses a varint past 8 bytes', () => {
    const out = new BinaryWriter();
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN]) assert.throws(() => out.uvarint(bad), RangeError, String(bad));
    for (const bad of [2 ** 52, -(2 ** 52), 0.5]) assert.throws(() => out.svarint(bad), RangeError, String(bad));
    const endless = new BinaryReader(Buffer.alloc(9, 0x80));
    assert.throws(() => endless.uvarint(), (error: unknown) => isLifelongError(error, 'DECODE_FAILED'));
  });
});
