import { AvroCodec, LifelongError, LocalSchemaRegistry, defineGlobalTable, type GlobalTableDefinition, type Item } from '../../src/index.js';
import { fallbackEmbedding } from './fallback-embedding.js';
import { KeyedNewestIndex } from './keyed-newest-index.js';
import { SignatureIndex } from './signature-index.js';
import type { SimHasher } from './simhash.js';
import { normalizeInto } from './vector.js';

export const ITEMS_TABLE = 'items';
export const SIGNATURE_INDEX = 'by-signature';
export const AUTHOR_INDEX = 'by-author';
export const CATEGORY_INDEX = 'by-category';

/** Newest items kept per author and per category in the catalog's indexes. */
const ITEMS_PER_AUTHOR = 32;
const ITEMS_PER_CATEGORY = 512;

/** A catalog item as the topologies use it: its embedding unit-normalised and hashed once, at load. */
export interface CatalogItem {
  readonly itemId: string;
  readonly authorId: string;
  readonly category: string;
  readonly tags: readonly string[];
  readonly createdAt: number;
  /** Unit norm, d floats. */
  readonly embedding: Float32Array;
  /** True when the catalog gave no embedding and this one was derived from category and tags. */
  readonly fallback: boolean;
  /** The embedding's code per signature. */
  readonly codes: Uint16Array;
}

export interface ItemTableOptions {
  readonly topic: string;
  readonly hasher: SimHasher;
  readonly indexItemsPerBucket: number;
}

/**
 * The item catalog as a global table over the compacted items topic (Avro `Item`, raw
 * or Confluent framed, key = itemId). A tombstone or `deleted: true` removes the item.
 * A record keyed differently from its itemId, or with an embedding of the wrong length
 * or not finite, is refused. The table carries inverted indexes to the newest items —
 * by (signature, code), by author and by category — for candidate retrieval.
 */
export function itemTable(options: ItemTableOptions): GlobalTableDefinition<never> {
  const codec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());
  const { hasher } = options;
  return defineGlobalTable<CatalogItem>({
    name: ITEMS_TABLE,
    topic: options.topic,
    doc: 'the item catalog: unit embeddings (or flagged fallbacks) with their signature codes; index by (signature, code), newest first',
    decode: (key, value) => {
      const item = codec.decode(value);
      if (item.itemId !== key) throw new LifelongError('RECORD_INVALID', { detail: `item keyed ${key} carries itemId ${item.itemId}` });
      return item.deleted ? null : catalogItem(item, hasher);
    },
    indexes: [
      { name: SIGNATURE_INDEX, create: () => new SignatureIndex(hasher.signatures, hasher.bits, options.indexItemsPerBucket) },
      { name: AUTHOR_INDEX, create: () => new KeyedNewestIndex((item) => item.authorId, ITEMS_PER_AUTHOR) },
      { name: CATEGORY_INDEX, create: () => new KeyedNewestIndex((item) => item.category, ITEMS_PER_CATEGORY) },
    ],
  });
}

export function catalogItem(item: Item, hasher: SimHasher): CatalogItem {
  const embedding = new Float32Array(hasher.dim);
  const given = item.embedding;
  const fallback = given === null || given.length === 0;
  if (fallback) {
    fallbackEmbedding(hasher.dim, item.category, item.tags, embedding);
  } else {
    if (given.length !== hasher.dim) throw new LifelongError('RECORD_INVALID', { detail: `item ${item.itemId} has an embedding of ${given.length} floats, expected ${hasher.dim}` });
    const length = normalizeInto(given, embedding);
    if (!(length > 0) || !Number.isFinite(length)) throw new LifelongError('RECORD_INVALID', { detail: `item ${item.itemId} has a zero or non-finite embedding` });
  }
  return {
    itemId: item.itemId,
    authorId: item.authorId,
    category: item.category,
    tags: item.tags,
    createdAt: item.createdAt,
    embedding,
    fallback,
    codes: hasher.codes(embedding),
  };
}
