/**
 * V8 refuses a Map of more than 2^24 entries ("Map maximum size exceeded"). A partition's
 * store can hold more keys than that at the scale lifelong is built for (a million users
 * with tens of author pairs each, on few partitions), so stores keep their keys in a
 * LargeMap: one Map while it is small — the common case costs nothing more — and further
 * Maps as each fills up. A key lives in exactly one of them; new keys go to the last.
 */
export class LargeMap<K, V> {
  private readonly shards: Map<K, V>[] = [new Map()];

  /** Keys per Map before the next one starts (below V8's limit, with room for its growth). */
  constructor(private readonly keysPerMap = 2 ** 23) {}

  get size(): number {
    let size = 0;
    for (const shard of this.shards) size += shard.size;
    return size;
  }

  get(key: K): V | undefined {
    const shards = this.shards;
    if (shards.length === 1) return shards[0]!.get(key);
    for (const shard of shards) {
      const value = shard.get(key);
      if (value !== undefined || shard.has(key)) return value;
    }
    return undefined;
  }

  has(key: K): boolean {
    for (const shard of this.shards) if (shard.has(key)) return true;
    return false;
  }

  set(key: K, value: V): this {
    const shards = this.shards;
    for (let i = 0; i < shards.length - 1; i++) {
      if (shards[i]!.has(key)) {
        shards[i]!.set(key, value);
        return this;
      }
    }
    let last = shards[shards.length - 1]!;
    if (last.size >= this.keysPerMap && !last.has(key)) shards.push((last = new Map()));
    last.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    for (const shard of this.shards) if (shard.delete(key)) return true;
    return false;
  }

  clear(): void {
    this.shards.length = 1;
    this.shards[0]!.clear();
  }

  entries(): IterableIterator<[K, V]> {
    return this.shards.length === 1 ? this.shards[0]!.entries() : this.chained();
  }

  private *chained(): IterableIterator<[K, V]> {
    for (const shard of this.shards) yield* shard.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}
