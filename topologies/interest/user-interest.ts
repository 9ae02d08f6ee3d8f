import type { InterestOptions } from './options.js';

/**
 * Where everything of one user lives in a single Float32Array (one allocation, one
 * contiguous block to encode), so memory per user is fixed by the options alone:
 *
 *   buckets   signatures · 2^τ rows of (d floats of decayed weighted embedding sum, 1 weight)
 *   short     d floats of decayed sum + 1 weight (the short-term mean)
 *   category  topCategories decayed weights (names in `keys`)
 *   author    topAuthors decayed weights (names in `keys`)
 *
 * floats = S·2^τ·(d + 1) + (d + 1) + Kc + Ka.
 */
export class InterestLayout {
  readonly dim: number;
  readonly signatures: number;
  readonly bits: number;
  readonly codesPerSignature: number;
  readonly topCategories: number;
  readonly topAuthors: number;
  /** Floats per bucket row: the sum, then the weight. */
  readonly stride: number;
  readonly bucketCount: number;
  readonly shortOffset: number;
  readonly categoryOffset: number;
  readonly authorOffset: number;
  readonly floats: number;

  constructor(options: Pick<InterestOptions, 'embeddingDim' | 'signatures' | 'bitsPerSignature' | 'topCategories' | 'topAuthors'>) {
    this.dim = options.embeddingDim;
    this.signatures = options.signatures;
    this.bits = options.bitsPerSignature;
    this.codesPerSignature = 1 << this.bits;
    this.topCategories = options.topCategories;
    this.topAuthors = options.topAuthors;
    this.stride = this.dim + 1;
    this.bucketCount = this.signatures * this.codesPerSignature;
    this.shortOffset = this.bucketCount * this.stride;
    this.categoryOffset = this.shortOffset + this.stride;
    this.authorOffset = this.categoryOffset + this.topCategories;
    this.floats = this.authorOffset + this.topAuthors;
  }

  /** Offset of the row of (signature, code). */
  bucketOffset(signature: number, code: number): number {
    return (signature * this.codesPerSignature + code) * this.stride;
  }

  /** Bytes of numeric state per user (the keys and object headers come on top). */
  get floatBytes(): number {
    return this.floats * 4;
  }
}

/**
 * One user's interest state. Stored values are forward-decayed relative to the
 * landmarks (see forward-decay.ts): `longLandmark` for buckets, categories and
 * authors, `shortLandmark` for the short-term mean.
 */
export class UserInterest {
  constructor(
    readonly values: Float32Array,
    /** Category names (topCategories slots), then author ids (topAuthors slots); null = free. */
    readonly keys: Array<string | null>,
    public longLandmark: number,
    public shortLandmark: number,
    /** Largest event time applied, epoch milliseconds. */
    public updatedAt: number,
    /** Events that changed the state. */
    public events: number,
    /** Of those, events whose embedding was a fallback (item not in the catalog, or without an embedding). */
    public fallbackEvents: number,
  ) {}

  static empty(layout: InterestLayout, ts: number): UserInterest {
    return new UserInterest(new Float32Array(layout.floats), new Array<string | null>(layout.topCategories + layout.topAuthors).fill(null), ts, ts, ts, 0, 0);
  }
}
