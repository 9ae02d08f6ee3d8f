import type { ValueCodec } from '../state/store.js';

/** What bounds the ids a user's de-duplication state remembers. */
export interface DedupeBounds {
  /** At most this many ids (the newest), for a user who sends more within the horizon. */
  readonly window: number;
  /** The partition's stream time before this event (−Infinity before any). */
  readonly streamTime: number;
  readonly allowedLatenessMs: number;
}

/**
 * The eventIds a user sent lately, for de-duplication, each held as a 53-bit hash with
 * its event time, in arrival order.
 *
 * An id is forgotten once its event time falls behind stream time − allowed lateness: a
 * copy of that event (which carries the event's time) is dead-lettered as late before
 * de-duplication looks, so holding the id would buy nothing. Only a user who sends more than `window` events within the
 * allowed lateness can have a duplicate slip through. At rest a user holds the ids of the
 * last few minutes of their last session instead of their last `window` events.
 *
 * Two distinct ids of one user collide with probability (ids held) / 2^53 per event:
 * what storing 8 bytes instead of the id string is traded for.
 */
export class RecentEventIds {
  private constructor(
    /** [hash, event time] per id; the live ids are slots start … start + count − 1. */
    private slots: Float64Array,
    private start: number,
    private count: number,
  ) {}

  static empty(): RecentEventIds {
    return new RecentEventIds(new Float64Array(2 * INITIAL_CAPACITY), 0, 0);
  }

  get size(): number {
    return this.count;
  }

  has(eventId: string): boolean {
    const hash = hashEventId(eventId);
    const { slots } = this;
    const end = 2 * (this.start + this.count);
    for (let i = 2 * this.start; i < end; i += 2) if (slots[i] === hash) return true;
    return false;
  }

  /** Remembers an id sent at `ts`, forgetting those behind the lateness horizon and the oldest beyond the window. */
  add(eventId: string, ts: number, { window, streamTime, allowedLatenessMs }: DedupeBounds): void {
    // Stream time once this event has passed: no later event older than this − lateness gets in.
    const now = Math.max(streamTime, ts);
    this.dateUndated(now);
    const horizon = now - allowedLatenessMs;
    // Arrival order is near event-time order; an id behind a newer one waits for it (kept longer, never shorter).
    while (this.count > 0 && this.slots[2 * this.start + 1]! < horizon) this.dropOldest();
    while (this.count >= window) this.dropOldest();
    if (this.start + this.count === this.slots.length / 2) this.makeRoom(window);
    const at = 2 * (this.start + this.count++);
    this.slots[at] = hashEventId(eventId);
    this.slots[at + 1] = ts;
  }

  private dropOldest(): void {
    this.start++;
    this.count--;
    if (this.count === 0) this.start = 0;
  }

  /** Moves the live ids to the front, growing the array (up to a little past the window) when they fill most of it. */
  private makeRoom(window: number): void {
    const capacity = this.slots.length / 2;
    // Room for a quarter of a window past it: a user held at the window then moves its
    // ids once per quarter window of events, not at every event.
    const most = window + Math.ceil(window / 4);
    const from = 2 * this.start;
    const to = 2 * (this.start + this.count);
    if (this.count < capacity / 2 || capacity >= most) this.slots.copyWithin(0, from, to);
    else {
      const grown = new Float64Array(2 * Math.min(most, Math.max(INITIAL_CAPACITY, capacity * 2)));
      grown.set(this.slots.subarray(from, to));
      this.slots = grown;
    }
    this.start = 0;
  }

  /**
   * Ids restored from the format without times: their events were at or before the stream
   * time they were restored under, so dating them `now` (≥ that) forgets them no sooner
   * than their own times would have.
   */
  private dateUndated(now: number): void {
    const end = 2 * (this.start + this.count);
    for (let i = 2 * this.start + 1; i < end && Number.isNaN(this.slots[i]); i += 2) this.slots[i] = now;
  }

  /** A format byte, then per id, oldest first, its hash and event time as little-endian doubles. */
  encode(): Buffer {
    const bytes = Buffer.allocUnsafe(1 + this.count * 16);
    bytes[0] = FORMAT_TIMED_HASHES;
    const { slots } = this;
    for (let i = 0, s = 2 * this.start; i < 2 * this.count; i++, s++) bytes.writeDoubleLE(slots[s]!, 1 + i * 8);
    return bytes;
  }

  static decode(bytes: Buffer): RecentEventIds {
    if (bytes[0] === FORMAT_TIMED_HASHES) {
      const count = (bytes.length - 1) / 16;
      const slots = new Float64Array(2 * count);
      for (let i = 0; i < 2 * count; i++) slots[i] = bytes.readDoubleLE(1 + i * 8);
      return new RecentEventIds(slots, 0, count);
    }
    // Earlier formats held no times (NaN marks them undated): hashes, or a JSON array of the ids.
    const hashes: number[] = [];
    if (bytes[0] === FORMAT_HASHES) for (let at = 1; at < bytes.length; at += 8) hashes.push(bytes.readDoubleLE(at));
    else for (const id of JSON.parse(bytes.toString('utf8')) as string[]) hashes.push(hashEventId(id));
    const slots = new Float64Array(2 * Math.max(INITIAL_CAPACITY, hashes.length));
    hashes.forEach((hash, i) => {
      slots[2 * i] = hash;
      slots[2 * i + 1] = Number.NaN;
    });
    return new RecentEventIds(slots, 0, hashes.length);
  }
}

/** Most users hold a handful of ids at rest (a few minutes of events). */
const INITIAL_CAPACITY = 4;
/** JSON never starts with these bytes, so the oldest (JSON) state is told apart. */
const FORMAT_HASHES = 0x01;
const FORMAT_TIMED_HASHES = 0x02;

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
