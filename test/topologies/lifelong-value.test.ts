import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyTestDriver } from '../../src/testing/test-driver.js';
import type { UserEvent } from '../../src/serde/records.js';
import { pairKey, type Transition, type TransitionSink } from '../../src/learning/transition.js';
import { isLifelongError } from '../../src/errors/catalog.js';
import { describeTopology } from '../../src/topology/topology.js';
import { lifelongValueTopology, PAIR_FEATURES, PAIR_STORE, USER_STORE, type LifelongValueOptions, type PairState, type UserIndex } from '../../topologies/lifelong-value/index.js';

const SEC = 1_000;
const HOUR = 3_600_000;
const T = Date.UTC(2024, 5, 1, 10, 0, 0);
const NOW = T + 30 * 24 * HOUR;
const HALF_LIFE_HOURS = 24;
const F = Object.fromEntries(PAIR_FEATURES.map((name, i) => [name, i])) as Record<(typeof PAIR_FEATURES)[number], number>;

/** Stands in for the learner: keeps what the topology hands over. */
interface Recorded extends Transition {
  readonly state: number[];
  readonly next: number[];
}

class RecordingSink implements TransitionSink {
  readonly transitions: Recorded[] = [];
  readonly notes = new Map<string, number[]>();
  constructor(readonly inputDim: number = PAIR_FEATURES.length) {}
  record(transition: Transition): void {
    this.transitions.push({ ...transition, state: Array.from(transition.state), next: Array.from(transition.next), rewards: [...transition.rewards] });
  }
  noteState(key: string, state: ArrayLike<number>): void {
    this.notes.set(key, Array.from(state));
  }
}

let seq = 0;
function ev(fields: Partial<UserEvent> & Pick<UserEvent, 'type' | 'ts'>): UserEvent {
  return { eventId: `e-${++seq}`, userId: 'u1', sessionId: null, itemId: null, authorId: null, category: null, requestId: null, position: null, dwellMs: null, value: null, ...fields };
}

/** A request at `at`: the FEED_REQUEST, then an impression of each author a second later. */
function request(at: number, requestId: string, authors: readonly string[], userId = 'u1'): UserEvent[] {
  return [
    ev({ userId, type: 'FEED_REQUEST', requestId, ts: at }),
    ...authors.map((authorId, position) => ev({ userId, type: 'IMPRESSION', requestId, authorId, itemId: `${authorId}-i`, position, ts: at + SEC })),
  ];
}

function setup(overrides: Partial<LifelongValueOptions> = {}, sink = new RecordingSink()): { driver: TopologyTestDriver; sink: RecordingSink } {
  const topology = lifelongValueTopology({
    learner: sink,
    maxAuthorsPerUser: 8,
    decayHalfLifeHours: HALF_LIFE_HOURS,
    transitions: 'sparse',
    headWeights: { click: 1, follow: 5, gift: 0.5 },
    ...overrides,
  });
  return { driver: new TopologyTestDriver([topology], { now: NOW }), sink };
}

const decay = (hours: number): number => Math.pow(2, -hours / HALF_LIFE_HOURS);
const close = (actual: number | undefined, expected: number, what: string): void => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-4, `${what}: expected ${expected}, got ${actual}`);

