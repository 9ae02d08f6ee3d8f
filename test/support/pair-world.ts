import type { UserEvent } from '../../src/serde/records.js';
import { SeededRandom } from '../../src/sim/random.js';
import { pairKey } from '../../src/learning/transition.js';
import { GIFT_UNIT } from '../../topologies/lifelong-value/pair-state.js';

/**
 * A generated population of user–author relationships whose future is known, for
 * checking the lifelong-value critic against Monte Carlo returns.
 *
 * Each user asks for feeds as a Poisson process. Each of their candidate authors has a
 * lifetime (it appears at some point and churns away after an exponential time with a
 * mean of 30 days), a chance of being shown per request, a click probability per
 * impression, a chance to be followed per click, and — once followed — a chance of a
 * gift per click. Following makes an author shown and clicked more. So the future value
 * of a pair depends on more than how often it was engaged with: on how recent that was,
 * the click rate, the follow status and the exposure rate.
 */
export interface PairWorldOptions {
  readonly users: number;
  readonly authorsPerUser: number;
  readonly hours: number;
  readonly seed: number;
  readonly startMs: number;
  /** Prefix of user ids, so two worlds can be told apart. */
  readonly userPrefix?: string;
}

export interface PairLatent {
  readonly userId: string;
  readonly authorId: string;
  readonly appearsAt: number;
  readonly churnsAt: number;
  readonly showProbability: number;
  readonly clickProbability: number;
  readonly followPerClick: number;
  readonly giftPerClick: number;
}

export interface PairWorld {
  /** All events, in event-time order. */
  readonly events: UserEvent[];
  readonly pairs: Map<string, PairLatent>;
  /** Feed-request rate of each user, per hour. */
  readonly requestRate: Map<string, number>;
}

const HOUR = 3_600_000;

export function generatePairWorld(options: PairWorldOptions): PairWorld {
  const random = new SeededRandom(options.seed);
  const events: UserEvent[] = [];
  const pairs = new Map<string, PairLatent>();
  const requestRate = new Map<string, number>();
  const end = options.startMs + options.hours * HOUR;
  for (let u = 0; u < options.users; u++) {
    const userId = `${options.userPrefix ?? 'user'}-${u}`;
    const rate = 0.05 + 0.3 * random.next();
    requestRate.set(userId, rate);
    const authors: PairLatent[] = [];
    for (let a = 0; a < options.authorsPerUser; a++) {
      const appearsAt = random.chance(0.4) ? options.startMs : options.startMs + random.next() * options.hours * 0.7 * HOUR;
      authors.push({
        userId,
        authorId: `author-${u}-${a}`,
        appearsAt,
        churnsAt: appearsAt - Math.log(1 - random.next()) * 30 * 24 * HOUR,
        showProbability: 0.05 + 0.5 * random.next() ** 2,
        clickProbability: 0.02 + 0.6 * random.next() ** 2,
        followPerClick: 0.02 + 0.15 * random.next(),
        giftPerClick: 0.3 * random.next(),
      });
    }
    for (const pair of authors) pairs.set(pairKey(userId, pair.authorId), pair);
    simulateUser(userId, authors, rate, options.startMs, end, random, events, new Set());
  }
  events.sort((a, b) => a.ts - b.ts || (a.eventId < b.eventId ? -1 : 1));
  return { events, pairs, requestRate };
}

/** Appends one user's events from `from` to `to`; `followed` carries the follow status in and out. */
export function simulateUser(userId: string, authors: readonly PairLatent[], rate: number, from: number, to: number, random: SeededRandom, out: UserEvent[] | null, followed: Set<string>, onReward?: (authorId: string, ts: number, reward: Reward) => void): void {
  let t = from;
  let request = 0;
  let seq = 0;
  const emit = (type: UserEvent['type'], ts: number, fields: Partial<UserEvent>): void => {
    out?.push({ eventId: `${userId}-${from}-${seq++}`, userId, sessionId: null, type, itemId: null, authorId: null, category: null, requestId: null, position: null, dwellMs: null, value: null, ts, ...fields });
  };
  for (;;) {
    t += -Math.log(1 - random.next()) * (HOUR / rate);
    if (t >= to) return;
    const ts = Math.floor(t);
    const requestId = `${userId}-${from}-r${request++}`;
    emit('FEED_REQUEST', ts, { requestId });
    let position = 0;
    for (const pair of authors) {
      if (ts < pair.appearsAt || ts >= pair.churnsAt) continue;
      const isFollowed = followed.has(pair.authorId);
      if (!random.chance(Math.min(0.9, pair.showProbability * (isFollowed ? 1.5 : 1)))) continue;
      const item = { authorId: pair.authorId, itemId: `${pair.authorId}-i${request % 7}`, requestId };
      const at = ts + 1_000 * ++position;
      emit('IMPRESSION', at, { ...item, position });
      if (!random.chance(Math.min(0.95, pair.clickProbability * (isFollowed ? 1.3 : 1)))) continue;
      emit('CLICK', at + 500, item);
      onReward?.(pair.authorId, at + 500, { click: 1, follow: 0, gift: 0 });
      if (!isFollowed && random.chance(pair.followPerClick)) {
        followed.add(pair.authorId);
        emit('FOLLOW', at + 600, { authorId: pair.authorId });
        onReward?.(pair.authorId, at + 600, { click: 0, follow: 1, gift: 0 });
      } else if (isFollowed && random.chance(pair.giftPerClick)) {
        const value = 5 + Math.floor(45 * random.next());
        emit('GIFT', at + 700, { ...item, value });
        onReward?.(pair.authorId, at + 700, { click: 0, follow: 0, gift: value / GIFT_UNIT });
      }
    }
  }
}

export interface Reward {
  readonly click: number;
  readonly follow: number;
  readonly gift: number;
}

/** Discounted return per pair (and per head) of the events from `from` on (a time, or one per pair). */
export function discountedReturns(events: readonly UserEvent[], from: number | ((key: string) => number | undefined), gammaPerHour: number): Map<string, Reward> {
  const returns = new Map<string, { click: number; follow: number; gift: number }>();
  const followed = new Set<string>();
  for (const event of events) {
    if (event.authorId === null) continue;
    const key = pairKey(event.userId, event.authorId);
    const reward = { click: 0, follow: 0, gift: 0 };
    if (event.type === 'CLICK') reward.click = 1;
    else if (event.type === 'FOLLOW' && !followed.has(key)) {
      followed.add(key);
      reward.follow = 1;
    } else if (event.type === 'GIFT') reward.gift = (event.value ?? 0) / GIFT_UNIT;
    const start = typeof from === 'number' ? from : from(key);
    if (start === undefined || event.ts < start || (reward.click === 0 && reward.follow === 0 && reward.gift === 0)) continue;
    const discount = Math.pow(gammaPerHour, (event.ts - start) / HOUR);
    const sum = returns.get(key) ?? { click: 0, follow: 0, gift: 0 };
    sum.click += discount * reward.click;
    sum.follow += discount * reward.follow;
    sum.gift += discount * reward.gift;
    returns.set(key, sum);
  }
  return returns;
}

/** Spearman's rank correlation (average ranks for ties). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  const mean = (n + 1) / 2;
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    num += (rx[i]! - mean) * (ry[i]! - mean);
    dx += (rx[i]! - mean) ** 2;
    dy += (ry[i]! - mean) ** 2;
  }
  return dx === 0 || dy === 0 ? 0 : num / Math.sqrt(dx * dy);
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}
