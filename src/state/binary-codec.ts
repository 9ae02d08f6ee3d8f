import { endianness } from 'node:os';
import { LifelongError } from '../errors/catalog.js';
import type { ValueCodec } from './store.js';

/**
 * A compact binary encoding for float-heavy store values (embedding sums, decayed
 * weights): JSON of a Float32Array is about four times larger than its bytes and slow
 * to parse, and every dirty key is encoded again at each commit. Numbers are written
 * little-endian; strings are length-prefixed UTF-8 (null allowed).
 */
export function binaryCodec<V>(spec: { write(value: V, out: BinaryWriter): void; read(input: BinaryReader): V }): ValueCodec<V> {
  // One writer per codec, reused: its buffer grows to the largest value once, where a new
  // writer per value grew from 256 bytes by doubling, a fresh allocation at every step.
  const scratch = new BinaryWriter();
  let busy = false;
  const encodeWith = (out: BinaryWriter, value: V): Buffer => {
    spec.write(value, out);
    return out.finish();
  };
  return {
    encode: (value) => {
      // A value whose writer encodes another with this codec gets a writer of its own.
      if (busy) return encodeWith(new BinaryWriter(), value);
      busy = true;
      try {
        return encodeWith(scratch.reset(), value);
      } finally {
        busy = false;
      }
    },
    decode: (bytes) => {
      const input = new BinaryReader(bytes);
      const value = spec.read(input);
      input.expectEnd();
      return value;
    },
  };
}

/** Float arrays are copied byte for byte where the machine is little-endian (every platform Node ships for). */
const NATIVE_LE = endianness() === 'LE';
const NULL_STRING = 0xffffffff;
/** Zigzag doubles a magnitude, which must stay a safe integer. */
const MAX_ZIGZAG = 2 ** 52 - 1;
/** ceil(53 / 7): the longest varint of a safe integer. */
const MAX_VARINT_BYTES = 8;

/** Whether `svarint` can write the value exactly (an integer within ±(2^52 − 1)): for codecs that choose a layout per value. */
export function fitsSvarint(value: number): boolean {
  return Number.isSafeInteger(value) && Math.abs(value) <= MAX_ZIGZAG;
}

export class BinaryWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer.writeUInt8(value, this.length);
    this.length += 1;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.buffer.writeUInt16LE(value, this.length);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
    return this;
  }

  f64(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  /** A float32 (the caller knows the value is one: a double is rounded). */
  f32(value: number): this {
    this.reserve(4);
    this.buffer.writeFloatLE(value, this.length);
    this.length += 4;
    return this;
  }

  /**
   * A non-negative safe integer in 7-bit groups, low first (Avro's and protobuf's
   * varint): a counter takes one byte, an epoch millisecond six, instead of a double's eight.
   */
  uvarint(value: number): this {
    if (!(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`uvarint: ${value} is not a non-negative safe integer`);
    this.reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  /** A signed integer within ±(2^52 − 1) as a zigzag varint (small magnitudes, either sign, stay short): for time deltas. */
  svarint(value: number): this {
    if (!fitsSvarint(value)) throw new RangeError(`svarint: ${value} is not an integer within ±(2^52 − 1)`);
    return this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** The floats only: the reader must know how many to expect. */
  f32Array(values: Float32Array): this {
    const bytes = values.length * 4;
    this.reserve(bytes);
    if (NATIVE_LE) {
      this.buffer.set(new Uint8Array(values.buffer, values.byteOffset, bytes), this.length);
    } else {
      for (let i = 0; i < values.length; i++) this.buffer.writeFloatLE(values[i]!, this.length + i * 4);
    }
    this.length += bytes;
    return this;
  }

  string(value: string | null): this {
    if (value === null) return this.u32(NULL_STRING);
    const bytes = Buffer.byteLength(value);
    this.u32(bytes);
    this.reserve(bytes);
    this.buffer.write(value, this.length, 'utf8');
    this.length += bytes;
    return this;
  }

  /** Starts over, keeping the buffer. */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** A copy of exactly the bytes written. */
  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

export class BinaryReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  u8(): number {
    this.need(1);
    const value = this.bytes.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }

  u16(): number {
    this.need(2);
    const value = this.bytes.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.bytes.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.bytes.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  f32(): number {
    this.need(4);
    const value = this.bytes.readFloatLE(this.offset);
    this.offset += 4;
    return value;
  }

  uvarint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      this.need(1);
      const byte = this.bytes[this.offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw truncated(`a varint longer than ${MAX_VARINT_BYTES} bytes at offset ${this.offset}`);
  }

  svarint(): number {
    const zigzag = this.uvarint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  /** Reads `target.length` floats into `target` (a fresh array: it must not share the record's bytes). */
  f32Array(target: Float32Array): Float32Array {
    const bytes = target.length * 4;
    this.need(bytes);
    if (NATIVE_LE) {
      new Uint8Array(target.buffer, target.byteOffset, bytes).set(this.bytes.subarray(this.offset, this.offset + bytes));
    } else {
      for (let i = 0; i < target.length; i++) target[i] = this.bytes.readFloatLE(this.offset + i * 4);
    }
    this.offset += bytes;
    return target;
  }

  string(): string | null {
    const bytes = this.u32();
    if (bytes === NULL_STRING) return null;
    this.need(bytes);
    const value = this.bytes.toString('utf8', this.offset, this.offset + bytes);
    this.offset += bytes;
    return value;
  }

  expectEnd(): void {
    if (this.offset !== this.bytes.length) throw truncated(`${this.bytes.length - this.offset} trailing bytes`);
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.bytes.length) throw truncated(`needs ${bytes} bytes at offset ${this.offset} of ${this.bytes.length}`);
  }
}

function truncated(detail: string): LifelongError {
  return new LifelongError('DECODE_FAILED', { what: 'binary store value', detail });
}
