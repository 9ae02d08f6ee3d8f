import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { filter, ignoreElements, tap } from 'rxjs';
import { AvroCodec, LocalSchemaRegistry, defineGlobalTable, defineQuery, defineStore, defineTopology, jsonCodec, type DeadLetter, type StreamRecord, type UserEvent } from '../../../src/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { LIFECYCLE } from '../../../src/runtime/lifecycle.js';
import { queryAnswerer } from '../../../src/runtime/interactive-queries.js';
import { StreamApp } from '../../../src/runtime/stream-app.js';
import { MemoryTransport } from '../../../src/transports/memory/memory-transport.js';
import { userEvent } from '../../support/events.js';

const registry = new LocalSchemaRegistry();
const eventCodec = new AvroCodec<UserEvent>('UserEvent', registry);
const deadLetterCodec = new AvroCodec<DeadLetter>('DeadLetter', registry);

/** Remembers, per event, the label the `labels` global table had for its item when the event was processed. */
const topology = defineTopology<UserEvent>({
  name: 'labeller',
  doc: 'test',
  stores: [defineStore<string>({ name: 'seen-labels', doc: 'label per event id', codec: jsonCodec() })],
  sinks: [],
  globalTables: [defineGlobalTable<string>({ name: 'labels', topic: 'labels', doc: 'item → label', decode: (_key, value) => value.toString('utf8') || null })],
  queries: [defineQuery<string>({ name: 'label', path: '/events/:id/label', store: 'seen-labels', doc: 'test', answer: (value) => ({ status: value === undefined ? 404 : 200, body: value ?? null }) })],
  pipeline(input$, context) {
    const store = context.store<string>('seen-labels');
    const labels = context.globalTable<string>('labels');
    return input$.pipe(
      filter((item): item is StreamRecord<UserEvent> => item.kind === 'record'),
      tap((record) => store.put(record.value.eventId, labels.get(record.value.itemId ?? '') ?? 'missing')),
      ignoreElements(),
    );
  },
});

const event = (eventId: string, userId: string, itemId: string, ts: number): UserEvent => userEvent({ eventId, userId, type: 'CLICK', itemId, ts });

function app(transport: MemoryTransport): StreamApp {
  return new StreamApp({
    applicationId: 'gt',
    inputTopic: 'events',
    deadLetterTopic: 'dead',
    partitions: 2,
    topologies: [topology],
    transport,
    sinks: new Map(),
    eventCodec,
    deadLetterCodec,
    limits: { maxRecordBytes: 1 << 20, maxFutureSkewMs: 86_400_000, maxIdLength: 256 },
    allowedLatenessMs: 60_000,
    dedupeWindow: 16,
    punctuateIntervalMs: 60_000,
    maxBatchRecords: 100,
    concurrency: 2,
    heartbeatIntervalMs: 1_000,
    logger: silentLogger(),
    metrics: new RuntimeMetrics(),
  });
}

/** Resolves after the app has processed `count` records in total (woken by batch events). */
function processed(target: StreamApp, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (target.recordsProcessed < count) return;
      target.off(LIFECYCLE.BATCH_END, check);
      resolve();
    };
    target.on(LIFECYCLE.BATCH_END, check);
    check();
  });
}

const label = (key: string, value: string | null) => ({ topic: 'labels', key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });
const produceEvent = (transport: MemoryTransport, e: UserEvent) => transport.produce([{ topic: 'events', key: Buffer.from(e.userId), value: eventCodec.encode(e) }]);

describe('StreamApp with a global table', () => {
  test('loads the table before the first event, follows it live, and creates its topic compacted', async (t) => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([
      { name: 'events', partitions: 2 },
      { name: 'labels', partitions: 3, compacted: true },
    ]);
    // Events and catalog are both there before the app starts: the events must see the catalog.
    await transport.produce([label('i1', 'one'), label('i2', 'two'), label('i2', 'deux')]);
    await produceEvent(transport, event('e1', 'u1', 'i1', 1_000));
    await produceEvent(transport, event('e2', 'u2', 'i2', 1_000));
    const a = app(transport);
    t.after(() => a.stop());
    assert.ok((await a.topicSpecs()).some((s) => s.name === 'labels' && s.compacted === true));
    await a.start();
    await processed(a, 2);
    const stores = () => new Map(a.assignedPartitions.flatMap((p) => [...(a.localStore(p, 'seen-labels') ?? new Map())]));
    assert.equal(stores().get('e1'), 'one');
    assert.equal(stores().get('e2'), 'deux');

    // Live: a new label, then a tombstone, each seen by the events that follow it.
    await transport.produce([label('i3', 'three')]);
    await produceEvent(transport, event('e3', 'u1', 'i3', 2_000));
    await processed(a, 3);
    await transport.produce([label('i1', null)]);
    await produceEvent(transport, event('e4', 'u1', 'i1', 3_000));
    await processed(a, 4);
    assert.equal(stores().get('e3'), 'three');
    assert.equal(stores().get('e4'), 'missing');
    assert.equal(a.globalTables.tables.get('labels')?.size, 2);
  });

  test('two members split the partitions; a query for a key elsewhere says which partition owns it', async (t) => {
    const transport = new MemoryTransport();
    await transport.ensureTopics([{ name: 'events', partitions: 2 }]);
    const first = app(transport);
    const second = app(transport);
    t.after(() => Promise.all([first.stop(), second.stop()]));
    await first.start();
    await second.start();
    assert.deepEqual([first.assignedPartitions.length, second.assignedPartitions.length], [1, 1]);
    // Event ids are the store keys here; find one per partition.
    const ids = Array.from({ length: 20 }, (_, i) => `e${i}`);
    for (const id of ids) await produceEvent(transport, event(id, id, 'i', 1_000));
    await Promise.all([processed(first, 1), processed(second, 1)]);
    await new Promise<void>((resolve) => {
      const check = (): void => (first.recordsProcessed + second.recordsProcessed >= ids.length ? resolve() : void setImmediate(check));
      check();
    });
    const answers = ids.map((id) => queryAnswerer(topology.queries![0]!, first)(`/events/${id}/label`)!);
    const here = answers.filter((a) => a.status === 200);
    const elsewhere = answers.filter((a) => a.status === 421);
    assert.ok(here.length > 0 && elsewhere.length > 0, 'keys on both members');
    for (const answer of elsewhere) assert.deepEqual((answer.body as { partition: number }).partition, second.assignedPartitions[0]);
  });
});
