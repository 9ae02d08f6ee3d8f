import { decayFactor } from '../lifelong-value/pair-state.js';
import { stableHash } from './arms.js';

/**
 * What recommend keeps per user (plain JSON, changelogged). Bounded by construction:
 * at most MAX_CATEGORIES planner entries, `recentlyShown` served ids, MAX_NOT_INTERESTED
 * refused items, MAX_MUTED authors and MAX_PENDING unfamiliar items awaiting a response.
 */
export interface CategoryStats {
  /** Decayed engagement won in the category (engagement depth weights; skips subtract). */
  reward: number;
  /** Decayed items served from the category. */
  exposure: number;
  /** Event time the two were last decayed to. */
  at: number;
}

export interface SessionState {
  id: string | null;
  startedAt: number;
  lastAt: number;
  /** Items served in this session, in total, per category and per author. */
  served: number;
  exposure: Record<string, number>;
  authors: Record<string, number>;
  /** Responses to unfamiliar categories in this session (the per-session novelty evidence). */
  trials: number;
  successes: number;
}

export interface RecommendUser {
  categories: Record<string, CategoryStats>;
  /** The stable novelty evidence: decayed trials and successes with unfamiliar categories, as of `noveltyAt`. */
  noveltyTrials: number;
  noveltySuccesses: number;
  noveltyAt: number;
  session: SessionState;
  /** Served items (itemKey), oldest first. */
  recent: number[];
  /** Served items (itemKey) from categories unfamiliar when served: a response to one is a novelty success. */
  pending: number[];
  /** Items (itemKey) the user said NOT_INTERESTED to (never served again while kept). */
  refusedItems: number[];
  /** Category → event time of the last NOT_INTERESTED in it. */
  refusedCategories: Record<string, number>;
  /** Muted authors (never decays; the oldest mute is forgotten past MAX_MUTED). */
  muted: string[];
  requests: number;
}

export const MAX_CATEGORIES = 48;
export const MAX_NOT_INTERESTED = 128;
export const MAX_MUTED = 512;
export const MAX_PENDING = 64;

export function newUser(ts: number): RecommendUser {
  return {
    categories: {},
    noveltyTrials: 0,
    noveltySuccesses: 0,
    noveltyAt: ts,
    session: newSession(null, ts),
    recent: [],
    pending: [],
    refusedItems: [],
    refusedCategories: {},
    muted: [],
    requests: 0,
  };
}

export function newSession(id: string | null, ts: number): SessionState {
  return { id, startedAt: ts, lastAt: ts, served: 0, exposure: {}, authors: {}, trials: 0, successes: 0 };
}

/**
 * Items are remembered by a 31-bit hash of their id, not the id: 8 bytes an entry in
 * memory whatever the id's length, and small integers in the changelog. Two ids share a
 * key with probability 2^−31 per pair — at worst an item is taken for served and skipped.
 */
export function itemKey(itemId: string): number {
  return stableHash(itemId) >>> 1;
}

/** Appends to a bounded list, dropping the oldest entries past `max`. */
export function pushBounded<T>(list: T[], value: T, max: number): void {
  list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
}


/** The category's stats decayed to `now` (created when missing; the weakest is evicted past MAX_CATEGORIES). */
export function categoryAt(user: RecommendUser, category: string, now: number, halfLifeMs: number): CategoryStats {
  let stats = user.categories[category];
  if (!stats) {
    evictWeakestCategory(user, now, halfLifeMs);
    stats = user.categories[category] = { reward: 0, exposure: 0, at: now };
    return stats;
  }
  const factor = decayFactor(stats.at, now, halfLifeMs);
  stats.reward *= factor;
  stats.exposure *= factor;
  stats.at = Math.max(stats.at, now);
  return stats;
}

function evictWeakestCategory(user: RecommendUser, now: number, halfLifeMs: number): void {
  const names = Object.keys(user.categories);
  if (names.length < MAX_CATEGORIES) return;
  let weakest: string | undefined;
  let weakestMass = Infinity;
  for (const name of names) {
    const stats = user.categories[name]!;
    const mass = (Math.abs(stats.reward) + stats.exposure) * decayFactor(stats.at, now, halfLifeMs);
    if (mass < weakestMass || (mass === weakestMass && name < weakest!)) {
      weakest = name;
      weakestMass = mass;
    }
  }
  if (weakest !== undefined) delete user.categories[weakest];
}
