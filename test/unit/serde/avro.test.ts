import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import fc from 'fast-check';
import { AvroCodec, LocalSchemaRegistry } from '../../../src/serde/avro.js';
import { EVENT_TYPES, type DeadLetter, type Item, type Recommendation, type RecommendedItem, type UserEvent } from '../../../src/serde/records.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { schemasDir } from '../../../src/config/paths.js';

const registry = new LocalSchemaRegistry();
const events = new AvroCodec<UserEvent>('UserEvent', registry);

const event: UserEvent = {
  eventId: 'e-1',
  userId: 'u-42',
  sessionId: 's-7',
  type: 'GIFT',
  itemId: 'i-9',
  authorId: 'a-3',
  category: 'music',
  requestId: 'r-1',
  position: 3,
  dwellMs: 12_000,
  value: 2.5,
  ts: 1_717_000_000_123,
};

const item: Item = {
  itemId: 'i-9',
  authorId: 'a-3',
  category: 'music',
  tags: ['live', 'jazz'],
  embedding: [0.5, -1.25, 3],
  createdAt: 1_700_000_000_000,
  deleted: false,
};

const recommendedItem: RecommendedItem = {
  itemId: 'i-9',
  authorId: 'a-3',
  category: 'music',
  score: 0.75,
  interest: 0.5,
  lifelongValue: 1.5,
  novelty: 0.25,
  diversity: 0.125,
  freshness: 0.0625,
  propensity: 0.9,
  candidates: 37,
  exploited: false,
};

const recommendation: Recommendation = {
  requestId: 'r-1',
  userId: 'u-42',
  ts: 1_717_000_000_000,
  items: [recommendedItem, { ...recommendedItem, itemId: 'i-10', category: 'news' }],
  plannedCategories: ['music', 'news'],
  planProbability: 0.25,
  exploration: 0.1,
  policy: 'lifelong',
  arm: 'b',
  modelVersions: { interest: 3, value: 12 },
  latencyMicros: 850,
};

const deadLetter: DeadLetter = {
  sourceTopic: 'events',
  sourcePartition: 2,
  sourceOffset: 9_007_199_254,
  key: Buffer.from('u-42'),
  value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  errorCode: 'LIFELONG_ERR_DECODE_FAILED',
  errorClass: 'LifelongError',
  message: 'could not decode',
  stage: 'deserialization',
  topology: 'runtime',
  ts: 1_717_000_000_999,
};

/** Confluent framing written by hand: magic byte 0, then the id as 4 big-endian bytes. */
function frame(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = 0;
  header[1] = (id >>> 24) & 0xff;
  header[2] = (id >>> 16) & 0xff;
  header[3] = (id >>> 8) & 0xff;
  header[4] = id & 0xff;
  return Buffer.concat([header, body]);
}

