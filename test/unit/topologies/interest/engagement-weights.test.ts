import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserEvent } from '../../../../src/index.js';
import { authorWeight, contentWeight, DWELL_CAP, mutesAuthor } from '../../../../topologies/interest/engagement-weights.js';

const ev = (type: UserEvent['type'], fields: Partial<UserEvent> = {}): UserEvent => ({
  eventId: 'e',
  userId: 'u',
  sessionId: null,
  type,
  itemId: 'i',
  authorId: 'a',
  category: 'c',
  requestId: null,
  position: null,
  dwellMs: null,
  value: null,
  ts: 0,
  ...fields,
});

describe('engagement weights', () => {
  test('deepen from click to gift', () => {
    const w = (t: UserEvent['type']) => contentWeight(ev(t));
    assert.ok(w('CLICK') < w('LIKE') && w('LIKE') < w('SHARE') && w('SHARE') === w('COMMENT') && w('COMMENT') < w('FOLLOW') && w('FOLLOW') < w('GIFT'));
  });

  test('skips and "not interested" count against; impressions and requests are neutral', () => {
    assert.ok(contentWeight(ev('SKIP')) < 0 && contentWeight(ev('NOT_INTERESTED')) < contentWeight(ev('SKIP')));
    for (const t of ['IMPRESSION', 'FEED_REQUEST', 'SESSION_START', 'SESSION_END'] as const) assert.equal(contentWeight(ev(t)), 0);
  });

  test('dwell counts by its length, capped', () => {
    assert.equal(contentWeight(ev('DWELL', { dwellMs: 0 })), 0);
    assert.ok(Math.abs(contentWeight(ev('DWELL', { dwellMs: 60_000 })) - 0.2) < 1e-12);
    assert.equal(contentWeight(ev('DWELL', { dwellMs: 3_600_000 })), DWELL_CAP);
    assert.equal(contentWeight(ev('DWELL', { dwellMs: null })), 0);
  });

  test('unfollow lowers only the author; mute removes it', () => {
    assert.equal(contentWeight(ev('UNFOLLOW')), 0);
    assert.ok(authorWeight(ev('UNFOLLOW')) < 0);
    assert.ok(mutesAuthor(ev('MUTE_AUTHOR')) && !mutesAuthor(ev('SKIP')));
  });
});
