import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec, LocalSchemaRegistry, type Item, type ValueCodec } from '../../../src/index.js';
import { loadConfig } from '../../../src/config/config.js';
import { generateCatalog } from '../../../src/sim/catalog-generator.js';
import { generateSessions } from '../../../src/sim/session-generator.js';
import { TopologyTestDriver } from '../../../src/testing/test-driver.js';
import { defaultTopologies } from '../../../topologies/index.js';
import { ITEMS_TABLE } from '../../../topologies/interest/index.js';
import { lifelongValueFromSettings } from '../../../topologies/lifelong-value/index.js';
import { newPair, newUserIndex, type PairState } from '../../../topologies/lifelong-value/pair-state.js';
import { pairStateCodec, pairStateSchema, userIndexCodec } from '../../../topologies/lifelong-value/state-codecs.js';
import { avroState as t, avroStoreCodec } from '../../../src/state/avro-store-codec.js';
import { parseArms } from '../../../topologies/recommend/index.js';
import { recommendUserCodec, recommendUserSchema } from '../../../topologies/recommend/state-codecs.js';
import { itemKey, newUser, type RecommendUser } from '../../../topologies/recommend/user-state.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 1);

/** Property names and values as JSON sees them (a Map as its entries): a field the codec dropped shows as a difference. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? { entries: [...v] } : v)));

/*
 * Every store of every topology, filled by a few days of generated traffic (both arms,
 * a catalog, follows, gifts, NOT_INTERESTED, open and closed sessions): each value read
 * back from its changelog encoding equals the value. avsc drops properties a schema does
 * not name, so this is what catches a state field added without its schema field.
 */
test('every store value of every topology survives its changelog codec', () => {
  const topologies = defaultTopologies({
    sessionGapMs: 30 * 60_000,
    allowedLatenessMs: 24 * HOUR,
    interest: { itemsTopic: 'items' },
    lifelongValue: lifelongValueFromSettings(loadConfig().lifelongValue),
    recommend: { topic: 'recommendations', arms: parseArms(['lifelong:1', 'greedy:1']), authorValue: 'statistics' },
  });
  const driver = new TopologyTestDriver(topologies, { partitions: 2, now: T + 400 * 24 * HOUR, allowedLatenessMs: 24 * HOUR });
  const itemCodec = new AvroCodec<Item>('Item', new LocalSchemaRegistry());
  for (const item of generateCatalog({ seed: 3, dim: 32, coverage: 0.9 })) driver.pipeGlobal(ITEMS_TABLE, Buffer.from(item.itemId), itemCodec.encode(item));
  driver.pipe(...generateSessions({ users: 40, days: 3, seed: 5 }));

  let checked = 0;
  for (const { name, codec } of topologies.flatMap((t) => t.stores) as Array<{ name: string; codec: ValueCodec<unknown> }>) {
    const values = [...driver.store<unknown>(name)];
    assert.ok(values.length > 0, `store ${name} holds values to check`);
    for (const [key, value] of values) assert.deepEqual(plain(codec.decode(codec.encode(value))), plain(value), `${name} ${key}`);
    checked += values.length;
  }
  assert.ok(checked > 500, `checked ${checked} values`);
});

test('a store value written as JSON by an earlier version still restores', () => {
  const index = { ...newUserIndex(), request: 7, requestAt: T, activity: 2.5, authors: ['a1', 'a2'], stepsDueAt: T + HOUR };
  assert.deepEqual(plain(userIndexCodec.decode(Buffer.from(JSON.stringify(index)))), plain(index));
  assert.ok(userIndexCodec.encode(index).length < Buffer.byteLength(JSON.stringify(index)), 'the Avro value is the smaller');
});

test('a store value written with an earlier schema still restores, and is written back with the current one', () => {
  const v1 = avroStoreCodec<{ n: number; xs: number[] }>(t.record('V', { n: t.number, xs: t.numbers }));
  const v2 = avroStoreCodec<{ n: number; xs: number[] }>(t.record('V', { n: t.number, xs: t.floats }), [t.record('V', { n: t.number, xs: t.numbers })]);
  const value = { n: 1.5, xs: [0.1, Math.fround(0.2)] };
  const old = v1.encode(value);
  assert.deepEqual(v2.decode(old), value, 'decoded with the schema it was written with: doubles stay doubles');
  const now = v2.encode(value);
  assert.equal(now[0], old[0]! + 1, 'the current schema has the next format byte');
  assert.deepEqual(v2.decode(now), { n: 1.5, xs: [Math.fround(0.1), Math.fround(0.2)] });
  assert.equal(now.length, old.length - 8, 'two floats instead of two doubles');
  assert.throws(() => v1.decode(now), /unknown format byte 2/);

  // The pair state's first schema (a step's features as doubles) restores through today's codec.
  const pairV1 = avroStoreCodec<PairState>(pairStateSchema(t.numbers));
  const pair: PairState = { ...newPair(T), clicks: 2.25, step: { request: 3, at: T, lastAt: T + HOUR, state: Array.from({ length: 13 }, (_, i) => i / 7), rewards: [1, 0, 0.3], click: 1, met: true } };
  assert.deepEqual(pairStateCodec.decode(pairV1.encode(pair)), pair);
});

test("recommend's user state written when item keys were doubles still restores, and is written back as ints", () => {
  const doubles = avroStoreCodec<RecommendUser>(recommendUserSchema(t.numbers));
  const user: RecommendUser = { ...newUser(T), recent: [itemKey('a'), itemKey('b'), 2 ** 31 - 1], pending: [itemKey('c')], refusedItems: [0] };
  const old = doubles.encode(user);
  assert.deepEqual(recommendUserCodec.decode(old), user);
  const now = recommendUserCodec.encode(user);
  assert.equal(now[0], old[0]! + 1);
  assert.deepEqual(recommendUserCodec.decode(now), user);
  assert.ok(now.length < old.length, `${now.length} bytes as ints, ${old.length} as doubles`);
});

test('a user index without stepsDueAt (restored from before the field) still means "scan at the next request"', () => {
  const { stepsDueAt: _omitted, ...legacy } = { ...newUserIndex(), request: 3, requestAt: T };
  const decoded = userIndexCodec.decode(userIndexCodec.encode(legacy));
  // −∞: every open step is due after it, so the next request scans, as "unknown" does.
  assert.equal(decoded.stepsDueAt, -Infinity);
});
