/**
 * A per-partition key-value store held in memory and backed by a compacted changelog
 * topic. Writes mark keys dirty; at each commit the runtime drains the dirty keys into
 * changelog records that commit atomically with the batch's input offsets, so the
 * changelog is always exactly the state after the last committed batch.
 */
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

export class ChangelogStore<V> implements KeyValueStore<V> {
  private readonly data = new Map<string, V>();
  private readonly dirty = new Set<string>();

  constructor(
    readonly name: string,
    private readonly codec: ValueCodec<V>,
  ) {}

  get(key: string): V | undefined {
    return this.data.get(key);
  }

  put(key: string, value: V): void {
    this.data.set(key, value);
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (this.data.delete(key)) this.dirty.add(key);
  }

  get size(): number {
    return this.data.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.data.entries();
  }

  get hasChanges(): boolean {
    return this.dirty.size > 0;
  }

  /** The changes since the last drain, one record per key (a null value deletes). */
  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const key of this.dirty) {
      const value = this.data.get(key);
      changes.push({ key: Buffer.from(key), value: value === undefined ? null : this.codec.encode(value) });
    }
    this.dirty.clear();
    return changes;
  }

  /** Applies one changelog record during restore (later records win, as in compaction). */
  restore(key: Buffer | null, value: Buffer | null): void {
    if (key === null) return;
    const name = key.toString('utf8');
    if (value === null) this.data.delete(name);
    else this.data.set(name, this.codec.decode(value));
  }
}
