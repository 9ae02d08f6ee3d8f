import type { CatalogItem } from '../interest/item-catalog.js';
import type { InterestMatch } from '../interest/interest-read.js';
import type { ScoreWeights } from './options.js';

/** A candidate with the components of its score, each in [0, 1]. */
export interface ScoredItem {
  readonly item: CatalogItem;
  readonly interest: number;
  readonly authorValue: number;
  readonly freshness: number;
  readonly novelty: number;
  /** The serving policy's score. */
  readonly score: number;
}

/** Decayed engagement at which a category counts as fully familiar (three clicks' worth). */
export const FAMILIAR_AT = 3;
/** The lifelong and the short-term interest, blended. */
const SHORT_TERM_SHARE = 0.3;

/**
 * Interest in [0, 1]: how close the candidate is to what the user engaged with in its
 * region (lifelong buckets), discounted by how little engagement that region holds,
 * blended with the short-term mean. 0 for a user without history.
 */
export function interestComponent(match: InterestMatch | undefined): number {
  if (!match) return 0;
  const weight = Math.max(0, match.weight);
  const lifelong = Math.max(0, match.similarity) * (weight / (weight + 1));
  return clamp01((1 - SHORT_TERM_SHARE) * lifelong + SHORT_TERM_SHARE * Math.max(0, match.shortTermSimilarity));
}

/** Halves every `halfLifeMs` of age at the request's event time. */
export function freshnessComponent(item: CatalogItem, now: number, halfLifeMs: number): number {
  return Math.pow(2, -Math.max(0, now - item.createdAt) / halfLifeMs);
}

/** 1 for a category the user has never engaged with, 0 once it is fully familiar. */
export function noveltyComponent(familiarity: number): number {
  return 1 - clamp01(familiarity / FAMILIAR_AT);
}

/** The lifelong policy's score: novelty counts as much as the user seeks it. */
export function lifelongScore(interest: number, authorValue: number, freshness: number, novelty: number, weights: ScoreWeights, propensity: number): number {
  return weights.interest * interest + weights.authorValue * authorValue + weights.freshness * freshness + weights.novelty * novelty * propensity;
}

/** 1 − the largest cosine to the items already placed (1 for the first), in [0, 1]. */
export function diversityComponent(item: CatalogItem, placed: readonly CatalogItem[]): number {
  let closest = -1;
  for (const other of placed) {
    let dot = 0;
    for (let k = 0; k < item.embedding.length; k++) dot += item.embedding[k]! * other.embedding[k]!;
    if (dot > closest) closest = dot;
  }
  return placed.length === 0 ? 1 : clamp01(1 - closest);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
