import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyTestDriver, type TestDriverOptions } from '../../src/testing/test-driver.js';
import type { UserEvent } from '../../src/serde/records.js';
import { sessionMetricsTopology, SESSION_SINK } from '../../topologies/session-metrics/index.js';
import { userEvent } from '../support/events.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const GAP = 30 * MIN;
const LATENESS = 5 * MIN;
/** A minute boundary, so punctuation (every minute of stream time) is easy to follow. */
const T = Date.UTC(2024, 5, 1, 10, 0, 0);
const NOW = T + 24 * 3_600_000;

let seq = 0;
function ev(fields: Partial<UserEvent> & Pick<UserEvent, 'type' | 'ts'>): UserEvent {
  return userEvent({ eventId: `e-${++seq}`, userId: 'u1', ...fields });
}

function driver(options: TestDriverOptions = {}): TopologyTestDriver {
  return new TopologyTestDriver([sessionMetricsTopology({ sessionGapMs: GAP, allowedLatenessMs: LATENESS })], { now: NOW, ...options });
}

/** Every column equal; numbers to 1e-12 (they are computed by hand below). */
function assertRow(actual: Record<string, unknown> | undefined, expected: Record<string, unknown>): void {
  assert.ok(actual, 'a row was written');
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), 'the same columns');
  for (const [column, value] of Object.entries(expected)) {
    const got: unknown = actual[column];
    if (typeof value === 'number' && !Number.isInteger(value)) {
      assert.ok(typeof got === 'number' && Math.abs(got - value) < 1e-12, `${column}: expected ${value}, got ${String(got)}`);
    } else {
      assert.equal(got, value, column);
    }
  }
}

/**
 * The hand-written session: START, a feed request, a slate of 4 impressions (music,
 * music, news, sports), a click and a like on the second item, a minute of dwell on it,
 * a skip of the third, END.
 */
function handWrittenSession(userId = 'u1'): UserEvent[] {
  const s = { userId, sessionId: 's-1' };
  const slate = { requestId: 'r-1', ts: T + 2 * SEC };
  return [
    ev({ ...s, type: 'SESSION_START', ts: T }),
    ev({ ...s, type: 'FEED_REQUEST', requestId: 'r-1', ts: T + 1 * SEC }),
    ev({ ...s, ...slate, type: 'IMPRESSION', itemId: 'i-1', authorId: 'a-1', category: 'music', position: 0 }),
    ev({ ...s, ...slate, type: 'IMPRESSION', itemId: 'i-2', authorId: 'a-2', category: 'music', position: 1 }),
    ev({ ...s, ...slate, type: 'IMPRESSION', itemId: 'i-3', authorId: 'a-3', category: 'news', position: 2 }),
    ev({ ...s, ...slate, type: 'IMPRESSION', itemId: 'i-4', authorId: 'a-4', category: 'sports', position: 3 }),
    ev({ ...s, type: 'CLICK', itemId: 'i-2', category: 'music', requestId: 'r-1', ts: T + 10 * SEC }),
    ev({ ...s, type: 'LIKE', itemId: 'i-2', category: 'music', requestId: 'r-1', ts: T + 20 * SEC }),
    ev({ ...s, type: 'DWELL', itemId: 'i-2', category: 'music', dwellMs: 60 * SEC, ts: T + 80 * SEC }),
    ev({ ...s, type: 'SKIP', itemId: 'i-3', category: 'news', ts: T + 90 * SEC }),
    ev({ ...s, type: 'SESSION_END', ts: T + 100 * SEC }),
  ];
}

/** Its row, worked out by hand. */
function handWrittenRow(userId = 'u1'): Record<string, unknown> {
  return {
    session_id: 's-1',
    user_id: userId,
    start_ms: T,
    end_ms: T + 100 * SEC,
    start_time: T / 1000,
    end_time: T / 1000 + 100,
    duration_ms: 100 * SEC,
    requests: 1,
    impressions: 4,
    clicks: 1,
    likes: 1,
    shares: 0,
    comments: 0,
    follows: 0,
    gifts: 0,
    gift_value: 0,
    skips: 1,
    not_interested: 0,
    mutes: 0,
    dwell_ms: 60 * SEC,
    // 1 click / 4 impressions; 1 skip / 4 impressions.
    ctr: 0.25,
    skip_rate: 0.25,
    // music ×2, news, sports: 3 categories; entropy of (1/2, 1/4, 1/4) = 1/2 + 1/2 + 1/2 bits.
    distinct_categories: 3,
    category_entropy: 1.5,
    // One slate of 4 items: 6 pairs, only (music, music) alike → 5/6 of the pairs differ.
    intra_list_diversity: 5 / 6,
    // No earlier sessions: every categorized impression is in a new category.
    novelty_rate: 1,
    // click 1 + like 2 + 1 minute × 0.2 − skip 0.5.
    engagement_score: 1 + 2 + 0.2 - 0.5,
    // Trail i-1, i-2, i-3, i-4 (L = 4); i-2 at cost 1 gains 2 (like): 2·(1 − 1/4) / (2·1).
    normalized_utility: 0.75,
    close_reason: 'end',
    policy: '',
    arm: '',
    version: 11,
  };
}

