import type { EventType, UserEvent } from '../../src/index.js';

/** A step still accumulating its rewards: the pair's features when it began and what it has earned since. */
export interface OpenStep {
  /** The user's request sequence number the step belongs to. */
  request: number;
  /** Event time the step began and its latest event. */
  at: number;
  lastAt: number;
  /** Pair features (PAIR_FEATURES) at the start of the step, rounded. */
  state: number[];
  /** Rewards per head so far: clicks, follows (−1 for an unfollow), gift value in gift units. */
  rewards: [number, number, number];
  /** 1 once the step had a click. */
  click: number;
  /** Whether the pair met in this step (false for a step opened by a timeout, until it does). */
  met: boolean;
}

/**
 * One user–author relationship. Counts decay exponentially on event time (half-life
 * configurable); `at` is the time they were last brought forward, so reading them at a
 * later time multiplies by 2^(−Δt / half-life). Plain JSON, changelogged.
 */
export interface PairState {
  at: number;
  impressions: number;
  clicks: number;
  likes: number;
  follows: number;
  gifts: number;
  /** Decayed gift value, in gift units. */
  giftValue: number;
  followed: boolean;
  firstAt: number;
  lastTouchAt: number;
  lastEngagedAt: number | null;
  /** Steps ever (requests in which the pair met). */
  touches: number;
  /** Engagements ever (clicks, likes, shares, comments, follows, gifts), undecayed: the naive baseline. */
  engagements: number;
  /** The open step of the sparse view (ends at the pair's next interaction, or at the user's first request after a long silence). */
  step: OpenStep | null;
  /** The open step of the dense view (ends at the user's next request); null when that view is off. */
  dense: OpenStep | null;
}

/** What the user store keeps per user: their request counter, activity, and the authors they have pairs with. */
export interface UserIndex {
  /** Requests seen (FEED_REQUEST events); steps of the same request belong together. */
  request: number;
  requestAt: number | null;
  /** The user's requests, decayed like the pair counts, as of `requestAt`: how active the user is. */
  activity: number;
  /** Authors with a pair in the pair store (at most maxAuthorsPerUser). */
  authors: string[];
  /**
   * Sparse view: no open step of the user's pairs is due (open for maxStepHours) before
   * this event time, so a request before it need not look at every pair. A lower bound,
   * kept as steps open and made exact by each scan; null: no open step; absent (state
   * from before the field existed): unknown, the next request scans.
   */
  stepsDueAt?: number | null;
}

/** A gift of this value earns 1 on the gift head (before the head weights). */
export const GIFT_UNIT = 10;

export const HOUR_MS = 3_600_000;

export function newUserIndex(): UserIndex {
  return { request: 0, requestAt: null, activity: 0, authors: [], stepsDueAt: null };
}

export function newPair(ts: number): PairState {
  return {
    at: ts,
    impressions: 0,
    clicks: 0,
    likes: 0,
    follows: 0,
    gifts: 0,
    giftValue: 0,
    followed: false,
    firstAt: ts,
    lastTouchAt: ts,
    lastEngagedAt: null,
    touches: 0,
    engagements: 0,
    step: null,
    dense: null,
  };
}

/** Counts a request in the user's decayed activity. */
export function countRequest(user: UserIndex, ts: number, halfLifeMs: number): void {
  if (user.requestAt === null || ts >= user.requestAt) {
    user.activity = user.activity * (user.requestAt === null ? 1 : decayFactor(user.requestAt, ts, halfLifeMs)) + 1;
    user.requestAt = ts;
  } else {
    user.activity += decayFactor(ts, user.requestAt, halfLifeMs);
  }
  user.request++;
}

/** 2^(−Δt / half-life): how much of a count made at `from` is left at `to`. */
export function decayFactor(from: number, to: number, halfLifeMs: number): number {
  return to <= from ? 1 : Math.pow(2, -(to - from) / halfLifeMs);
}

const ENGAGEMENTS: ReadonlySet<EventType> = new Set<EventType>(['CLICK', 'LIKE', 'SHARE', 'COMMENT', 'FOLLOW', 'GIFT']);

/**
 * The rewards an event earns on each head: a click 1 on the click head; a follow 1 on the
 * follow head (−1 for an unfollow or a mute of a followed author; nothing when the
 * status does not change); a gift its value / GIFT_UNIT on the gift head.
 */
