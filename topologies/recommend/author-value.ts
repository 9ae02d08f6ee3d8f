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

  /**
   * The user's author values as of `now`, for one request: every author they have a pair
   * with is read and valued once, and candidates' authors are then looked up, not read.
   */
  forUser(userId: string, now: number): UserAuthorValues {
    const index = this.options.pairs?.users.get(userId);
    const valued: ValuedAuthor[] = [];
    for (const authorId of index?.authors ?? []) {
      const author = this.valued(userId, authorId, now);
      if (author) valued.push(author);
    }
    return new UserAuthorValues(valued);
  }

  private valued(userId: string, authorId: string, now: number): ValuedAuthor | undefined {
    const { pairs, critic } = this.options;
    if (!pairs) return undefined;
    const key = pairKey(userId, authorId);
    const pair = pairs.pairs.get(key);
    if (!pair) return undefined;
    const raw = critic?.cachedValue(key)?.value ?? relationshipStrength(pair, now, pairs.weights, pairs.halfLifeMs);
    const positive = Math.max(0, raw);
    return { authorId, value: positive / (1 + positive), followed: pair.followed };
  }
}

/** One user's valued authors (those with a pair: the user index lists exactly them). */
export class UserAuthorValues {
  private readonly byAuthor: Map<string, number>;

  constructor(private readonly valued: readonly ValuedAuthor[]) {
    this.byAuthor = new Map(valued.map((author) => [author.authorId, author.value]));
  }

  /** The author's value, 0 for an author the user has no pair with. */
  value(authorId: string): number {
    return this.byAuthor.get(authorId) ?? 0;
  }

  /** Followed authors first, then by value (at most `max`). */
  top(max: number): ValuedAuthor[] {
    const ranked = [...this.valued].sort((a, b) => Number(b.followed) - Number(a.followed) || b.value - a.value || (a.authorId < b.authorId ? -1 : 1));
    return ranked.slice(0, max);
  }
}
