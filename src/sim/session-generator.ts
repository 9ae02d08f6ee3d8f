import { userEvent, type UserEvent } from '../serde/records.js';
import { SeededRandom } from './random.js';

export interface SessionGeneratorOptions {
  readonly users: number;
  readonly days: number;
  readonly seed: number;
  /** Event time of the first day, epoch milliseconds. */
  readonly startMs?: number;
  readonly categories?: number;
  /** Share of sessions that carry explicit ids with SESSION_START/END markers. */
  readonly explicitShare?: number;
}

export const DEFAULT_START_MS = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
/** The generated item and author ids are `${category}-i${k}` and `${category}-a${k % AUTHORS_PER_CATEGORY}` (the demo catalog uses the same). */
export const ITEMS_PER_CATEGORY = 200;
export const AUTHORS_PER_CATEGORY = 25;

/**
 * Plausible sessions of a simple population, for the embedded demo and the tests: each
 * user favours a few categories, opens zero to three sessions a day, asks for a few
 * slates per session and responds to what it likes — clicks, dwell, deeper engagement,
 * skips. Sessions either carry ids with start/end markers or end by inactivity; every
 * user's last session ends explicitly, so nothing is left open at the end of the run.
 * Events come out merged across users in event-time order.
 */
export function generateSessions(options: SessionGeneratorOptions): UserEvent[] {
  const random = new SeededRandom(options.seed);
  const categories = Array.from({ length: options.categories ?? 12 }, (_, i) => `cat-${i}`);
  const perUser: UserEvent[][] = [];
  for (let u = 0; u < options.users; u++) perUser.push(userTimeline(`user-${u}`, random, categories, options));
  return perUser.flat().sort((a, b) => a.ts - b.ts || (a.eventId < b.eventId ? -1 : 1));
}

function userTimeline(userId: string, random: SeededRandom, categories: readonly string[], options: SessionGeneratorOptions): UserEvent[] {
  const start = options.startMs ?? DEFAULT_START_MS;
  const taste = new Map<string, number>();
  for (let i = 0; i < 3; i++) taste.set(random.pick(categories), 0.15 + random.next() * 0.45);
  const events: UserEvent[] = [];
  let sessionNo = 0;
  for (let day = 0; day < options.days; day++) {
    const sessions = random.int(0, 3);
    // Starts at least three hours apart, so inactivity alone separates the sessions.
    let t = start + day * 24 * HOUR + random.int(0, 4) * HOUR;
    for (let s = 0; s < sessions; s++) {
      events.push(...session(userId, sessionNo++, t, random, categories, taste, options.explicitShare ?? 0.5));
      t += 3 * HOUR + random.int(0, 3 * HOUR);
    }
  }
  const last = events[events.length - 1];
  if (last && last.type !== 'SESSION_END') events.push(event(userId, `${userId}-end`, 'SESSION_END', last.ts + 1_000, { sessionId: last.sessionId }));
  return events;
}

function session(userId: string, n: number, startMs: number, random: SeededRandom, categories: readonly string[], taste: Map<string, number>, explicitShare: number): UserEvent[] {
  const explicit = random.chance(explicitShare);
  const sessionId = explicit ? `${userId}-s${n}` : null;
  const out: UserEvent[] = [];
  let t = startMs;
  let seq = 0;
  const emit = (type: UserEvent['type'], fields: Partial<UserEvent> = {}): void => {
    out.push(event(userId, `${userId}-${n}-${seq++}`, type, t, { sessionId, ...fields }));
    t += random.int(500, 8_000);
  };
  if (explicit) emit('SESSION_START');
  const requests = random.int(1, 4);
  for (let r = 0; r < requests; r++) {
    const requestId = `${userId}-${n}-r${r}`;
    emit('FEED_REQUEST', { requestId });
    for (let position = 0; position < 6; position++) {
      const category = random.chance(0.5) ? random.pick([...taste.keys()]) : random.pick(categories);
      const k = random.int(0, ITEMS_PER_CATEGORY - 1);
      const item = { itemId: `${category}-i${k}`, authorId: `${category}-a${k % AUTHORS_PER_CATEGORY}`, category, requestId };
      emit('IMPRESSION', { ...item, position });
      const appeal = taste.get(category) ?? 0.04;
      if (random.chance(appeal)) {
        emit('CLICK', item);
        emit('DWELL', { ...item, dwellMs: random.int(2_000, 90_000) });
        if (random.chance(0.3)) emit('LIKE', item);
        if (random.chance(0.06)) emit('SHARE', item);
        if (random.chance(0.06)) emit('COMMENT', item);
        if (random.chance(0.03)) emit('FOLLOW', { authorId: item.authorId, category });
        if (random.chance(0.01)) emit('GIFT', { ...item, value: random.int(1, 50) });
      } else if (random.chance(0.3)) {
        emit('SKIP', item);
      } else if (random.chance(0.01)) {
        emit('NOT_INTERESTED', item);
      }
    }
  }
  if (explicit && random.chance(0.8)) emit('SESSION_END');
  return out;
}

function event(userId: string, eventId: string, type: UserEvent['type'], ts: number, fields: Partial<UserEvent>): UserEvent {
  return userEvent({ ...fields, eventId, userId, type, ts });
}
