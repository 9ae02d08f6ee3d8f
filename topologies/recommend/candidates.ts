import type { GlobalTable } from '../../src/index.js';
import type { CatalogItem } from '../interest/item-catalog.js';
import type { KeyedNewestIndex } from '../interest/keyed-newest-index.js';
import type { TopInterests } from '../interest/interest-read.js';
import type { SignatureIndex } from '../interest/signature-index.js';
import type { Trending } from './trending.js';
import type { ValuedAuthor } from './author-value.js';

/** The catalog and its indexes, as candidate retrieval reads them. */
export interface Catalog {
  readonly items: GlobalTable<CatalogItem>;
  readonly bySignature: SignatureIndex;
  readonly byAuthor: KeyedNewestIndex;
  readonly byCategory: KeyedNewestIndex;
}

/** Newest items taken per valued author, and per strong interest bucket. */
const ITEMS_PER_AUTHOR = 6;
const ITEMS_PER_BUCKET = 24;

/**
 * Collects eligible candidates from the sources in order — new items from followed and
 * valued authors, items in the user's strongest interest buckets, the partition's
 * trending items, the newest items — until `limit` are found. Order matters only for
 * ties, so it runs from the most personal source to the least.
 */
export class CandidateCollector {
  private readonly seen = new Set<string>();
  readonly found: CatalogItem[] = [];

  constructor(
    private readonly catalog: Catalog,
    private readonly eligible: (item: CatalogItem) => boolean,
    private readonly limit: number,
    /** Only items of these categories (all when absent). */
    private readonly categories?: ReadonlySet<string>,
  ) {}

  get full(): boolean {
    return this.found.length >= this.limit;
  }

  /** Items already retrieved (and judged eligible) elsewhere, first. */
  include(items: readonly CatalogItem[]): this {
    for (const item of items) {
      if (this.full) break;
      if (this.seen.has(item.itemId) || (this.categories && !this.categories.has(item.category))) continue;
      this.seen.add(item.itemId);
      this.found.push(item);
    }
    return this;
  }

  fromAuthors(authors: readonly ValuedAuthor[]): this {
    for (const author of authors) this.take(this.catalog.byAuthor.newest(author.authorId), ITEMS_PER_AUTHOR);
    return this;
  }

  fromInterest(top: TopInterests | undefined): this {
    for (const bucket of top?.buckets ?? []) this.take(this.catalog.bySignature.newest(bucket.signature, bucket.code), ITEMS_PER_BUCKET);
    return this;
  }

  fromTrending(trending: Trending, categories: Iterable<string>): this {
    for (const category of categories) this.take(trending.items(category), Infinity);
    return this;
  }

  fromNewest(categories: Iterable<string>, perCategory = Infinity): this {
    for (const category of categories) this.take(this.catalog.byCategory.newest(category), perCategory);
    return this;
  }

  /** Takes up to `max` eligible items of `ids` (scanning at most three times that many). */
  private take(ids: readonly string[], max: number): void {
    let taken = 0;
    const scan = Math.min(ids.length, Number.isFinite(max) ? max * 3 : ids.length);
    for (let i = 0; i < scan && taken < max && !this.full; i++) {
      const id = ids[i]!;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      const item = this.catalog.items.get(id);
      if (!item || (this.categories && !this.categories.has(item.category)) || !this.eligible(item)) continue;
      this.found.push(item);
      taken++;
    }
  }
}
