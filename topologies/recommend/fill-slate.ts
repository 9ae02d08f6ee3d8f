import type { CatalogItem } from '../interest/item-catalog.js';
import { diversityComponent, type ScoredItem } from './scoring.js';

export interface Placement {
  readonly scored: ScoredItem;
  /** Probability that this item was drawn at this position, given the items before it. */
  readonly propensity: number;
  /** Eligible items at this position. */
  readonly candidates: number;
  /** Whether it was the best-scored eligible item. */
  readonly exploited: boolean;
  readonly diversity: number;
}

export interface FillOptions {
  readonly slateSize: number;
  /** Per position, the chance of a uniform draw among the eligible items instead of the best. */
  readonly exploration: number;
  /** Whether one more item of this author may go in, given the authors placed so far. */
  readonly authorAllowed: (authorId: string, placedByAuthor: ReadonlyMap<string, number>) => boolean;
  /** Uniform draws in [0, 1), seeded per request. */
  readonly random: () => number;
}

/**
 * Fills the positions from groups of ranked candidates (the planned categories, best
 * first; one group when there is no planner), taking the groups in turn. At each
 * position the best eligible item of the group is served, except with probability
 * `exploration`, when the item is drawn uniformly among the eligible ones: every served
 * item thus has a known propensity, (1 − ε)·[best] + ε / eligible, and every eligible
 * item a positive one — what off-policy evaluation needs.
 */
export function fillSlate(groups: ReadonlyArray<readonly ScoredItem[]>, options: FillOptions): Placement[] {
  const placements: Placement[] = [];
  const placed: CatalogItem[] = [];
  const used = new Set<string>();
  const byAuthor = new Map<string, number>();
  let turn = 0;
  while (placements.length < options.slateSize) {
    let placement: Placement | undefined;
    const isEligible = (s: ScoredItem): boolean => !used.has(s.item.itemId) && options.authorAllowed(s.item.authorId, byAuthor);
    for (let k = 0; k < groups.length && !placement; k++) {
      const group = (turn + k) % groups.length;
      // Counted in place, not filtered into a new array: this runs per position and group.
      const ranked = groups[group]!;
      let eligible = 0;
      let best = -1;
      for (let i = 0; i < ranked.length; i++) {
        if (!isEligible(ranked[i]!)) continue;
        if (eligible === 0) best = i;
        eligible++;
      }
      if (eligible === 0) continue;
      const explore = options.random() < options.exploration;
      const index = explore ? Math.floor(options.random() * eligible) : 0;
      const scored = ranked[index === 0 ? best : nthEligible(ranked, index, isEligible)]!;
      const ε = options.exploration;
      placement = { scored, propensity: (index === 0 ? 1 - ε : 0) + ε / eligible, candidates: eligible, exploited: index === 0, diversity: diversityComponent(scored.item, placed) };
      turn = group + 1;
    }
    if (!placement) break;
    placements.push(placement);
    placed.push(placement.scored.item);
    used.add(placement.scored.item.itemId);
    byAuthor.set(placement.scored.item.authorId, (byAuthor.get(placement.scored.item.authorId) ?? 0) + 1);
  }
  return placements;
}

/** The position in `ranked` of its `n`-th eligible item (0-based; there are more than n). */
function nthEligible(ranked: readonly ScoredItem[], n: number, isEligible: (s: ScoredItem) => boolean): number {
  let seen = 0;
  for (let i = 0; i < ranked.length; i++) {
    if (!isEligible(ranked[i]!)) continue;
    if (seen === n) return i;
    seen++;
  }
  throw new Error(`fillSlate: no eligible item at ${n}`);
}