export function rewardsOf(event: UserEvent, pair: PairState): [number, number, number] {
  switch (event.type) {
    case 'CLICK':
      return [1, 0, 0];
    case 'FOLLOW':
      return [0, pair.followed ? 0 : 1, 0];
    case 'UNFOLLOW':
    case 'MUTE_AUTHOR':
      return [0, pair.followed ? -1 : 0, 0];
    case 'GIFT':
      return [0, 0, Math.max(0, event.value ?? 0) / GIFT_UNIT];
    default:
      return [0, 0, 0];
  }
}

/**
 * Applies an event's counts to the pair: decays to the event's time first (an event
 * older than the pair's time — a late one — counts at its decayed weight instead).
 */
export function applyCounts(pair: PairState, event: UserEvent, halfLifeMs: number): void {
  const ts = event.ts;
  let weight = 1;
  if (ts > pair.at) {
    const factor = decayFactor(pair.at, ts, halfLifeMs);
    pair.impressions *= factor;
    pair.clicks *= factor;
    pair.likes *= factor;
    pair.follows *= factor;
    pair.gifts *= factor;
    pair.giftValue *= factor;
    pair.at = ts;
  } else {
    weight = decayFactor(ts, pair.at, halfLifeMs);
  }
  switch (event.type) {
    case 'IMPRESSION':
      pair.impressions += weight;
      break;
    case 'CLICK':
      pair.clicks += weight;
      break;
    case 'LIKE':
      pair.likes += weight;
      break;
    case 'FOLLOW':
      pair.follows += weight;
      pair.followed = true;
      break;
    case 'UNFOLLOW':
    case 'MUTE_AUTHOR':
      pair.followed = false;
      break;
    case 'GIFT':
      pair.gifts += weight;
      pair.giftValue += (weight * Math.max(0, event.value ?? 0)) / GIFT_UNIT;
      break;
    default:
      break;
  }
  if (ENGAGEMENTS.has(event.type)) {
    pair.engagements++;
    pair.lastEngagedAt = Math.max(pair.lastEngagedAt ?? ts, ts);
  }
  pair.lastTouchAt = Math.max(pair.lastTouchAt, ts);
}

export interface RetentionWeights {
  readonly click: number;
  readonly follow: number;
  readonly gift: number;
}

/**
 * How much a pair is worth keeping at `now`: its decayed rewards weighted like the heads
 * (clicks, follow status, gift value) plus a recency term (1 for a pair touched now,
 * halving every half-life). A deterministic function of the stored state — not of the
 * critic, whose weights depend on training timing — so eviction, and therefore the
 * changelogged state, is the same on every replay.
 */
export function retentionScore(pair: PairState, now: number, weights: RetentionWeights, halfLifeMs: number): number {
  return relationshipStrength(pair, now, weights, halfLifeMs) + decayFactor(pair.lastTouchAt, now, halfLifeMs);
}

/**
 * The pair's decayed rewards weighted like the heads (clicks, follow status, gift value):
 * what the relationship has earned, without the recency term. Recommend uses it as the
 * author value when the critic has none (or when slates must replay identically).
 */
export function relationshipStrength(pair: PairState, now: number, weights: RetentionWeights, halfLifeMs: number): number {
  const factor = decayFactor(pair.at, now, halfLifeMs);
  return weights.click * pair.clicks * factor + weights.follow * (pair.followed ? 1 : 0) + weights.gift * pair.giftValue * factor;
}

/**
 * The author to evict from a full user: lowest retention, then least recently touched,
 * then by id. Reads each pair through `pairOf` (authors without one are skipped), with
 * no list of pairs built: it runs for every new author of a full user, over all of them.
 */
export function evictionCandidate(authors: readonly string[], pairOf: (authorId: string) => PairState | undefined, now: number, weights: RetentionWeights, halfLifeMs: number): string | undefined {
  let worst: string | undefined;
  let worstScore = Infinity;
  let worstTouch = Infinity;
  for (let i = 0; i < authors.length; i++) {
    const authorId = authors[i]!;
    const pair = pairOf(authorId);
    if (pair === undefined) continue;
    const score = retentionScore(pair, now, weights, halfLifeMs);
    if (score < worstScore || (score === worstScore && (pair.lastTouchAt < worstTouch || (pair.lastTouchAt === worstTouch && authorId < worst!)))) {
      worst = authorId;
      worstScore = score;
      worstTouch = pair.lastTouchAt;
    }
  }
  return worst;
}
