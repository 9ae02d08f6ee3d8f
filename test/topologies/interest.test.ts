import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec, LocalSchemaRegistry, describeTopology, type Item, type UserEvent } from '../../src/index.js';
import { TopologyTestDriver } from '../../src/testing/test-driver.js';
import { generateCatalog } from '../../src/sim/catalog-generator.js';
import { generateSessions } from '../../src/sim/session-generator.js';
import { INTEREST_STORE, InterestReader, interestModel, interestTopology, ITEMS_TABLE, type CatalogItem, type InterestOptions } from '../../topologies/interest/index.js';
import { sessionMetricsTopology } from '../../topologies/session-metrics/index.js';
import { fallbackEmbedding } from '../../topologies/interest/fallback-embedding.js';
import { interestCodec } from '../../topologies/interest/interest-codec.js';
import type { UserInterest } from '../../topologies/interest/user-interest.js';
import { UserReference } from '../support/reference-interest.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 1);
const NOW = T + 400 * 24 * HOUR;
const itemCodec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());

let seq = 0;
function ev(fields: Partial<UserEvent> & Pick<UserEvent, 'type' | 'ts'>): UserEvent {
  return { eventId: `e-${++seq}`, userId: 'u1', sessionId: null, itemId: null, authorId: null, category: null, requestId: null, position: null, dwellMs: null, value: null, ...fields };
}

function driver(options: Partial<InterestOptions> = {}, partitions = 1): TopologyTestDriver {
  return new TopologyTestDriver([interestTopology({ itemsTopic: 'items', ...options })], { now: NOW, partitions, allowedLatenessMs: 24 * HOUR });
}

function publish(d: TopologyTestDriver, ...items: Item[]): void {
  for (const item of items) d.pipeGlobal(ITEMS_TABLE, Buffer.from(item.itemId), itemCodec.encode(item));
}

const item = (itemId: string, category: string, embedding: number[] | null, authorId = `${category}-author`): Item => ({ itemId, authorId, category, tags: [], embedding, createdAt: T, deleted: false });

