import type { KeyValueStore } from '../../src/index.js';
import { decayFactor } from '../lifelong-value/pair-state.js';

/** Trending decays with a half-life of six hours of event time. */
export const TRENDING_HALF_LIFE_MS = 6 * 3_600_000;
/** Items kept per category, by decayed engagement. */
export const TRENDING_ITEMS = 24;

/**
 * Per category, on this partition: decayed engagement in total and for its most engaged
 * items. Each partition sees its own users' engagement, a uniform sample of everyone's
 * when users hash evenly, so no cross-partition exchange is needed for a trend.
 */
export interface TrendingCategory {
  at: number;
  total: number;
  /** [itemId, decayed engagement], strongest first. */
  items: Array<[string, number]>;
}

export class Trending {
  constructor(private readonly store: KeyValueStore<TrendingCategory>) {}

  /** Adds engagement to an item of a category at event time `ts`. */
  add(category: string, itemId: string, weight: number, ts: number): void {
    const entry = this.decayed(category, ts) ?? { at: ts, total: 0, items: [] };
    entry.total += weight;
    const found = entry.items.find((pair) => pair[0] === itemId);
    if (found) found[1] += weight;
    else entry.items.push([itemId, weight]);
    entry.items.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (entry.items.length > TRENDING_ITEMS) entry.items.length = TRENDING_ITEMS;
    this.store.put(category, entry);
  }

  /** The category's decayed engagement at `now` (0 when none). */
  weight(category: string, now: number): number {
    const entry = this.store.get(category);
    return entry ? entry.total * decayFactor(entry.at, now, TRENDING_HALF_LIFE_MS) : 0;
  }

  /** The category's most engaged items, strongest first. */
  items(category: string): readonly string[] {
    return this.store.get(category)?.items.map((pair) => pair[0]) ?? [];
  }

  private decayed(category: string, now: number): TrendingCategory | undefined {
    const entry = this.store.get(category);
    if (!entry) return undefined;
    const factor = decayFactor(entry.at, now, TRENDING_HALF_LIFE_MS);
    entry.total *= factor;
    for (const pair of entry.items) pair[1] *= factor;
    entry.at = Math.max(entry.at, now);
    return entry;
  }
}
