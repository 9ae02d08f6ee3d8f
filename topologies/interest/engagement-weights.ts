import type { UserEvent } from '../../src/index.js';
// One scale of engagement depth for every topology: the session score and interest agree.
import { DWELL_CREDIT_PER_MINUTE, ENGAGEMENT_DEPTH, NOT_INTERESTED_PENALTY, SKIP_PENALTY } from '../session-metrics/engagement.js';

/**
 * How much an event says about a user's interest, by depth of engagement:
 * click < like < share/comment < follow < gift; dwell counts by its length; a skip or a
 * "not interested" counts against the item's region of the embedding space. Impressions,
 * requests and session markers are neutral.
 *
 * `content` moves the embedding buckets, the short-term mean (positive weights only) and
 * the category distribution; `author` moves the author distribution.
 */
const CONTENT: Partial<Record<UserEvent['type'], number>> = {
  ...ENGAGEMENT_DEPTH,
  SKIP: -SKIP_PENALTY,
  NOT_INTERESTED: -NOT_INTERESTED_PENALTY,
};

const AUTHOR: Partial<Record<UserEvent['type'], number>> = {
  ...CONTENT,
  UNFOLLOW: -4,
};

/** Dwell earns this much weight per minute (as in the session score), up to DWELL_CAP (five minutes ≈ one click). */
export const DWELL_PER_MINUTE = DWELL_CREDIT_PER_MINUTE;
export const DWELL_CAP = 1;

export function contentWeight(event: UserEvent): number {
  return event.type === 'DWELL' ? dwellWeight(event) : (CONTENT[event.type] ?? 0);
}

export function authorWeight(event: UserEvent): number {
  return event.type === 'DWELL' ? dwellWeight(event) : (AUTHOR[event.type] ?? 0);
}

/** MUTE_AUTHOR removes the author from the user's distribution outright. */
export function mutesAuthor(event: UserEvent): boolean {
  return event.type === 'MUTE_AUTHOR';
}

function dwellWeight(event: UserEvent): number {
  const minutes = Math.max(0, event.dwellMs ?? 0) / 60_000;
  return Math.min(DWELL_CAP, minutes * DWELL_PER_MINUTE);
}
