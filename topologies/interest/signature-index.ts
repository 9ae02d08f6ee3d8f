import type { GlobalIndex } from '../../src/index.js';
import type { CatalogItem } from './item-catalog.js';
import { NewestList } from './newest-list.js';

/**
 * The inverted index of the catalog: for every (signature, code) bucket, the newest
 * items hashed there (by createdAt, then itemId), at most `capacity` of them. The
 * recommend stage reads the buckets that hold a user's strongest interest and gets
 * fresh candidates from that region of the embedding space.
 *
 * Bounded by construction: signatures · 2^τ · capacity entries.
 */
export class SignatureIndex implements GlobalIndex<CatalogItem> {
  private readonly buckets: NewestList[];
  private readonly codesPerSignature: number;

  constructor(
    readonly signatures: number,
    bits: number,
    readonly capacity: number,
  ) {
    this.codesPerSignature = 1 << bits;
    this.buckets = Array.from({ length: signatures * this.codesPerSignature }, () => new NewestList(capacity));
  }

  put(key: string, value: CatalogItem, previous: CatalogItem | undefined): void {
    if (previous) this.remove(key, previous);
    for (let s = 0; s < this.signatures; s++) this.buckets[this.bucket(s, value.codes[s]!)]!.insert(key, value.createdAt);
  }

  remove(key: string, previous: CatalogItem): void {
    for (let s = 0; s < this.signatures; s++) this.buckets[this.bucket(s, previous.codes[s]!)]!.remove(key);
  }

  /** Item ids of a bucket, newest first (a live view: do not modify). */
  newest(signature: number, code: number): readonly string[] {
    return this.buckets[this.bucket(signature, code)]?.newest ?? [];
  }

  private bucket(signature: number, code: number): number {
    return signature * this.codesPerSignature + code;
  }
}
