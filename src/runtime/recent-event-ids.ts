import type { ValueCodec } from '../state/store.js';

/**
 * The eventIds a user sent last, for de-duplication, held as 53-bit hashes in a ring
 * that grows up to the window: 8 bytes per id instead of a string each (about 40 bytes
 * of heap, and a JSON array to re-encode at every commit). Two distinct ids of one user
 * collide with probability window / 2^53 per event (about 3·10⁻¹⁴ at 256), which is
 * what the memory is traded for.
 */
export class RecentEventIds {
  private constructor(
    private hashes: Float64Array,
    /** Ids held (≤ hashes.length). */
    private count: number,
    /** Slot of the oldest id once the ring is full. */
    private oldest: number,
  ) {}

  static empty(): RecentEventIds {
    return new RecentEventIds(new Float64Array(INITIAL_CAPACITY), 0, 0);
  }

  get size(): number {
    return this.count;
  }

  has(eventId: string): boolean {
    const hash = hashEventId(eventId);
    const { hashes, count } = this;
    for (let i = 0; i < count; i++) if (hashes[i] === hash) return true;
    return false;
  }

  /** Remembers an id, forgetting the oldest beyond `window`. */
  add(eventId: string, window: number): void {
    const hash = hashEventId(eventId);
    if (this.count < window) {
      if (this.count === this.hashes.length) this.grow(window);
      this.hashes[this.count++] = hash;
      return;
    }
    if (this.count > window) this.shrinkTo(window);
    this.hashes[this.oldest] = hash;
    this.oldest = (this.oldest + 1) % this.count;
  }

  /** Oldest first. */
  private inOrder(): Float64Array {
    const ordered = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) ordered[i] = this.hashes[(this.oldest + i) % this.count]!;
    return ordered;
  }

  private grow(window: number): void {
    const grown = new Float64Array(Math.min(window, this.hashes.length * 2));
    grown.set(this.inOrder());
    this.hashes = grown;
    this.oldest = 0;
  }

  /** A window made smaller (configuration change): keep the newest. */
  private shrinkTo(window: number): void {
    this.hashes = this.inOrder().slice(this.count - window);
    this.count = window;
    this.oldest = 0;
  }

  /** A version byte, then the hashes oldest first as little-endian doubles. */
  encode(): Buffer {
    const bytes = Buffer.allocUnsafe(1 + this.count * 8);
    bytes[0] = FORMAT_HASHES;
    for (let i = 0; i < this.count; i++) bytes.writeDoubleLE(this.hashes[(this.oldest + i) % this.count]!, 1 + i * 8);
    return bytes;
  }

  static decode(bytes: Buffer): RecentEventIds {
    if (bytes[0] !== FORMAT_HASHES) {
      // State written before this format: a JSON array of the ids themselves.
      const ids = JSON.parse(bytes.toString('utf8')) as string[];
      const recent = new RecentEventIds(new Float64Array(Math.max(INITIAL_CAPACITY, ids.length)), 0, 0);
      for (const id of ids) recent.hashes[recent.count++] = hashEventId(id);
      return recent;
    }
    const count = (bytes.length - 1) / 8;
    const hashes = new Float64Array(Math.max(INITIAL_CAPACITY, count));
    for (let i = 0; i < count; i++) hashes[i] = bytes.readDoubleLE(1 + i * 8);
    return new RecentEventIds(hashes, count, 0);
  }
}

const INITIAL_CAPACITY = 16;
/** JSON never starts with this byte, so older JSON state is told apart. */
const FORMAT_HASHES = 0x01;

export const recentEventIdsCodec: ValueCodec<RecentEventIds> = {
  encode: (value) => value.encode(),
  decode: (bytes) => RecentEventIds.decode(bytes),
};

/** Two 32-bit FNV-1a variants over the UTF-16 code units, combined into an exact integer below 2^53. */
export function hashEventId(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
