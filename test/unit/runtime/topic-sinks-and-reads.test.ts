import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map, tap, filter } from 'rxjs';
import { defineStore, defineTopology, jsonCodec, userEvent, type StreamItem, type StreamRecord, type TopologyDefinition, type UserEvent } from '../../../src/index.js';
import { TopologyTestDriver } from '../../../src/testing/test-driver.js';

const RESULTS = 'results-topic';
const records = (item: StreamItem<UserEvent>): item is StreamRecord<UserEvent> => item.kind === 'record';

/** Counts events per user in its own store. */
const counter = defineTopology<UserEvent>({
  name: 'counter',
  doc: 'counts events per user',
  stores: [defineStore<number>({ name: 'counts', doc: 'events per user', codec: jsonCodec() })],
  sinks: [],
  pipeline(input$, context) {
    const counts = context.store<number>('counts');
    return input$.pipe(
      filter(records),
      tap((r) => counts.put(r.key, (counts.get(r.key) ?? 0) + 1)),
      filter(() => false),
      map(() => ({ sink: 'none', value: {} })),
    );
  },
});

/** Reads the counter's store and answers every FEED_REQUEST on a topic. */
function reporter(reads: readonly string[] = ['counts']): TopologyDefinition<UserEvent> {
  return defineTopology<UserEvent>({
    name: 'reporter',
    doc: 'reports the count on requests',
    stores: [],
    reads,
    sinks: [{ name: 'report', kind: 'topic', topic: RESULTS, encode: (value) => Buffer.from(JSON.stringify(value)) }],
    pipeline(input$, context) {
      const counts = context.readStore<number>('counts');
      return input$.pipe(
        filter(records),
        filter((r) => r.value.type === 'FEED_REQUEST'),
        map((r) => ({ sink: 'report', key: r.key, value: { user: r.key, seen: counts.get(r.key) ?? 0 } })),
      );
    },
  });
}

const event = (n: number, type: UserEvent['type'], userId = 'u1'): UserEvent =>
  userEvent({ eventId: `e${n}`, userId, type, ts: 1_700_000_000_000 + n * 1000, requestId: 'r1', ...(type === 'FEED_REQUEST' ? {} : { itemId: 'i1', authorId: 'a1' }) });

test('a topic sink emits keyed records with the batch, and a later topology reads an earlier one\'s store as the record left it', () => {
  const driver = new TopologyTestDriver([counter, reporter()], { partitions: 2 });
  driver.pipe(event(1, 'IMPRESSION'), event(2, 'CLICK'), event(3, 'FEED_REQUEST'), event(4, 'FEED_REQUEST', 'u2'));
  assert.deepEqual(driver.deadLetters(), []);
  const results = driver.results(RESULTS, (bytes) => JSON.parse(bytes.toString()) as { user: string; seen: number });
  assert.deepEqual(results, [
    { key: 'u1', value: { user: 'u1', seen: 3 } },
    { key: 'u2', value: { user: 'u2', seen: 1 } },
  ]);
});

test('a store the topology did not declare in `reads` cannot be opened', () => {
  assert.throws(() => new TopologyTestDriver([counter, reporter([])]), /did not declare that it reads a store named counts/);
});

test('a topology may only read stores of topologies listed before it', () => {
  assert.throws(() => new TopologyTestDriver([reporter(), counter]), /reads store counts, which no topology before it declares/);
});
