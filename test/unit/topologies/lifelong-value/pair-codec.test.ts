import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avroState as t, avroStoreCodec } from '../../../../src/state/avro-store-codec.js';
import { isLifelongError } from '../../../../src/errors/catalog.js';
import { COMPACT_PAIR_FORMAT, compactPairCodec, isCompactable } from '../../../../topologies/lifelong-value/pair-codec.js';
import { newPair, type OpenStep, type PairState } from '../../../../topologies/lifelong-value/pair-state.js';
import { pairStateCodec, pairStateSchema } from '../../../../topologies/lifelong-value/state-codecs.js';

const T = Date.UTC(2026, 0, 1);
const avroFloats = avroStoreCodec<PairState>(pairStateSchema(t.floats));

const time = fc.integer({ min: 0, max: 2 * T });
/** Decayed counts: often exactly zero (most pairs have impressions and clicks only), else any double. */
const count = fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ noNaN: false }));
const step = (at: number): fc.Arbitrary<OpenStep> =>
  fc.record({
    request: fc.maxSafeNat(),
    at: fc.integer({ min: at - 1e9, max: at + 1e9 }),
    lastAt: fc.integer({ min: at - 1e9, max: at + 2e9 }),
    state: fc.array(fc.float({ noDefaultInfinity: false }), { maxLength: 20 }),
    rewards: fc.tuple(count, count, count),
    click: fc.constantFrom(0, 1),
    met: fc.boolean(),
  });
const pair: fc.Arbitrary<PairState> = time.chain((at) =>
  fc.record({
    at: fc.constant(at),
    impressions: count,
    clicks: count,
    likes: count,
    follows: count,
    gifts: count,
    giftValue: count,
    followed: fc.boolean(),
    firstAt: fc.integer({ min: 0, max: at }),
    lastTouchAt: time,
    lastEngagedAt: fc.option(time, { nil: null }),
    touches: fc.nat(),
    engagements: fc.nat(),
    step: fc.option(step(at), { nil: null }),
    dense: fc.option(step(at), { nil: null }),
  }),
);

test('a pair round-trips the compact layout exactly (every double bit for bit, −0 and NaN too), in fewer bytes than Avro', () => {
  fc.assert(
    // structuredClone: fast-check's records have no prototype; a decoded pair has Object's.
    fc.property(pair.map((value) => structuredClone(value)), (value) => {
      assert.ok(isCompactable(value));
      const bytes = pairStateCodec.encode(value);
      assert.equal(bytes[0], COMPACT_PAIR_FORMAT);
      // deepStrictEqual compares numbers with Object.is: −0 stays −0, NaN stays NaN.
      assert.deepStrictEqual(pairStateCodec.decode(bytes), value);
      assert.ok(bytes.length < avroFloats.encode(value).length, `${bytes.length} bytes against Avro's ${avroFloats.encode(value).length}`);
    }),
    { numRuns: 500 },
  );
});

test('a typical pair takes about half its Avro bytes', () => {
  const features = Array.from({ length: 13 }, (_, i) => Math.fround(Math.log1p(i)));
  const value: PairState = { ...newPair(T), impressions: 3.2, clicks: 1.1, lastTouchAt: T + 3_600_000, lastEngagedAt: T + 60_000, touches: 4, engagements: 2, step: { request: 17, at: T + 3_000_000, lastAt: T + 3_600_000, state: features, rewards: [1, 0, 0], click: 1, met: true } };
  const compact = pairStateCodec.encode(value).length;
  const avro = avroFloats.encode(value).length;
  assert.ok(compact <= avro / 2 + 5, `${compact} compact bytes, ${avro} Avro bytes`);
});

test('a pair the layout cannot hold exactly is written as Avro, and reads back the same', () => {
  const base: PairState = { ...newPair(T), clicks: 2, step: { request: 1, at: T, lastAt: T, state: [Math.fround(0.5)], rewards: [0, 0, 0], click: 0, met: true } };
  const cases: PairState[] = [
    { ...base, at: T + 0.5 },
    { ...base, lastEngagedAt: T - 0.25 },
    { ...base, touches: 1.5 },
    { ...base, step: { ...base.step!, state: [0.1] } },
    { ...base, step: { ...base.step!, click: 0.5 } },
    { ...base, at: -1, firstAt: -1, lastTouchAt: -1 },
  ];
  for (const value of cases) {
    assert.equal(isCompactable(value), false, JSON.stringify(value));
    const bytes = pairStateCodec.encode(value);
    assert.equal(bytes[0], 0x02, 'the Avro schema with float features');
    const back = pairStateCodec.decode(bytes);
    assert.deepStrictEqual({ ...back, step: { ...back.step!, state: back.step!.state.map(Math.fround) } }, { ...value, step: { ...value.step!, state: value.step!.state.map(Math.fround) } });
  }
});

test('a truncated compact value is refused with DECODE_FAILED', () => {
  const bytes = pairStateCodec.encode({ ...newPair(T), clicks: 1 });
  assert.throws(() => pairStateCodec.decode(bytes.subarray(0, bytes.length - 1)), (error: unknown) => isLifelongError(error, 'DECODE_FAILED'));
});

test('a fallback codec whose format byte is the compact one is refused at construction', () => {
  const clashing = { encode: () => Buffer.from([COMPACT_PAIR_FORMAT]), decode: () => newPair(T) };
  assert.throws(() => compactPairCodec(clashing), /writes the compact format byte 3/);
  assert.doesNotThrow(() => compactPairCodec(avroFloats));
});