describe('lifelong-value topology', () => {
  test('describes itself: a user store and a pair store, changelogged; no sinks', () => {
    const { sink } = setup();
    const description = describeTopology(lifelongValueTopology({ learner: sink, maxAuthorsPerUser: 4, decayHalfLifeHours: 24, transitions: 'sparse', headWeights: { click: 1, follow: 1, gift: 1 } }), 'app', 'events');
    assert.equal(description.name, 'lifelong-value');
    assert.deepEqual(description.stores.map((s) => [s.name, s.changelog]), [
      [USER_STORE, `app.${USER_STORE}-changelog`],
      [PAIR_STORE, `app.${PAIR_STORE}-changelog`],
    ]);
    assert.deepEqual(description.sinks, []);
  });

  test('sparse: a step per request in which the pair meets; its next state is the pair at its next meeting', () => {
    const { driver, sink } = setup();
    driver.pipe(
      ...request(T, 'r1', ['a1']),
      ev({ type: 'CLICK', authorId: 'a1', itemId: 'a1-i', requestId: 'r1', ts: T + 5 * SEC }),
      // Requests without a1 make no step of a1.
      ...request(T + 1 * HOUR, 'r2', ['a2']),
      ...request(T + 3 * HOUR, 'r3', ['a1']),
      ev({ type: 'FOLLOW', authorId: 'a1', ts: T + 3 * HOUR + 10 * SEC }),
      ev({ type: 'FOLLOW', authorId: 'a1', ts: T + 3 * HOUR + 11 * SEC }),
      ...request(T + 5 * HOUR, 'r4', ['a1']),
      ev({ type: 'GIFT', authorId: 'a1', itemId: 'a1-i', value: 20, ts: T + 5 * HOUR + 20 * SEC }),
      ...request(T + 6 * HOUR, 'r5', ['a1']),
    );
    assert.equal(sink.transitions.length, 3, 'a1 has steps in r1, r3, r4 closed by r3, r4, r5; a2 has one open step');
    const [first, second, third] = sink.transitions;

    // r1 → r3: one click; the first state is an empty pair.
    assert.deepEqual(first!.rewards, [1, 0, 0]);
    assert.equal(first!.click, 1);
    close(first!.dtHours, 3, 'elapsed event time from the step start to the next');
    assert.deepEqual(first!.state.slice(0, 6), [0, 0, 0, 0, 0, 0]);
    close(first!.state[F.click_rate], 0.1, 'smoothed click rate of nothing');
    close(first!.state[F.hours_since_engagement], Math.log1p(24 * 365), 'never engaged');
    // The next state: one impression and one click, decayed from T+5s to T+3h+1s.
    const d = decay((3 * HOUR + SEC - 5 * SEC) / HOUR);
    close(first!.next[F.impressions], Math.log1p(d), 'decayed impressions');
    close(first!.next[F.clicks], Math.log1p(d), 'decayed clicks');
    close(first!.next[F.click_rate], (d + 0.1) / (d + 1), 'click rate');
    close(first!.next[F.touches], Math.log1p(1), 'one step so far');
    close(first!.next[F.hours_since_engagement], Math.log1p((3 * HOUR + SEC - 5 * SEC) / HOUR), 'hours since the click');
    assert.equal(first!.next[F.followed], 0);

    // r3 → r4: the follow earns 1 once (the second FOLLOW changes nothing); the next state is followed.
    assert.deepEqual(second!.rewards, [0, 1, 0]);
    assert.equal(second!.click, 0);
    close(second!.dtHours, 2, 'two hours');
    assert.deepEqual(second!.state, first!.next, 'a step starts where the previous one ended');
    assert.equal(second!.next[F.followed], 1);

    // r4 → r5: a gift of 20 is 2 gift units.
    assert.deepEqual(third!.rewards, [0, 0, 2]);
    close(third!.dtHours, 1, 'one hour');
    close(third!.next[F.gift_value], Math.log1p(2 * decay((HOUR + SEC - 20 * SEC) / HOUR)), 'decayed gift value');

    const user = driver.store<UserIndex>(USER_STORE).get('u1')!;
    assert.equal(user.request, 5);
    assert.deepEqual([...user.authors].sort(), ['a1', 'a2']);
    const a1 = driver.store<PairState>(PAIR_STORE).get(pairKey('u1', 'a1'))!;
    assert.equal(a1.followed, true);
    assert.equal(a1.touches, 4);
    assert.equal(a1.engagements, 4, 'a click, two follows and a gift');
    assert.equal(a1.step!.request, 5, 'the step of r5 is open');
  });

  test('sparse: a step open longer than maxStepHours ends at the user’s next request; a rewardless step starts there', () => {
    const { driver, sink } = setup({ maxStepHours: 72 });
    driver.pipe(
      ...request(T, 'r1', ['a1']),
      ev({ type: 'CLICK', authorId: 'a1', itemId: 'a1-i', requestId: 'r1', ts: T + 5 * SEC }),
      ...request(T + 50 * HOUR, 'r2', []),
      ...request(T + 80 * HOUR, 'r3', []),
      ...request(T + 81 * HOUR, 'r4', ['a1']),
    );
    assert.equal(sink.transitions.length, 2);
    const [silence, meeting] = sink.transitions;
    assert.deepEqual(silence!.rewards, [1, 0, 0], 'the step of r1 kept its click');
    close(silence!.dtHours, 80 - SEC / HOUR, 'closed by the first request after 72 hours');
    close(silence!.next[F.hours_since_touch], Math.log1p(80 - 5 * SEC / HOUR), 'the next state is the long silence');
    assert.deepEqual(meeting!.rewards, [0, 0, 0], 'nothing happened in the silent step');
    close(meeting!.dtHours, 1 + SEC / HOUR, 'from r3 to the impression in r4');
    assert.deepEqual(meeting!.state, silence!.next);
    assert.equal(driver.store<PairState>(PAIR_STORE).get(pairKey('u1', 'a1'))!.touches, 2, 'a silent step is not a meeting');
  });

  test('dense: every request of the user ends a step of each of their pairs, rewardless ones included', () => {
    const { driver, sink } = setup({ transitions: 'dense' });
    driver.pipe(
      ...request(T, 'r1', ['a1', 'a2']),
      ev({ type: 'CLICK', authorId: 'a1', itemId: 'a1-i', requestId: 'r1', ts: T + 5 * SEC }),
      ...request(T + 1 * HOUR, 'r2', ['a2']),
      ...request(T + 3 * HOUR, 'r3', []),
    );
    // r2 closes a1's and a2's steps of r1; r3 closes both again.
    assert.equal(sink.transitions.length, 4);
    const [a1r1, a2r1, a1r2, a2r2] = sink.transitions;
    assert.deepEqual(a1r1!.rewards, [1, 0, 0]);
    assert.equal(a1r1!.click, 1);
    close(a1r1!.dtHours, 1 - SEC / HOUR, 'from a1’s first event to the next request');
    assert.deepEqual(a2r1!.rewards, [0, 0, 0]);
    assert.deepEqual(a1r2!.rewards, [0, 0, 0], 'a1 was not in r2: a rewardless step');
    close(a1r2!.dtHours, 2, 'request to request');
    assert.deepEqual(a1r2!.state, a1r1!.next);
    close(a2r2!.next[F.impressions], Math.log1p(decay((2 * HOUR - SEC) / HOUR) + decay((3 * HOUR - SEC) / HOUR)), 'two decayed impressions');
  });

  test('the per-user bound keeps the top authors by value and recency', () => {
    const { driver } = setup({ maxAuthorsPerUser: 3 });
    driver.pipe(
      ...request(T, 'r1', ['followed', 'clicked']),
      ev({ type: 'FOLLOW', authorId: 'followed', ts: T + 2 * SEC }),
      ev({ type: 'CLICK', authorId: 'clicked', itemId: 'clicked-i', requestId: 'r1', ts: T + 3 * SEC }),
      ...request(T + HOUR, 'r2', ['seen-1']),
      ...request(T + 2 * HOUR, 'r3', ['seen-2']),
      ...request(T + 3 * HOUR, 'r4', ['seen-3']),
    );
    const user = driver.store<UserIndex>(USER_STORE).get('u1')!;
    assert.deepEqual([...user.authors].sort(), ['clicked', 'followed', 'seen-3'], 'each new author replaced the least valuable and least recent impression-only one');
    assert.deepEqual([...driver.store<PairState>(PAIR_STORE).keys()].sort(), ['clicked', 'followed', 'seen-3'].map((a) => pairKey('u1', a)), 'evicted pairs are deleted from the pair store');
  });

  test('a restart restores the pairs from the changelog and carries on exactly as without it', () => {
    const events = [
      ...request(T, 'r1', ['a1', 'a2']),
      ev({ type: 'CLICK', authorId: 'a1', itemId: 'a1-i', requestId: 'r1', ts: T + 5 * SEC }),
      ...request(T + HOUR, 'r2', ['a1']),
      ev({ type: 'LIKE', authorId: 'a1', itemId: 'a1-i', requestId: 'r2', ts: T + HOUR + 9 * SEC }),
      ...request(T + 2 * HOUR, 'r3', ['a1', 'a2']),
      ev({ type: 'GIFT', authorId: 'a2', itemId: 'a2-i', value: 5, ts: T + 2 * HOUR + 9 * SEC }),
      ...request(T + 4 * HOUR, 'r4', ['a1', 'a2']),
    ];
    const straight = setup({ transitions: 'dense' });
    straight.driver.pipe(...events);

    const sink = new RecordingSink();
    const first = setup({ transitions: 'dense' }, sink);
    first.driver.pipe(...events.slice(0, 7));
    const second = first.driver.restart();
    // The restarted driver runs the same topology object, so the same sink sees the rest.
    second.pipe(...events.slice(7));
    assert.deepEqual(second.store(PAIR_STORE), straight.driver.store(PAIR_STORE));
    assert.deepEqual(second.store(USER_STORE), straight.driver.store(USER_STORE));
    assert.deepEqual(sink.transitions, straight.sink.transitions);
  });

  test('a record rewrites only its own pair in the changelog, however many authors the user has', () => {
    const { driver } = setup();
    driver.pipe(...request(T, 'r1', ['a1', 'a2', 'a3', 'a4', 'a5']));
    const pairsBefore = driver.changelog(PAIR_STORE).length;
    const usersBefore = driver.changelog(USER_STORE).length;
    driver.pipe(ev({ type: 'CLICK', authorId: 'a3', itemId: 'a3-i', requestId: 'r1', ts: T + 5 * SEC }));
    const written = driver.changelog(PAIR_STORE).slice(pairsBefore);
    assert.deepEqual(written.map((r) => r.key?.toString()), [pairKey('u1', 'a3')]);
    assert.equal(driver.changelog(USER_STORE).length, usersBefore, 'the user index is untouched');
  });

  test('notes the state at the start of each step for the value cache', () => {
    const { driver, sink } = setup();
    driver.pipe(...request(T, 'r1', ['a1']), ev({ type: 'CLICK', authorId: 'a1', itemId: 'a1-i', requestId: 'r1', ts: T + 5 * SEC }));
    assert.deepEqual(sink.notes.get(pairKey('u1', 'a1'))?.slice(0, 6), [0, 0, 0, 0, 0, 0], 'the first step starts from nothing');
    driver.pipe(...request(T + HOUR, 'r2', ['a1']));
    const noted = sink.notes.get(pairKey('u1', 'a1'));
    assert.ok(noted);
    assert.deepEqual(noted, sink.transitions[0]!.next, 'the state the new step starts from');
    close(noted[F.clicks], Math.log1p(decay((HOUR + SEC - 5 * SEC) / HOUR)), 'the click, as of the new step');
  });

  test('an embedding provider appends its features to every state', () => {
    const sink = new RecordingSink(PAIR_FEATURES.length + 2);
    const { driver } = setup({ embeddings: { names: ['affinity', 'author_norm'], embed: (userId, authorId) => (authorId === 'a1' ? [0.5, userId === 'u1' ? 2 : 0] : undefined) } }, sink);
    driver.pipe(...request(T, 'r1', ['a1', 'a2']), ...request(T + HOUR, 'r2', ['a1', 'a2']));
    const [a1, a2] = sink.transitions;
    assert.deepEqual(a1!.state.slice(-2), [0.5, 2]);
    assert.deepEqual(a1!.next.slice(-2), [0.5, 2]);
    assert.deepEqual(a2!.state.slice(-2), [0, 0], 'zeros when the provider knows nothing');
  });

  test('an event without an authorId is placed through the author lookup, when one is plugged in', () => {
    const authorOf = (itemId: string): string | undefined => (itemId === 'known-item' ? 'a9' : undefined);
    const { driver, sink } = setup({ authorOf });
    driver.pipe(
      ...request(T, 'r1', ['a9']),
      ev({ type: 'CLICK', itemId: 'known-item', requestId: 'r1', ts: T + 5 * SEC }),
      ev({ type: 'CLICK', itemId: 'unknown-item', requestId: 'r1', ts: T + 6 * SEC }),
      ...request(T + HOUR, 'r2', ['a9']),
    );
    assert.deepEqual(sink.transitions.map((t) => t.rewards), [[1, 0, 0]], 'the known item’s click counts for a9; the unknown one is skipped');
    assert.deepEqual(driver.store<UserIndex>(USER_STORE).get('u1')!.authors, ['a9']);
  });

  test('a learner of another input size is refused at definition', () => {
    assert.throws(
      () => lifelongValueTopology({ learner: new RecordingSink(5), maxAuthorsPerUser: 4, decayHalfLifeHours: 24, transitions: 'sparse', headWeights: { click: 1, follow: 1, gift: 1 } }),
      (error: unknown) => isLifelongError(error, 'CONFIG_INVALID') && /takes 5 features/.test(error.message),
    );
  });
});
