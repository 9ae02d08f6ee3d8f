import type { GlobalIndex } from '../../src/index.js';
import type { CatalogItem } from './item-catalog.js';

/**
 * The inverted index of the catalog: for every (signature, code) bucket, the newest
 * items hashed there (by createdAt, then itemId), at most `capacity` of them. The
 * recommend stage reads the buckets that hold a user's strongest interest and gets
 * fresh candidates from that region of the embedding space.
 *
 * Bounded by construction: signatures · 2^τ · capacity entries. An item pushed out by
 * newer ones does not come back when those are deleted; the index favours recent items.
 */
export class SignatureIndex implements GlobalIndex<CatalogItem> {
  private readonly ids: string[][];
  private readonly times: number[][];
  private readonly codesPerSignature: number;

  constructor(
    readonly signatures: number,
    bits: number,
    readonly capacity: number,
  ) {
    this.codesPerSignature = 1 << bits;
    const buckets = signatures * this.codesPerSignature;
    this.ids = Array.from({ length: buckets }, () => []);
    this.times = Array.from({ length: buckets }, () => []);
  }

  put(key: string, value: CatalogItem, previous: CatalogItem | undefined): void {
    if (previous) this.remove(key, previous);
    for (let s = 0; s < this.signatures; s++) this.insert(this.bucket(s, value.codes[s]!), key, value.createdAt);
  }

  remove(key: string, previous: CatalogItem): void {
    for (let s = 0; s < this.signatures; s++) {
      const bucket = this.bucket(s, previous.codes[s]!);
      const at = this.ids[bucket]!.indexOf(key);
      if (at < 0) continue;
      this.ids[bucket]!.splice(at, 1);
      this.times[bucket]!.splice(at, 1);
    }
  }

  /** Item ids of a bucket, newest first (a live view: do not modify). */
  newest(signature: number, code: number): readonly string[] {
    return this.ids[this.bucket(signature, code)] ?? [];
  }

  private bucket(signature: number, code: number): number {
    return signature * this.codesPerSignature + code;
  }

  private insert(bucket: number, id: string, createdAt: number): void {
    const ids = this.ids[bucket]!;
    const times = this.times[bucket]!;
    // Binary search for the first entry that sorts after (createdAt desc, id asc).
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const before = times[mid]! > createdAt || (times[mid] === createdAt && ids[mid]! < id);
      if (before) low = mid + 1;
      else high = mid;
    }
    if (low >= this.capacity) return;
    ids.splice(low, 0, id);
    times.splice(low, 0, createdAt);
    if (ids.length > this.capacity) {
      ids.length = this.capacity;
      times.length = this.capacity;
    }
  }
}
