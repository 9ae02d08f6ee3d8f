import { pairKey, type PairValueReader, type ReadableStore } from '../../src/index.js';
import { relationshipStrength, type PairState, type RetentionWeights, type UserIndex } from '../lifelong-value/pair-state.js';

/** The lifelong-value topology's stores, read (never written) by recommend. */
export interface LifelongValueStores {
  readonly users: ReadableStore<UserIndex>;
  readonly pairs: ReadableStore<PairState>;
}

export interface AuthorValueOptions {
  /** The lifelong-value topology's stores and how its counts are weighted and decayed; every author is worth 0 without them. */
  readonly pairs?: LifelongValueStores & { readonly weights: RetentionWeights; readonly halfLifeMs: number };
  /** The critic's cached values, when they should be used. */
  readonly critic?: PairValueReader;
}

export interface ValuedAuthor {
  readonly authorId: string;
  /** In [0, 1): v / (1 + v) of the critic's lifelong value, or of the relationship's earned strength without one. */
  readonly value: number;
  readonly followed: boolean;
}

/**
 * The lifelong value of a user's relationship with an author, in [0, 1). The critic's
 * cached value (the weighted heads: discounted future clicks, follows and gifts) when it
 * has one for the pair; otherwise the pair's decayed, head-weighted counts. Authors the
 * user has no pair with are worth 0: nothing is known of the relationship yet.
 */
export class AuthorValues {
  constructor(private readonly options: AuthorValueOptions) {}

  value(userId: string, authorId: string, now: number): number {
    return this.valued(userId, authorId, now)?.value ?? 0;
  }

  /** The user's authors with a pair, followed ones first, then by value (at most `max`). */
  top(userId: string, now: number, max: number): ValuedAuthor[] {
    const index = this.options.pairs?.users.get(userId);
    if (!index) return [];
    const valued = index.authors.flatMap((authorId) => {
      const author = this.valued(userId, authorId, now);
      return author ? [author] : [];
    });
    valued.sort((a, b) => Number(b.followed) - Number(a.followed) || b.value - a.value || (a.authorId < b.authorId ? -1 : 1));
    return valued.slice(0, max);
  }

  private valued(userId: string, authorId: string, now: number): ValuedAuthor | undefined {
    const { pairs, critic } = this.options;
    const pair = pairs?.pairs.get(pairKey(userId, authorId));
    if (!pairs || !pair) return undefined;
    const raw = critic?.cachedValue(pairKey(userId, authorId))?.value ?? relationshipStrength(pair, now, pairs.weights, pairs.halfLifeMs);
    const positive = Math.max(0, raw);
    return { authorId, value: positive / (1 + positive), followed: pair.followed };
  }
}