/** avsc decodes records into instances of generated classes; compare them as plain data. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

function assertLifelong(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isLifelongError(error), `expected a LifelongError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function avscFields(file: string): string[] {
  const schema = JSON.parse(readFileSync(join(schemasDir(), file), 'utf8')) as { fields: Array<{ name: string; type: unknown }> };
  return schema.fields.map((f) => f.name);
}

describe('AvroCodec round trips', () => {
  test('raw UserEvent round trip', () => {
    const bytes = events.encode(event);
    assert.notEqual(bytes[0], 0, 'a raw event with a non-empty eventId does not start with the magic byte');
    assert.deepEqual(plain(events.decode(bytes)), event);
  });

  test('raw round trip of an event whose nullable fields are all null', () => {
    const bare: UserEvent = { ...event, type: 'SESSION_START', sessionId: null, itemId: null, authorId: null, category: null, requestId: null, position: null, dwellMs: null, value: null };
    assert.deepEqual(plain(events.decode(events.encode(bare))), bare);
  });

  test('Confluent framing: magic byte 0, 4-byte big-endian id, then the raw body', () => {
    const framed = events.encode(event, true);
    assert.equal(events.schemaId, 1, 'UserEvent is id 1 in schemas/registry.json');
    assert.equal(framed[0], 0);
    assert.deepEqual([...framed.subarray(1, 5)], [0, 0, 0, 1]);
    assert.deepEqual(framed.subarray(5), events.encode(event));
    assert.deepEqual(plain(events.decode(framed)), event);
  });

  test('a hand-framed body decodes like the codec-framed one', () => {
    assert.deepEqual(plain(events.decode(frame(1, events.encode(event)))), event);
  });

  test('forced wire formats: confluent refuses raw bytes, raw refuses framed bytes', () => {
    const confluent = new AvroCodec<UserEvent>('UserEvent', registry, 'confluent');
    const raw = new AvroCodec<UserEvent>('UserEvent', registry, 'raw');
    assert.deepEqual(plain(confluent.decode(events.encode(event, true))), event);
    assert.deepEqual(plain(raw.decode(events.encode(event))), event);
    assert.throws(() => raw.decode(events.encode(event, true)), (e: unknown) => isLifelongError(e, 'DECODE_FAILED'));
    assert.throws(() => confluent.decode(events.encode(event)), (e: unknown) => isLifelongError(e));
  });

  test('every EVENT_TYPE round trips, raw and framed', () => {
    for (const type of EVENT_TYPES) {
      const e: UserEvent = { ...event, type };
      assert.deepEqual(plain(events.decode(events.encode(e))), e);
      assert.deepEqual(plain(events.decode(events.encode(e, true))), e);
    }
  });

  test('Item, Recommendation and DeadLetter round trip, raw and framed, with their own ids', () => {
    const items = new AvroCodec<Item>('Item', registry);
    const recs = new AvroCodec<Recommendation>('Recommendation', registry);
    const letters = new AvroCodec<DeadLetter>('DeadLetter', registry);
    assert.deepEqual([items.schemaId, recs.schemaId, letters.schemaId], [2, 3, 4]);
    for (const framed of [false, true]) {
      assert.deepEqual(plain(items.decode(items.encode(item, framed))), item);
      assert.deepEqual(plain(recs.decode(recs.encode(recommendation, framed))), recommendation);
      assert.deepEqual(plain(letters.decode(letters.encode(deadLetter, framed))), deadLetter);
    }
    assert.equal(items.encode(item, true).readUInt32BE(1), 2);
  });
});

describe('schema evolution', () => {
  test('an event written with the v0 schema (id 101, no category) reads with category null', () => {
    const v0 = registry.writerType(101);
    assert.ok(v0, 'id 101 is registered');
    const old = {
      eventId: 'e-old',
      userId: 'u-1',
      sessionId: null,
      type: 'CLICK',
      itemId: 'i-1',
      authorId: null,
      requestId: 'r-1',
      position: 2,
      dwellMs: null,
      value: null,
      ts: 1_600_000_000_000,
    };
    const decoded = events.decode(frame(101, v0.toBuffer(old)));
    assert.deepEqual(plain(decoded), { ...old, category: null });
    // The second read goes through the cached resolver and must agree.
    assert.deepEqual(plain(events.decode(frame(101, v0.toBuffer({ ...old, eventId: 'e-old-2' })))), { ...old, eventId: 'e-old-2', category: null });
  });

  test('the v0 schema is really older: it has no category field and the current one does', () => {
    assert.equal(avscFields('history/user-event.v0.avsc').includes('category'), false);
    assert.equal(avscFields('user-event.avsc').includes('category'), true);
  });

  test('a framed record of another record type cannot be read as UserEvent', () => {
    const items = new AvroCodec<Item>('Item', registry);
    assertLifelong(() => events.decode(items.encode(item, true)), 'LIFELONG_ERR_DECODE_FAILED');
  });
});

describe('decode failures', () => {
  test('unknown schema id', () => {
    assertLifelong(() => events.decode(frame(999, events.encode(event))), 'LIFELONG_ERR_UNKNOWN_SCHEMA_ID');
    assertLifelong(() => events.decode(frame(0x01000001, events.encode(event))), 'LIFELONG_ERR_UNKNOWN_SCHEMA_ID');
  });

  test('truncated bytes, raw and framed, at every cut', () => {
    const raw = events.encode(event);
    for (let cut = 1; cut < raw.length; cut++) assertLifelong(() => events.decode(raw.subarray(0, cut)), 'LIFELONG_ERR_DECODE_FAILED');
    const framed = events.encode(event, true);
    for (let cut = 5; cut < framed.length; cut++) assertLifelong(() => events.decode(framed.subarray(0, cut)), 'LIFELONG_ERR_DECODE_FAILED');
    assertLifelong(() => events.decode(Buffer.alloc(0)), 'LIFELONG_ERR_DECODE_FAILED');
  });

  test('trailing garbage after a complete record', () => {
    const garbage = Buffer.from([0x01, 0x02, 0x03]);
    assertLifelong(() => events.decode(Buffer.concat([events.encode(event), garbage])), 'LIFELONG_ERR_DECODE_FAILED');
    assertLifelong(() => events.decode(Buffer.concat([events.encode(event, true), garbage])), 'LIFELONG_ERR_DECODE_FAILED');
    const old = { eventId: 'e', userId: 'u', sessionId: null, type: 'SKIP', itemId: 'i', authorId: null, requestId: null, position: null, dwellMs: null, value: null, ts: 1 };
    assertLifelong(() => events.decode(Buffer.concat([frame(101, registry.writerType(101)!.toBuffer(old)), garbage])), 'LIFELONG_ERR_DECODE_FAILED');
  });

  test('bytes that are not Avro at all', () => {
    assertLifelong(() => events.decode(Buffer.from('this is not avro, only some text', 'utf8')), 'LIFELONG_ERR_DECODE_FAILED');
    assertLifelong(() => events.decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])), 'LIFELONG_ERR_DECODE_FAILED');
    assertLifelong(() => events.decode(Buffer.from(JSON.stringify(event))), 'LIFELONG_ERR_DECODE_FAILED');
  });

  test('random bytes either fail with a LifelongError or decode to a valid UserEvent', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (array) => {
        const bytes = Buffer.from(array);
        let decoded: UserEvent;
        try {
          decoded = events.decode(bytes);
        } catch (error) {
          assert.ok(isLifelongError(error), `not a LifelongError: ${String(error)}`);
          assert.ok(error.code === 'LIFELONG_ERR_DECODE_FAILED' || error.code === 'LIFELONG_ERR_UNKNOWN_SCHEMA_ID', error.code);
          if (error.code === 'LIFELONG_ERR_UNKNOWN_SCHEMA_ID') {
            assert.equal(bytes[0], 0);
            assert.ok(![1, 101].includes(bytes.readUInt32BE(1)));
          }
          return;
        }
        assert.ok(events.type.isValid(decoded), 'whatever decodes is a valid UserEvent');
      }),
      { numRuns: 2_000, seed: 20_240_601 },
    );
  });
});

describe('enum evolution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-registry-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  mkdirSync(join(dir, 'history'));
  copyFileSync(join(schemasDir(), 'user-event.avsc'), join(dir, 'user-event.avsc'));
  const newer = JSON.parse(readFileSync(join(schemasDir(), 'user-event.avsc'), 'utf8')) as { fields: Array<{ name: string; type: unknown }> };
  const typeField = newer.fields.find((f) => f.name === 'type')!;
  const enumType = typeField.type as { symbols: string[] };
  typeField.type = { ...enumType, symbols: [...enumType.symbols, 'REPOST'] };
  writeFileSync(join(dir, 'history', 'user-event.next.avsc'), JSON.stringify(newer));
  writeFileSync(
    join(dir, 'registry.json'),
    JSON.stringify({
      schemas: [
        { id: 1, name: 'UserEvent', file: 'user-event.avsc' },
        { id: 102, name: 'UserEvent', file: 'history/user-event.next.avsc' },
      ],
    }),
  );

  test('an event with a symbol the reader does not know fails to decode', () => {
    const tempRegistry = new LocalSchemaRegistry(dir);
    const codec = new AvroCodec<UserEvent>('UserEvent', tempRegistry);
    assert.equal(codec.schemaId, 1, 'the first entry of a name is the current version');
    const writer = avro.Type.forSchema(newer as avro.Schema);
    const repost = { ...event, type: 'REPOST' };
    assertLifelong(() => codec.decode(frame(102, writer.toBuffer(repost))), 'LIFELONG_ERR_DECODE_FAILED');
    // Twice: the failed resolver is remembered and fails the same way.
    assertLifelong(() => codec.decode(frame(102, writer.toBuffer(repost))), 'LIFELONG_ERR_DECODE_FAILED');
    // Written raw, the unknown index is out of the reader's range.
    assertLifelong(() => codec.decode(writer.toBuffer(repost)), 'LIFELONG_ERR_DECODE_FAILED');
    // The known symbols of the current schema still decode through the same codec.
    assert.deepEqual(plain(codec.decode(codec.encode(event, true))), event);
  });
});

describe('records.ts matches the .avsc schemas', () => {
  const keys = (value: object): string[] => Object.keys(value).sort();
  const fields = (file: string): string[] => avscFields(file).sort();

  test('UserEvent', () => assert.deepEqual(keys(event), fields('user-event.avsc')));
  test('Item', () => assert.deepEqual(keys(item), fields('item.avsc')));
  test('DeadLetter', () => assert.deepEqual(keys(deadLetter), fields('dead-letter.avsc')));
  test('Recommendation and RecommendedItem', () => {
    assert.deepEqual(keys(recommendation), fields('recommendation.avsc'));
    const schema = JSON.parse(readFileSync(join(schemasDir(), 'recommendation.avsc'), 'utf8')) as {
      fields: Array<{ name: string; type: { items?: { fields?: Array<{ name: string }> } } }>;
    };
    const nested = schema.fields.find((f) => f.name === 'items')!.type.items!.fields!.map((f) => f.name);
    assert.deepEqual(keys(recommendedItem), nested.sort());
  });
  test('EVENT_TYPES are the enum symbols in order (the order is the wire index)', () => {
    const schema = JSON.parse(readFileSync(join(schemasDir(), 'user-event.avsc'), 'utf8')) as { fields: Array<{ name: string; type: unknown }> };
    const symbols = (schema.fields.find((f) => f.name === 'type')!.type as { symbols: string[] }).symbols;
    assert.deepEqual([...EVENT_TYPES], symbols);
  });
  test('the registry lists every schema file and ids are unique', () => {
    const manifest = JSON.parse(readFileSync(join(schemasDir(), 'registry.json'), 'utf8')) as { schemas: Array<{ id: number; name: string; file: string }> };
    const ids = manifest.schemas.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const entry of manifest.schemas) {
      const schema = JSON.parse(readFileSync(join(schemasDir(), entry.file), 'utf8')) as { name: string };
      assert.equal(schema.name, entry.name, `${entry.file} declares ${entry.name}`);
    }
  });
});