describe('session-metrics through the TopologyTestDriver', () => {
  test('a hand-written session gives exactly one row, every column as computed by hand', () => {
    const d = driver();
    d.pipe(...handWrittenSession());
    assert.equal(d.rows(SESSION_SINK).length, 1);
    assertRow(d.rows(SESSION_SINK)[0], handWrittenRow());
    assert.deepEqual(d.deadLetters(), []);
    // Later stream time does not write it again.
    d.advanceStreamTime(T + 10 * GAP);
    assert.equal(d.rows(SESSION_SINK).length, 1);
  });

  test('without session ids, a burst 31 minutes later closes the first session by gap', () => {
    const d = driver();
    const first = [
      ev({ userId: 'u2', type: 'IMPRESSION', itemId: 'i-1', category: 'music', ts: T }),
      ev({ userId: 'u2', type: 'CLICK', itemId: 'i-1', category: 'music', ts: T + MIN }),
    ];
    d.pipe(...first);
    assert.equal(d.rows(SESSION_SINK).length, 0);
    d.pipe(ev({ userId: 'u2', type: 'IMPRESSION', itemId: 'i-2', category: 'news', ts: T + MIN + 31 * MIN }));
    const rows = d.rows(SESSION_SINK);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.session_id, `u2:${T}`);
    assert.equal(rows[0]!.close_reason, 'gap');
    assert.equal(rows[0]!.start_ms, T);
    assert.equal(rows[0]!.end_ms, T + MIN);
    assert.equal(rows[0]!.duration_ms, MIN);
    assert.equal(rows[0]!.impressions, 1);
    assert.equal(rows[0]!.clicks, 1);
    assert.equal(rows[0]!.ctr, 1);
    assert.equal(rows[0]!.normalized_utility, 1);
    assert.equal(rows[0]!.version, 2);
  });

  test('a session stays open until SESSION_END', () => {
    const d = driver();
    const events = handWrittenSession();
    d.pipe(...events.slice(0, -1));
    assert.deepEqual(d.rows(SESSION_SINK), []);
    d.pipe(events[events.length - 1]!);
    assert.equal(d.rows(SESSION_SINK).length, 1);
  });

  test('a session stays open until stream time passes its last event + gap + lateness (checked every punctuation)', () => {
    const d = driver();
    const last = T + MIN;
    d.pipe(ev({ type: 'IMPRESSION', itemId: 'i', ts: T }), ev({ type: 'IMPRESSION', itemId: 'j', ts: last }));
    d.advanceStreamTime(last + GAP);
    assert.deepEqual(d.rows(SESSION_SINK), [], 'the gap alone is not enough: late events may still come');
    d.advanceStreamTime(last + GAP + LATENESS);
    assert.deepEqual(d.rows(SESSION_SINK), [], 'exactly at the horizon is not past it');
    d.advanceStreamTime(last + GAP + LATENESS + 1);
    assert.deepEqual(d.rows(SESSION_SINK), [], 'past it, but before the next punctuation');
    d.advanceStreamTime(last + GAP + LATENESS + MIN);
    assert.equal(d.rows(SESSION_SINK).length, 1);
    assert.equal(d.rows(SESSION_SINK)[0]!.close_reason, 'gap');
    assert.equal(d.rows(SESSION_SINK)[0]!.session_id, `u1:${T}`);
    assert.equal(d.rows(SESSION_SINK)[0]!.end_ms, last);
  });

  test('with punctuation every millisecond, a session closes as soon as stream time is past the horizon', () => {
    const d = driver({ punctuateIntervalMs: 1 });
    d.pipe(ev({ type: 'IMPRESSION', itemId: 'i', ts: T }));
    d.advanceStreamTime(T + GAP + LATENESS);
    assert.equal(d.rows(SESSION_SINK).length, 0);
    d.advanceStreamTime(T + GAP + LATENESS + 1);
    assert.equal(d.rows(SESSION_SINK).length, 1);
  });

  test('a duplicate eventId is dead-lettered and counted once', () => {
    const d = driver();
    const impression = ev({ type: 'IMPRESSION', itemId: 'i-1', category: 'music', ts: T + SEC });
    d.pipe(ev({ type: 'SESSION_START', ts: T }), impression, { ...impression, ts: T + 2 * SEC }, ev({ type: 'SESSION_END', ts: T + 3 * SEC }));
    const letters = d.deadLetters();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.errorCode, 'LIFELONG_ERR_DUPLICATE_EVENT');
    assert.equal(letters[0]!.sourceOffset, 2);
    assert.equal(letters[0]!.stage, 'validation');
    assert.ok(letters[0]!.message.includes(impression.eventId));
    const rows = d.rows(SESSION_SINK);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.impressions, 1);
    assert.equal(rows[0]!.version, 3, 'START, one IMPRESSION, END');
  });

  test('undecodable bytes are dead-lettered with their source offset and bytes; processing goes on', () => {
    const d = driver();
    const events = handWrittenSession();
    const garbage = Buffer.from('definitely not avro');
    d.pipe(...events.slice(0, 3));
    d.pipeBytes(Buffer.from('u1'), garbage);
    d.pipe(...events.slice(3, 5));
    d.pipeBytes(Buffer.from('u1'), Buffer.from([0xff, 0xff, 0xff]));
    d.pipeBytes(Buffer.from('u1'), null);
    d.pipe(...events.slice(5));
    const letters = d.deadLetters();
    assert.deepEqual(
      letters.map((l) => [l.errorCode, l.sourceOffset, l.stage, l.sourceTopic, l.sourcePartition]),
      [
        ['LIFELONG_ERR_DECODE_FAILED', 3, 'deserialization', 'events', 0],
        ['LIFELONG_ERR_DECODE_FAILED', 6, 'deserialization', 'events', 0],
        ['LIFELONG_ERR_DECODE_FAILED', 7, 'deserialization', 'events', 0],
      ],
    );
    assert.deepEqual(letters[0]!.value, garbage);
    assert.deepEqual(letters[0]!.key, Buffer.from('u1'));
    assert.equal(letters[2]!.value, null);
    assertRow(d.rows(SESSION_SINK)[0], handWrittenRow());
  });

  test('a record keyed by someone other than its userId is refused as invalid', () => {
    const d = driver();
    const event = ev({ userId: 'u1', type: 'IMPRESSION', itemId: 'i', ts: T });
    d.pipeBytes(Buffer.from('u2'), d.codec.encode(event));
    d.pipeBytes(null, d.codec.encode({ ...event, eventId: 'other' }));
    const letters = d.deadLetters();
    assert.deepEqual(
      letters.map((l) => [l.errorCode, l.stage, l.sourceOffset]),
      [
        ['LIFELONG_ERR_RECORD_INVALID', 'validation', 0],
        ['LIFELONG_ERR_RECORD_INVALID', 'validation', 1],
      ],
    );
    assert.ok(letters[0]!.message.includes('"u2"') && letters[0]!.message.includes('"u1"'), letters[0]!.message);
    d.advanceStreamTime(T + 10 * GAP);
    assert.deepEqual(d.rows(SESSION_SINK), [], 'nothing of it was sessionized');
  });

  test('an invalid event (CLICK without an item) is refused as invalid, naming the field', () => {
    const d = driver();
    d.pipe(ev({ type: 'CLICK', ts: T }));
    const letters = d.deadLetters();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.errorCode, 'LIFELONG_ERR_RECORD_INVALID');
    assert.ok(letters[0]!.message.includes('itemId'));
  });

  test('an event later than the allowed lateness is dead-lettered; one just within it counts', () => {
    const d = driver();
    d.pipe(ev({ type: 'IMPRESSION', itemId: 'a', ts: T }), ev({ type: 'IMPRESSION', itemId: 'b', ts: T + 20 * MIN }));
    const tooLate = ev({ type: 'IMPRESSION', itemId: 'late', ts: T + 20 * MIN - LATENESS - 1 });
    const justInTime = ev({ type: 'IMPRESSION', itemId: 'ok', ts: T + 20 * MIN - LATENESS });
    d.pipe(tooLate, justInTime, ev({ type: 'SESSION_END', ts: T + 21 * MIN }));
    const letters = d.deadLetters();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.errorCode, 'LIFELONG_ERR_LATE_EVENT');
    assert.equal(letters[0]!.sourceOffset, 2);
    const rows = d.rows(SESSION_SINK);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.impressions, 3, 'a, b and the one just in time');
  });

  test('an event before the end of an already closed session is dead-lettered by the topology', () => {
    const d = driver();
    d.pipe(ev({ type: 'IMPRESSION', itemId: 'a', ts: T }), ev({ type: 'SESSION_END', ts: T + MIN }));
    d.pipe(ev({ type: 'IMPRESSION', itemId: 'b', ts: T + MIN - 1 }));
    const letters = d.deadLetters();
    assert.deepEqual(
      letters.map((l) => [l.errorCode, l.stage, l.topology, l.sourceOffset]),
      [['LIFELONG_ERR_LATE_EVENT', 'processing', 'session-metrics', 2]],
    );
    assert.equal(d.rows(SESSION_SINK).length, 1);
  });

  test('categories engaged with in one session are familiar in the next', () => {
    const d = driver();
    d.pipe(...handWrittenSession());
    // Engaged with last time: music only (click, like); a skip is no engagement, so news is still new.
    d.pipe(
      ev({ sessionId: 's-2', type: 'IMPRESSION', itemId: 'i-5', category: 'music', requestId: 'r-2', ts: T + 2 * GAP }),
      ev({ sessionId: 's-2', type: 'IMPRESSION', itemId: 'i-6', category: 'news', requestId: 'r-2', ts: T + 2 * GAP }),
      ev({ sessionId: 's-2', type: 'IMPRESSION', itemId: 'i-7', category: 'travel', requestId: 'r-2', ts: T + 2 * GAP }),
      ev({ sessionId: 's-2', type: 'SESSION_END', ts: T + 2 * GAP + SEC }),
    );
    const rows = d.rows(SESSION_SINK);
    assert.equal(rows.length, 2);
    // news and travel are new to this user, music is not: 2 of 3.
    assert.ok(Math.abs((rows[1]!.novelty_rate as number) - 2 / 3) < 1e-12, String(rows[1]!.novelty_rate));
    assert.equal(rows[1]!.intra_list_diversity, 1);
    assert.equal(rows[1]!.normalized_utility, null, 'no engagement in the second session');
    assert.equal(rows[1]!.engagement_score, 0);
  });

  test('a restart from the changelog mid-session gives the same row as an uninterrupted run', () => {
    const events = handWrittenSession();
    const straight = driver();
    straight.pipe(...events);

    const first = driver();
    first.pipe(...events.slice(0, 7));
    assert.deepEqual(first.rows(SESSION_SINK), []);
    const second = first.restart();
    second.pipe(...events.slice(7));
    assert.equal(second.rows(SESSION_SINK).length, 1);
    assert.deepEqual(second.rows(SESSION_SINK), straight.rows(SESSION_SINK));
    assertRow(second.rows(SESSION_SINK)[0], handWrittenRow());
  });

  test('after a restart, de-duplication and stream time carry on', () => {
    const events = handWrittenSession();
    const first = driver();
    first.pipe(...events.slice(0, 6));
    const second = first.restart();
    second.pipe(events[5]!); // already seen before the restart
    second.pipe(ev({ type: 'IMPRESSION', itemId: 'x', sessionId: 's-1', ts: T - LATENESS - 1 + 2 * SEC })); // late against the restored stream time
    second.pipe(...events.slice(6));
    assert.deepEqual(
      second.deadLetters().map((l) => [l.errorCode, l.sourceOffset]),
      [
        ['LIFELONG_ERR_DUPLICATE_EVENT', 6],
        ['LIFELONG_ERR_LATE_EVENT', 7],
      ],
    );
    assertRow(second.rows(SESSION_SINK)[0], handWrittenRow());
  });

  test('restarting twice, with other users in between, loses no open session', () => {
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const sessions = new Map(users.map((u) => [u, handWrittenSession(u)]));
    const straight = driver({ partitions: 3 });
    for (const u of users) straight.pipe(...sessions.get(u)!);

    // alice and bob half-way, restart; carol and dave complete, restart; then everyone finishes.
    let d = driver({ partitions: 3 });
    d.pipe(...sessions.get('alice')!.slice(0, 5), ...sessions.get('bob')!.slice(0, 8));
    d = d.restart();
    d.pipe(...sessions.get('carol')!, ...sessions.get('dave')!.slice(0, 4));
    d = d.restart();
    d.pipe(...sessions.get('alice')!.slice(5), ...sessions.get('bob')!.slice(8), ...sessions.get('dave')!.slice(4), ...sessions.get('erin')!);
    const byUser = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [r.user_id as string, r]));
    const rows = byUser(d.rows(SESSION_SINK));
    assert.deepEqual([...rows.keys()].sort(), ['alice', 'bob', 'dave', 'erin'], 'carol finished before the last restart');
    const expected = byUser(straight.rows(SESSION_SINK));
    for (const u of ['alice', 'bob', 'dave', 'erin']) {
      assert.deepEqual(rows.get(u), expected.get(u), u);
      assertRow(rows.get(u), handWrittenRow(u));
    }
    assert.deepEqual(d.deadLetters(), []);
  });
});
