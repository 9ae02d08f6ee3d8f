import type { UserEvent } from '../../src/index.js';
import { contentWeight } from '../interest/engagement-weights.js';
import { ENGAGEMENT_DEPTH } from '../session-metrics/engagement.js';
import { noteNovelty } from './novelty.js';
import type { Trending } from './trending.js';
import { categoryAt, itemKey, MAX_MUTED, MAX_NOT_INTERESTED, newSession, pushBounded, type RecommendUser } from './user-state.js';

/** Planner statistics (reward, exposure per category) halve every 14 days of event time. */
export const PLANNER_HALF_LIFE_MS = 14 * 86_400_000;

export interface FeedbackContext {
  readonly trending: Trending;
  readonly sessionGapMs: number;
  /** The category of an item the event does not name one for (from the item table). */
  readonly categoryOf: (itemId: string) => string | undefined;
}

/** Starts a new session on SESSION_START, a new session id, or a gap without one. */
export function rollSession(user: RecommendUser, event: UserEvent, sessionGapMs: number): void {
  const { session } = user;
  const newId = event.sessionId !== null && event.sessionId !== session.id;
  const gap = event.sessionId === null && event.ts - session.lastAt > sessionGapMs;
  if (event.type === 'SESSION_START' || newId || gap) user.session = newSession(event.sessionId, event.ts);
  user.session.lastAt = Math.max(user.session.lastAt, event.ts);
}

/**
 * What a user's event teaches recommend: engagement raises the category's reward (and
 * the partition's trend), a skip or NOT_INTERESTED lowers it, an engagement with an
 * item served from an unfamiliar category is novelty evidence, and the explicit commands
 * (NOT_INTERESTED, MUTE_AUTHOR) become constraints of the next slate.
 */
export function applyFeedback(user: RecommendUser, event: UserEvent, context: FeedbackContext): void {
  rollSession(user, event, context.sessionGapMs);
  if (event.type === 'MUTE_AUTHOR') {
    if (event.authorId !== null && !user.muted.includes(event.authorId)) pushBounded(user.muted, event.authorId, MAX_MUTED);
    return;
  }
  if (event.itemId === null) return;
  const category = event.category ?? context.categoryOf(event.itemId);
  if (event.type === 'NOT_INTERESTED') {
    const refused = itemKey(event.itemId);
    if (!user.refusedItems.includes(refused)) pushBounded(user.refusedItems, refused, MAX_NOT_INTERESTED);
    if (category !== undefined) user.refusedCategories[category] = Math.max(user.refusedCategories[category] ?? -Infinity, event.ts);
  }
  const weight = contentWeight(event);
  if (weight === 0 || category === undefined) return;
  categoryAt(user, category, event.ts, PLANNER_HALF_LIFE_MS).reward += weight;
  if (weight <= 0) return;
  context.trending.add(category, event.itemId, weight, event.ts);
  const pending = user.pending.indexOf(itemKey(event.itemId));
  if (pending >= 0 && ENGAGEMENT_DEPTH[event.type] !== undefined) {
    user.pending.splice(pending, 1);
    noteNovelty(user, event.ts, 'success');
  }
}
