/**
 * A per-partition key-value store held in memory and backed by a compacted changelog
 * topic. Writes mark keys dirty; at each commit the runtime drains the dirty keys into
 * changelog records that commit atomically with the batch's input offsets, so the
 * changelog is always exactly the state after the last committed batch.
 */
import { GroupedValues, type GroupLength } from './grouped-values.js';
import { LargeMap } from './large-map.js';

export interface ValueCodec<V> {
  encode(value: V): Buffer;
  decode(bytes: Buffer): V;
}

export const jsonCodec = <V>(): ValueCodec<V> => ({
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(bytes.toString('utf8')) as V,
});

export interface ChangelogEntry {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export interface KeyValueStore<V> {
  readonly name: string;
  get(key: string): V | undefined;
  /** Stores (or marks as changed) the value of a key. Values may be mutated, then put again. */
  put(key: string, value: V): void;
  delete(key: string): void;
  readonly size: number;
  entries(): IterableIterator<[string, V]>;
}

/**
 * How a store holds its values between commits.
 *
 * - `objects`: every value stays decoded, as the object the pipeline last put. Reads
 *   cost nothing, but a decoded value is much larger than its encoding (object headers,
 *   boxed doubles, arrays, nested records): the right form for small stores, or values
 *   that are already compact (typed arrays), or stores read so often that decoding
 *   them once per commit would show in the CPU profile.
 * - `bytes`: a value not touched since the last commit is held only as its changelog
 *   encoding (as Kafka Streams' in-memory stores hold serialized bytes). A read decodes
 *   it into a commit-scoped cache; a commit encodes what was put (as both forms do, for
 *   the changelog), keeps those bytes as the resident form and empties the cache. The
 *   form for large per-user stores where most keys sit idle between events, at the
 *   price of one decode per key read per commit.
 * - `{ groupLength }`: `bytes`, with the keys of a group (those that share the prefix
 *   `groupLength` gives) held in one string: one Map entry and one key string per group
 *   instead of per key (see GroupedValues). For stores of many small values under a
 *   few keys each, such as a user's author pairs; a read scans its group's records, a
 *   commit rewrites each group it wrote.
 */
export type ResidentForm = 'objects' | 'bytes' | GroupedBytes;

export interface GroupedBytes {
  readonly groupLength: GroupLength;
}

/** The form's name, for reports. */
export function residentFormName(form: ResidentForm): string {
  return typeof form === 'string' ? form : 'grouped bytes';
}

/** What the `bytes` forms need of their encoded values (a LargeMap, or GroupedValues). */
interface EncodedValues {
  readonly size: number;
  get(key: string): string | null | undefined;
  has(key: string): boolean;
  set(key: string, bytes: string | null): unknown;
  delete(key: string): boolean;
  entries(): IterableIterator<[string, string | null]>;
}

export class ChangelogStore<V> implements KeyValueStore<V> {
  /**
   * The values themselves (`objects`), or (`bytes`) the commit-scoped cache: the
   * decoded values of keys read or put since the last drain.
   */
  private readonly data = new LargeMap<string, V>();
  /**
   * `bytes` only: every key's encoded value as a one-byte (latin1) string, 16 bytes of
   * header instead of a Buffer's ~100 of objects; null for a key put for the first time
   * since the last drain, whose value so far exists only in `data`. Null otherwise.
   */
  private readonly encoded: EncodedValues | null;
  /** The grouped form's values (also `encoded`), whose writes are staged until applied. */
  private readonly grouped: GroupedValues | null;
  private readonly dirty = new Set<string>();

  constructor(
    readonly name: string,
    private readonly codec: ValueCodec<V>,
    readonly resident: ResidentForm = 'objects',
  ) {
    this.grouped = typeof resident === 'object' ? new GroupedValues(resident.groupLength) : null;
    this.encoded = resident === 'bytes' ? new LargeMap() : this.grouped;
  }

  get(key: string): V | undefined {
    const value = this.data.get(key);
    if (value !== undefined || this.encoded === null) return value;
    const bytes = this.encoded.get(key);
    if (bytes == null) return undefined;
    const decoded = this.decode(bytes);
    this.data.set(key, decoded);
    return decoded;
  }

  put(key: string, value: V): void {
    // A key in the commit-scoped cache is known to `encoded` already: it was read from it or put.
    if (this.encoded !== null && !this.data.has(key) && !this.encoded.has(key)) this.encoded.set(key, null);
    this.data.set(key, value);
    this.dirty.add(key);
  }

  delete(key: string): void {
    const existed = this.encoded === null ? this.data.delete(key) : this.encoded.delete(key);
    if (this.encoded !== null) this.data.delete(key);
    if (existed) this.dirty.add(key);
  }

  get size(): number {
    return (this.encoded ?? this.data).size;
  }

  /**
   * Every key and value. In the `bytes` form values not in the commit-scoped cache are
   * decoded as the iteration reaches them and not cached (a scan of the whole store
   * would otherwise hold all of it decoded until the next commit): to change one, put it.
   */
  entries(): IterableIterator<[string, V]> {
    return this.encoded === null ? this.data.entries() : this.decodedEntries(this.encoded);
  }

  get hasChanges(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * The changes since the last drain, one record per key (a null value deletes).
   *
   * In the `bytes` form the encoding drained is also what the store keeps, and the
   * commit-scoped cache is emptied: an object read since the last drain but not put is
   * dropped, so a change made to it without a `put` is lost here — as it is in either
   * form when the store is restored from its changelog, which never saw that change.
   */
  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const key of this.dirty) {
      const value = this.data.get(key);
      let bytes: Buffer | null = null;
      if (value !== undefined) {
        bytes = this.codec.encode(value);
        // latin1 copies the bytes: a codec's Buffer may be a slice of a larger shared one.
        this.encoded?.set(key, bytes.toString('latin1'));
      } else {
        // Not cached yet present: restored over a change not drained yet (restore runs before processing, so only in tests).
        const held = this.encoded?.get(key);
        if (held != null) bytes = Buffer.from(held, 'latin1');
      }
      changes.push({ key: Buffer.from(key), value: bytes });
    }
    this.dirty.clear();
    if (this.encoded !== null) this.data.clear();
    this.grouped?.applyStaged();
    return changes;
  }

  /** Applies one changelog record during restore (later records win, as in compaction). */
  restore(key: Buffer | null, value: Buffer | null): void {
    if (key === null) return;
    const name = key.toString('utf8');
    if (this.encoded !== null) {
      this.data.delete(name);
      if (value === null) this.encoded.delete(name);
      else this.encoded.set(name, value.toString('latin1'));
    } else if (value === null) this.data.delete(name);
    else this.data.set(name, this.codec.decode(value));
  }

  /** Restore is over: the grouped form applies the writes it staged (reads would, later). */
  restored(): void {
    this.grouped?.applyStaged();
  }

  private decode(bytes: string): V {
    return this.codec.decode(Buffer.from(bytes, 'latin1'));
  }

  private *decodedEntries(encoded: EncodedValues): IterableIterator<[string, V]> {
    for (const [key, bytes] of encoded.entries()) yield [key, this.data.get(key) ?? this.decode(bytes!)];
  }
}
