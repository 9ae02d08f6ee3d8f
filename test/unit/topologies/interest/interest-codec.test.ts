import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isLifelongError } from '../../../../src/index.js';
import { interestCodec } from '../../../../topologies/interest/interest-codec.js';
import { InterestModel } from '../../../../topologies/interest/interest-model.js';
import { interestOptions } from '../../../../topologies/interest/options.js';
import { UserInterest } from '../../../../topologies/interest/user-interest.js';

const model = new InterestModel(interestOptions());
const codec = interestCodec(model);

const state = fc
  .record({
    values: fc.float32Array({ minLength: model.layout.floats, maxLength: model.layout.floats }),
    keys: fc.array(fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null }), { minLength: model.layout.topCategories + model.layout.topAuthors, maxLength: model.layout.topCategories + model.layout.topAuthors }),
    times: fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 })),
    counts: fc.tuple(fc.nat(), fc.nat()),
  })
  .map(({ values, keys, times, counts }) => new UserInterest(values, keys, times[0], times[1], times[2], counts[0], counts[1]));

describe('the interest state codec', () => {
  test('round-trips exactly, floats bit for bit (NaN and −0 included)', () => {
    fc.assert(
      fc.property(state, (s) => {
        const bytes = codec.encode(s);
        const back = codec.decode(bytes);
        assert.deepEqual(Buffer.from(back.values.buffer), Buffer.from(s.values.buffer));
        assert.deepEqual(back.keys, s.keys);
        assert.deepEqual([back.longLandmark, back.shortLandmark, back.updatedAt, back.events, back.fallbackEvents], [s.longLandmark, s.shortLandmark, s.updatedAt, s.events, s.fallbackEvents]);
        assert.deepEqual(codec.encode(back), bytes);
      }),
      { numRuns: 200 },
    );
  });

  test('is compact: about 3.5 KB for the default state (its floats plus ~150 bytes), a third of its JSON or less', () => {
    const s = UserInterest.empty(model.layout, 1_700_000_000_000);
    s.values.forEach((_, i) => (s.values[i] = Math.fround(Math.sin(i) * 1e3)));
    const bytes = codec.encode(s).length;
    assert.ok(bytes < model.layout.floatBytes + 200, `${bytes} bytes`);
    assert.ok(bytes * 3 < JSON.stringify({ ...s, values: [...s.values] }).length);
  });

  test('a state written under other options is refused, not misread', () => {
    const other = new InterestModel(interestOptions({ signatures: 5 }));
    const bytes = interestCodec(other).encode(UserInterest.empty(other.layout, 0));
    assert.throws(() => codec.decode(bytes), (e: unknown) => isLifelongError(e, 'STATE_INCOMPATIBLE') && e.message.includes('signatures'));
    const reseeded = interestCodec(new InterestModel(interestOptions({ hashSeed: 2 }))).encode(UserInterest.empty(model.layout, 0));
    assert.throws(() => codec.decode(reseeded), (e: unknown) => isLifelongError(e, 'STATE_INCOMPATIBLE'));
  });

  test('a truncated record fails to decode with a reason', () => {
    const bytes = codec.encode(UserInterest.empty(model.layout, 0));
    assert.throws(() => codec.decode(bytes.subarray(0, bytes.length - 1)), (e: unknown) => isLifelongError(e, 'DECODE_FAILED'));
  });
});