function assertClose(actual: number, expected: number, what: string, tolerance = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('interest topology', () => {
  test('generated sessions over a partial catalog: every user equals the full-history reference (reads to 1e-6, categories and authors exactly)', () => {
    // K large enough that no category or author is evicted, so the reference is exact.
    const options = { topCategories: 16, topAuthors: 400, longTermHalfLifeMs: 7 * 24 * HOUR };
    const d = driver(options, 3);
    const catalog = generateCatalog({ seed: 3, dim: 32, coverage: 0.7 });
    publish(d, ...catalog);
    const events = generateSessions({ users: 40, days: 3, seed: 5 });
    d.pipe(...events);
    assert.deepEqual(d.deadLetters(), []);

    const model = interestModel({ itemsTopic: 'items', ...options });
    const table = d.globalTable<CatalogItem>(ITEMS_TABLE);
    const references = new Map<string, UserReference>();
    for (const event of events) {
      let reference = references.get(event.userId);
      if (!reference) references.set(event.userId, (reference = new UserReference(model, (id) => table.get(id))));
      reference.add(event);
    }
    const states = d.store<UserInterest>(INTEREST_STORE);
    const reader = new InterestReader(model, states);
    let users = 0;
    let fallbacks = 0;
    for (const [userId, reference] of references) {
      const state = states.get(userId);
      if (reference.lifelong.history.length === 0 && reference.authors.size === 0) {
        assert.equal(state, undefined, `${userId} has nothing to learn from`);
        continue;
      }
      assert.ok(state, `${userId} has a state`);
      users++;
      fallbacks += state.fallbackEvents;
      const now = state.updatedAt;
      for (const candidate of [catalog[users % catalog.length]!, catalog[(users * 7) % catalog.length]!]) {
        const embedding = table.get(candidate.itemId)!.embedding;
        const got = reader.interest(userId, embedding)!;
        const want = reference.lifelong.read(embedding, now);
        for (let k = 0; k < 32; k++) assertClose(got.vector[k]!, want.vector[k]!, `${userId} vector[${k}]`);
        assertClose(got.similarity, want.similarity, `${userId} similarity`);
        assertClose(got.weight, want.weight, `${userId} weight`);
      }
      const top = reader.topInterests(userId)!;
      const categories = reference.decayed(reference.categories, now);
      assert.deepEqual(new Set(top.categories.map((c) => c.name)), new Set(categories.keys()), `${userId} categories`);
      for (const c of top.categories) assertClose(c.weight, categories.get(c.name)!, `${userId} category ${c.name}`);
      const authors = reference.decayed(reference.authors, now);
      assert.deepEqual(new Set(top.authors.map((a) => a.name)), new Set(authors.keys()), `${userId} authors`);
      for (const a of top.authors) assertClose(a.weight, authors.get(a.name)!, `${userId} author ${a.name}`);
    }
    assert.ok(users >= 30, `${users} users checked`);
    assert.ok(fallbacks > 0, 'some events referred to items missing from the catalog (or without embedding)');
  });

  test('an item missing from the catalog falls back to its category: interest still updates, flagged', () => {
    const d = driver();
    d.pipe(ev({ type: 'CLICK', itemId: 'unknown', category: 'music', ts: T }));
    const state = d.store<UserInterest>(INTEREST_STORE).get('u1')!;
    assert.equal(state.events, 1);
    assert.equal(state.fallbackEvents, 1);
    const reader = new InterestReader(interestModel(), d.store<UserInterest>(INTEREST_STORE));
    const match = reader.interest('u1', fallbackEmbedding(32, 'music', []))!;
    assert.ok(match.similarity > 0.999 && Math.abs(match.weight - 1) < 1e-6, JSON.stringify({ s: match.similarity, w: match.weight }));
    assert.ok(match.shortTermSimilarity > 0.999);
    assert.deepEqual(reader.topInterests('u1')!.categories, [{ name: 'music', weight: 1 }]);
  });

  test('neutral events (impressions, requests) and events naming neither item nor category leave no state', () => {
    const d = driver();
    d.pipe(ev({ type: 'IMPRESSION', itemId: 'x', category: 'music', ts: T }), ev({ type: 'FEED_REQUEST', requestId: 'r', ts: T + 1 }), ev({ type: 'CLICK', itemId: 'unknown', ts: T + 2 }));
    assert.equal(d.store(INTEREST_STORE).size, 0);
    assert.equal(d.changelog(INTEREST_STORE).length, 0);
  });

  test('follow, unfollow and mute move the author distribution; a skip lowers its category', () => {
    const d = driver();
    publish(d, item('i1', 'music', [1, ...new Array<number>(31).fill(0)], 'a1'), item('i2', 'news', [0, 1, ...new Array<number>(30).fill(0)], 'a2'));
    d.pipe(
      ev({ type: 'LIKE', itemId: 'i1', ts: T }),
      ev({ type: 'FOLLOW', itemId: 'i2', authorId: 'a2', ts: T }),
      ev({ type: 'SKIP', itemId: 'i1', ts: T }),
      ev({ type: 'UNFOLLOW', authorId: 'a2', ts: T }),
      ev({ type: 'CLICK', itemId: 'i2', ts: T }),
    );
    const reader = new InterestReader(interestModel(), d.store<UserInterest>(INTEREST_STORE));
    assert.deepEqual(d.deadLetters(), []);
    let top = reader.topInterests('u1')!;
    assert.deepEqual(top.categories, [{ name: 'news', weight: 5 }, { name: 'music', weight: 1.5 }]);
    assert.deepEqual(top.authors, [{ name: 'a1', weight: 1.5 }, { name: 'a2', weight: 1 }]);
    d.pipe(ev({ type: 'MUTE_AUTHOR', authorId: 'a1', ts: T + 1 }));
    top = reader.topInterests('u1')!;
    assert.deepEqual(top.authors.map((a) => a.name), ['a2']);
    assertClose(top.authors[0]!.weight, 1, 'a2 (decayed by one millisecond)');
  });

  test('restoring from the changelog reproduces every state exactly', () => {
    const d = driver({}, 2);
    publish(d, ...generateCatalog({ seed: 1, dim: 32 }));
    d.pipe(...generateSessions({ users: 30, days: 2, seed: 9 }));
    const codec = interestCodec(interestModel());
    const before = d.store<UserInterest>(INTEREST_STORE);
    const after = d.restart().store<UserInterest>(INTEREST_STORE);
    assert.ok(before.size > 20);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [user, state] of before) assert.deepEqual(codec.encode(after.get(user)!), codec.encode(state), user);
  });

  test('the global table survives a restart and a tombstone; deleted items fall back to the category', () => {
    const d = driver();
    const keep = item('keep', 'music', [1, 2, 3, ...new Array<number>(29).fill(0)]);
    const gone = item('gone', 'music', [3, 2, 1, ...new Array<number>(29).fill(0)]);
    const flagged = item('flagged', 'news', [0, 0, 1, ...new Array<number>(29).fill(0)]);
    publish(d, keep, gone, flagged);
    d.pipeGlobal(ITEMS_TABLE, Buffer.from('gone'), null);
    publish(d, { ...flagged, deleted: true });
    const restarted = d.restart();
    const table = restarted.globalTable<CatalogItem>(ITEMS_TABLE);
    assert.deepEqual([...table.entries()].map(([k]) => k), ['keep']);
    assert.equal(table.get('keep')!.fallback, false);
    restarted.pipe(ev({ type: 'CLICK', itemId: 'gone', category: 'music', ts: T }), ev({ type: 'CLICK', itemId: 'keep', ts: T + 1 }));
    const state = restarted.store<UserInterest>(INTEREST_STORE).get('u1')!;
    assert.deepEqual([state.events, state.fallbackEvents], [2, 1]);
  });

  test('GET /users/:id/interest answers from the local store: top categories, authors, strongest buckets, short-term norm, last update', () => {
    const d = driver({}, 4);
    publish(d, item('i1', 'music', [1, 0, ...new Array<number>(30).fill(0)], 'a1'));
    d.pipe(ev({ type: 'CLICK', itemId: 'i1', ts: T }), ev({ type: 'LIKE', itemId: 'i1', ts: T + 60_000 }));
    const answer = d.query('/users/u1/interest')!;
    assert.equal(answer.status, 200);
    const body = answer.body as Record<string, unknown> & { topCategories: unknown[]; strongestBuckets: Array<{ weight: number }>; shortTerm: { norm: number } };
    assert.equal(body['userId'], 'u1');
    assert.equal(body['updatedAt'], T + 60_000);
    assert.equal(body['updatedAtIso'], new Date(T + 60_000).toISOString());
    assert.equal(body['events'], 2);
    assert.equal(body.topCategories.length, 1);
    assert.deepEqual(body['topAuthors'], [{ authorId: 'a1', weight: (body['topAuthors'] as Array<{ weight: number }>)[0]!.weight }]);
    assert.equal(body.strongestBuckets.length, 6, 'one bucket per signature holds everything');
    assertClose(body.shortTerm.norm, 1, 'one direction only');
    assert.equal(d.query('/users/nobody/interest')!.status, 404);
    assert.equal(d.query('/users/u1/elsewhere'), undefined);
  });

  test('describes its global table and query; session-metrics is described as before', () => {
    const description = describeTopology(interestTopology({ itemsTopic: 'lifelong.items' }), 'app', 'lifelong.events');
    assert.deepEqual(description.globalTables, [{ name: 'items', topic: 'lifelong.items', doc: description.globalTables![0]!.doc }]);
    assert.deepEqual(description.queries?.map((q) => q.path), ['/users/:id/interest']);
    assert.deepEqual(description.stores.map((s) => s.changelog), ['app.interest-changelog']);
    const plain = describeTopology(sessionMetricsTopology({ sessionGapMs: 1_800_000, allowedLatenessMs: 300_000 }), 'app', 'e');
    assert.equal('globalTables' in plain || 'queries' in plain, false);
  });
});
