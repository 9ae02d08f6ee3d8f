import { LifelongError } from '../../src/index.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface InterestOptions {
  /** Compacted topic of the item catalog, read as the `items` global table. */
  readonly itemsTopic: string;
  /** Dimension d of item embeddings; catalog embeddings of another length are refused. */
  readonly embeddingDim: number;
  /** SimHash signatures per embedding (m/τ in SDIM's terms). */
  readonly signatures: number;
  /** Bits τ per signature: 2^τ buckets per signature. */
  readonly bitsPerSignature: number;
  /** Seed of the random hyperplanes (changing it, d, signatures or τ invalidates stored state). */
  readonly hashSeed: number;
  /** Half-life of lifelong interest (buckets, category and author distributions), in event-time milliseconds. */
  readonly longTermHalfLifeMs: number;
  /** Half-life of the short-term mean, in event-time milliseconds. */
  readonly shortTermHalfLifeMs: number;
  /** Categories kept per user (top-K by decayed weight). */
  readonly topCategories: number;
  /** Authors kept per user (top-K by decayed weight). */
  readonly topAuthors: number;
  /** Newest items remembered per (signature, code) bucket of the catalog's inverted index. */
  readonly indexItemsPerBucket: number;
}

/**
 * The defaults, with their units. They fit the budget of 4 KiB per user (see the
 * README's memory formula): d = 32, 6 signatures of τ = 2 bits — SDIM's τ sweep puts
 * τ = 2 within 0.0012 AUC of the best τ = 3, at half the buckets.
 * `lifelong config` carries the same values; a unit test keeps the two equal.
 */
export const INTEREST_DEFAULTS: InterestOptions = Object.freeze({
  itemsTopic: 'lifelong.items',
  embeddingDim: 32,
  signatures: 6,
  bitsPerSignature: 2,
  hashSeed: 1,
  longTermHalfLifeMs: 90 * DAY,
  shortTermHalfLifeMs: 30 * MINUTE,
  topCategories: 8,
  topAuthors: 8,
  indexItemsPerBucket: 256,
});

/** Fills the gaps from the defaults and checks the ranges once, at definition time. */
export function interestOptions(partial: Partial<InterestOptions> = {}): InterestOptions {
  const options: InterestOptions = { ...INTEREST_DEFAULTS, ...partial };
  integer(options, 'embeddingDim', 1, 4096);
  integer(options, 'signatures', 1, 4096);
  integer(options, 'bitsPerSignature', 0, 10);
  integer(options, 'hashSeed', 0, 0xffffffff);
  integer(options, 'longTermHalfLifeMs', 1, Number.MAX_SAFE_INTEGER);
  integer(options, 'shortTermHalfLifeMs', 1, Number.MAX_SAFE_INTEGER);
  integer(options, 'topCategories', 1, 1024);
  integer(options, 'topAuthors', 1, 1024);
  integer(options, 'indexItemsPerBucket', 1, 1_000_000);
  return Object.freeze(options);
}

function integer(options: InterestOptions, name: keyof InterestOptions, min: number, max: number): void {
  const value = options[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LifelongError('CONFIG_INVALID', { detail: `interest.${name} = ${String(value)}: accepted: an integer ≥ ${min} and ≤ ${max}` });
  }
}
