import { LifelongError } from '../errors/catalog.js';
import type { EventType, UserEvent } from './records.js';

export interface EventLimits {
  /** Events stamped further ahead of the wall clock than this are refused, in milliseconds. */
  readonly maxFutureSkewMs: number;
  /** Longest accepted id or category string, in characters. */
  readonly maxIdLength: number;
}

const NEEDS_ITEM: ReadonlySet<EventType> = new Set(['IMPRESSION', 'CLICK', 'LIKE', 'SHARE', 'COMMENT', 'GIFT', 'SKIP', 'DWELL', 'NOT_INTERESTED']);
const NEEDS_AUTHOR: ReadonlySet<EventType> = new Set(['FOLLOW', 'UNFOLLOW', 'MUTE_AUTHOR']);
const MAX_DWELL_MS = 24 * 3_600_000; // one day: longer dwell is a broken client, not attention

/**
 * Checks what Avro cannot: ids present, timestamps sane, per-type required fields.
 * Throws LIFELONG_ERR_RECORD_INVALID naming the field, for the dead-letter reason.
 */
export function validateEvent(event: UserEvent, limits: EventLimits, now: number = Date.now()): UserEvent {
  checkId('eventId', event.eventId, limits);
  checkId('userId', event.userId, limits);
  if (event.sessionId !== null) checkId('sessionId', event.sessionId, limits);
  if (!Number.isSafeInteger(event.ts) || event.ts < 0) fail(`ts must be a non-negative epoch in milliseconds, got ${event.ts}`);
  if (event.ts > now + limits.maxFutureSkewMs) fail(`ts ${new Date(event.ts).toISOString()} is more than ${limits.maxFutureSkewMs} ms in the future`);
  if (NEEDS_ITEM.has(event.type) && !event.itemId) fail(`${event.type} needs an itemId`);
  if (NEEDS_AUTHOR.has(event.type) && !event.authorId) fail(`${event.type} needs an authorId`);
  if (event.itemId !== null) checkId('itemId', event.itemId, limits);
  if (event.authorId !== null) checkId('authorId', event.authorId, limits);
  if (event.category !== null) checkId('category', event.category, limits);
  if (event.dwellMs !== null && !(event.dwellMs >= 0 && event.dwellMs <= MAX_DWELL_MS)) fail(`dwellMs must be within [0, ${MAX_DWELL_MS}], got ${event.dwellMs}`);
  if (event.value !== null && !(Number.isFinite(event.value) && event.value >= 0)) fail(`value must be a finite non-negative amount, got ${event.value}`);
  if (event.type === 'GIFT' && event.value === null) fail('GIFT needs a value');
  return event;
}

/** At module level: a closure made per call was one allocation per event on the record path. */
function fail(detail: string): never {
  throw new LifelongError('RECORD_INVALID', { detail });
}

function checkId(field: string, value: string, limits: EventLimits): void {
  if (value.length === 0) fail(`${field} must not be empty`);
  if (value.length > limits.maxIdLength) fail(`${field} is ${value.length} characters long, over the limit of ${limits.maxIdLength}`);
}
