import type { EventType } from '../../src/serde/records.js';

/**
 * How deep each kind of engagement goes (click < like < share/comment < follow < gift).
 * The weights are the gains of the normalized session utility and the terms of the
 * engagement score; a skip or a "not interested" counts against the session.
 */
export const ENGAGEMENT_DEPTH: Partial<Record<EventType, number>> = {
  CLICK: 1,
  LIKE: 2,
  SHARE: 3,
  COMMENT: 3,
  FOLLOW: 4,
  GIFT: 5,
};

export const SKIP_PENALTY = 0.5;
export const NOT_INTERESTED_PENALTY = 1;
/** Engagement score credited per minute of dwell. */
export const DWELL_CREDIT_PER_MINUTE = 0.2;
