import { decayFactor, HOUR_MS, type PairState, type UserIndex } from './pair-state.js';

/**
 * The features of a user–author pair, in the critic's input order. Counts are the decayed
 * ones read at the time of the step; everything heavy-tailed goes through log1p.
 */
export const PAIR_FEATURES = [
  'impressions',
  'clicks',
  'likes',
  'follows',
  'gifts',
  'gift_value',
  'click_rate',
  'followed',
  'hours_since_touch',
  'hours_since_engagement',
  'touches',
  'age_hours',
  'user_activity',
] as const;

/** Hours since an engagement for a pair that never had one (a year). */
const NEVER_ENGAGED_HOURS = 24 * 365;

/**
 * Extra features of a pair from elsewhere — the user's interest vector and the author's
 * embedding (mean of their items' embeddings from the item table), or their dot product.
 * Plug one into the topology once those exist; `embed` returns undefined when it knows
 * nothing, and zeros are used. The critic's input grows by `names.length`, which is part
 * of checkpoint compatibility: adding a provider starts a fresh model.
 */
export interface PairEmbeddingProvider {
  /** Feature names, in order (their count is the dimension). */
  readonly names: readonly string[];
  embed(userId: string, authorId: string): ArrayLike<number> | undefined;
}

/** The critic's feature names for a topology with this provider. */
export function lifelongValueFeatureNames(embeddings?: PairEmbeddingProvider): string[] {
  return [...PAIR_FEATURES, ...(embeddings?.names ?? [])];
}

/**
 * The pair's features at event time `now` (and its user's activity: decayed requests),
 * rounded so the stored copies are compact and replay-identical. On the per-record path:
 * written out without closures or intermediate arrays.
 */
export function pairFeatures(pair: PairState, user: UserIndex, now: number, halfLifeMs: number): number[] {
  const factor = decayFactor(pair.at, now, halfLifeMs);
  const impressions = pair.impressions * factor;
  const clicks = pair.clicks * factor;
  const activity = user.requestAt === null ? 0 : user.activity * decayFactor(user.requestAt, now, halfLifeMs);
  return [
    round(Math.log1p(impressions)),
    round(Math.log1p(clicks)),
    round(Math.log1p(pair.likes * factor)),
    round(Math.log1p(pair.follows * factor)),
    round(Math.log1p(pair.gifts * factor)),
    round(Math.log1p(pair.giftValue * factor)),
    round((clicks + 0.1) / (impressions + 1)),
    pair.followed ? 1 : 0,
    round(Math.log1p(Math.max(0, now - pair.lastTouchAt) / HOUR_MS)),
    round(Math.log1p(pair.lastEngagedAt === null ? NEVER_ENGAGED_HOURS : Math.max(0, now - pair.lastEngagedAt) / HOUR_MS)),
    round(Math.log1p(pair.touches)),
    round(Math.log1p(Math.max(0, now - pair.firstAt) / HOUR_MS)),
    round(Math.log1p(activity)),
  ];
}

/** The full input of the critic: pair features, then the provider's (zeros when it has none). */
export function withEmbedding(features: readonly number[], userId: string, authorId: string, embeddings: PairEmbeddingProvider | undefined): readonly number[] {
  if (!embeddings || embeddings.names.length === 0) return features;
  const extra = embeddings.embed(userId, authorId);
  const out = new Array<number>(features.length + embeddings.names.length);
  for (let i = 0; i < features.length; i++) out[i] = features[i]!;
  for (let i = 0; i < embeddings.names.length; i++) out[features.length + i] = extra?.[i] ?? 0;
  return out;
}

/**
 * To 5 decimals, then to the nearest float32: the critic reads features as float32
 * anyway, and a float32 value is what the pair store keeps (Avro `float`), so a stored
 * step's features are exactly the ones computed, whichever batch reads them back.
 */
function round(x: number): number {
  return Math.fround(Math.round(x * 1e5) / 1e5);
}
