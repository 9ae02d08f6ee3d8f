import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent, type EventLimits } from '../../../src/serde/validate-event.js';
import { EVENT_TYPES, type EventType, type UserEvent } from '../../../src/serde/records.js';
import { isLifelongError } from '../../../src/errors/catalog.js';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const limits: EventLimits = { maxFutureSkewMs: 60_000, maxIdLength: 16 };

const valid: UserEvent = {
  eventId: 'e-1',
  userId: 'u-1',
  sessionId: 's-1',
  type: 'CLICK',
  itemId: 'i-1',
  authorId: 'a-1',
  category: 'music',
  requestId: 'r-1',
  position: 0,
  dwellMs: null,
  value: null,
  ts: NOW - 1_000,
};

function rejects(event: UserEvent, ...mentions: string[]): void {
  assert.throws(
    () => validateEvent(event, limits, NOW),
    (error: unknown) => {
      assert.ok(isLifelongError(error), `expected a LifelongError, got ${String(error)}`);
      assert.equal(error.code, 'LIFELONG_ERR_RECORD_INVALID');
      for (const text of mentions) assert.ok(error.message.includes(text), `"${error.message}" should mention ${text}`);
      return true;
    },
  );
}

describe('validateEvent', () => {
  test('a valid event passes and is returned as is', () => {
    assert.equal(validateEvent(valid, limits, NOW), valid);
  });

  test('the smallest valid event of every type passes', () => {
    for (const type of EVENT_TYPES) {
      const event: UserEvent = { ...valid, type, sessionId: null, itemId: 'i', authorId: 'a', category: null, requestId: null, position: null, value: type === 'GIFT' ? 0 : null };
      assert.equal(validateEvent(event, limits, NOW), event, type);
    }
  });

  test('empty ids', () => {
    for (const field of ['eventId', 'userId', 'sessionId', 'itemId', 'authorId', 'category'] as const) {
      // SESSION_START needs no item or author, so the empty-string rule is what fires.
      rejects({ ...valid, type: 'SESSION_START', [field]: '' }, field, 'empty');
    }
    // An item event with an empty itemId fails as missing it.
    rejects({ ...valid, type: 'CLICK', itemId: '' }, 'itemId');
  });

  test('ids over the length limit, and ids exactly at it', () => {
    for (const field of ['eventId', 'userId', 'sessionId', 'itemId', 'authorId', 'category'] as const) {
      rejects({ ...valid, [field]: 'x'.repeat(17) }, field, '17', '16');
      assert.doesNotThrow(() => validateEvent({ ...valid, [field]: 'x'.repeat(16) }, limits, NOW), field);
    }
  });

  test('negative, fractional, NaN and unsafe timestamps', () => {
    for (const ts of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) rejects({ ...valid, ts }, 'ts');
    assert.doesNotThrow(() => validateEvent({ ...valid, ts: 0 }, limits, NOW));
  });

  test('timestamps too far in the future; exactly at the skew is accepted', () => {
    rejects({ ...valid, ts: NOW + 60_001 }, 'ts', 'future');
    rejects({ ...valid, ts: NOW + 86_400_000 }, 'ts', 'future');
    assert.doesNotThrow(() => validateEvent({ ...valid, ts: NOW + 60_000 }, limits, NOW));
  });

  test('the wall clock defaults to now', () => {
    assert.doesNotThrow(() => validateEvent({ ...valid, ts: Date.now() }, limits));
    rejects({ ...valid, ts: Date.now() + 3_600_000 }, 'ts');
  });

  test('item events without an itemId', () => {
    const needItem: EventType[] = ['IMPRESSION', 'CLICK', 'LIKE', 'SHARE', 'COMMENT', 'GIFT', 'SKIP', 'DWELL', 'NOT_INTERESTED'];
    for (const type of needItem) rejects({ ...valid, type, itemId: null, value: 1 }, 'itemId', type);
  });

  test('author events without an authorId', () => {
    for (const type of ['FOLLOW', 'UNFOLLOW', 'MUTE_AUTHOR'] as const) rejects({ ...valid, type, authorId: null }, 'authorId', type);
  });

  test('events that need neither item nor author pass without them', () => {
    for (const type of ['FEED_REQUEST', 'SESSION_START', 'SESSION_END'] as const) {
      assert.doesNotThrow(() => validateEvent({ ...valid, type, itemId: null, authorId: null }, limits, NOW), type);
    }
  });

  test('GIFT without a value, and negative or non-finite values', () => {
    rejects({ ...valid, type: 'GIFT', value: null }, 'GIFT', 'value');
    for (const value of [-0.01, Number.POSITIVE_INFINITY, Number.NaN]) rejects({ ...valid, type: 'GIFT', value }, 'value');
    assert.doesNotThrow(() => validateEvent({ ...valid, type: 'GIFT', value: 3.5 }, limits, NOW));
  });

  test('negative or absurd dwell', () => {
    rejects({ ...valid, type: 'DWELL', dwellMs: -1 }, 'dwellMs');
    rejects({ ...valid, type: 'DWELL', dwellMs: 24 * 3_600_000 + 1 }, 'dwellMs');
    rejects({ ...valid, type: 'DWELL', dwellMs: Number.NaN }, 'dwellMs');
    assert.doesNotThrow(() => validateEvent({ ...valid, type: 'DWELL', dwellMs: 0 }, limits, NOW));
    assert.doesNotThrow(() => validateEvent({ ...valid, type: 'DWELL', dwellMs: 24 * 3_600_000 }, limits, NOW));
  });
});
