import type { UserEvent } from '../../src/serde/records.js';
import { ENGAGEMENT_DEPTH } from './engagement.js';

/** Limits that keep one session's state bounded, whatever the client sends. */
export const SESSION_LIMITS = {
  /** Distinct items remembered in order of first exposure (the utility's trail). */
  trailItems: 300,
  /** Slates whose category mix is kept for intra-list diversity. */
  slates: 64,
  /** Distinct categories counted per session. */
  categories: 64,
} as const;

/**
 * Counters and the little structure the session metrics need. The structures keyed by
 * an event's ids are Maps: those ids arrive as freshly decoded strings, which a Map
 * hashes and a plain object would first have to intern (see JsMapType).
 */
export interface SessionAccumulator {
  events: number;
  requests: number;
  impressions: number;
  clicks: number;
  likes: number;
  shares: number;
  comments: number;
  follows: number;
  gifts: number;
  giftValue: number;
  skips: number;
  notInterested: number;
  mutes: number;
  dwellMs: number;
  /** Impressions per category. */
  categories: Map<string, number>;
  categorizedImpressions: number;
  /** Impressions in categories the user had not engaged with before this session. */
  novelImpressions: number;
  /** Categories the user had engaged with before the session (from the profile store). */
  familiar: string[];
  /** Categories engaged with during this session. */
  engaged: string[];
  /** itemId → [index of first exposure, best engagement depth]. */
  trail: Map<string, [number, number]>;
  /** Entries of the trail (kept in the state's schema, where it has always been). */
  trailLength: number;
  /** requestId → impressions per category in that slate. */
  slates: Map<string, Map<string, number>>;
  /** Entries of slates (kept in the state's schema, where it has always been). */
  slateCount: number;
}

export function newAccumulator(familiar: readonly string[]): SessionAccumulator {
  return {
    events: 0,
    requests: 0,
    impressions: 0,
    clicks: 0,
    likes: 0,
    shares: 0,
    comments: 0,
    follows: 0,
    gifts: 0,
    giftValue: 0,
    skips: 0,
    notInterested: 0,
    mutes: 0,
    dwellMs: 0,
    categories: new Map(),
    categorizedImpressions: 0,
    novelImpressions: 0,
    familiar: [...familiar],
    engaged: [],
    trail: new Map(),
    trailLength: 0,
    slates: new Map(),
    slateCount: 0,
  };
}

export function accumulate(acc: SessionAccumulator, event: UserEvent): void {
  acc.events++;
  switch (event.type) {
    case 'FEED_REQUEST':
      acc.requests++;
      break;
    case 'IMPRESSION':
      countImpression(acc, event);
      break;
    case 'CLICK':
      acc.clicks++;
      break;
    case 'LIKE':
      acc.likes++;
      break;
    case 'SHARE':
      acc.shares++;
      break;
    case 'COMMENT':
      acc.comments++;
      break;
    case 'FOLLOW':
      acc.follows++;
      break;
    case 'GIFT':
      acc.gifts++;
      acc.giftValue += event.value ?? 0;
      break;
    case 'SKIP':
      acc.skips++;
      break;
    case 'NOT_INTERESTED':
      acc.notInterested++;
      break;
    case 'MUTE_AUTHOR':
      acc.mutes++;
      break;
    case 'DWELL':
      acc.dwellMs += event.dwellMs ?? 0;
      break;
    default:
      break;
  }
  const depth = ENGAGEMENT_DEPTH[event.type];
  if (depth !== undefined && event.itemId !== null) {
    const entry = exposure(acc, event.itemId);
    if (entry) entry[1] = Math.max(entry[1], depth);
    if (event.category !== null && !acc.engaged.includes(event.category) && acc.engaged.length < SESSION_LIMITS.categories) acc.engaged.push(event.category);
  }
}

function countImpression(acc: SessionAccumulator, event: UserEvent): void {
  acc.impressions++;
  if (event.itemId !== null) exposure(acc, event.itemId);
  const category = event.category;
  if (category === null) return;
  acc.categorizedImpressions++;
  if (!acc.familiar.includes(category)) acc.novelImpressions++;
  const count = acc.categories.get(category);
  if (count !== undefined) acc.categories.set(category, count + 1);
  else if (acc.categories.size < SESSION_LIMITS.categories) acc.categories.set(category, 1);
  if (event.requestId === null) return;
  let slate = acc.slates.get(event.requestId);
  if (!slate) {
    if (acc.slateCount >= SESSION_LIMITS.slates) return;
    acc.slates.set(event.requestId, (slate = new Map()));
    acc.slateCount++;
  }
  slate.set(category, (slate.get(category) ?? 0) + 1);
}

/** The item's place in the trail, added at the end on first sight (an engagement without an impression counts as one). */
function exposure(acc: SessionAccumulator, itemId: string): [number, number] | undefined {
  let entry = acc.trail.get(itemId);
  if (!entry && acc.trailLength < SESSION_LIMITS.trailItems) {
    acc.trail.set(itemId, (entry = [acc.trailLength, 0]));
    acc.trailLength++;
  }
  return entry;
}
