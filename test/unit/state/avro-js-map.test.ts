import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avroState as t, avroStoreCodec } from '../../../src/state/avro-store-codec.js';
import { newAccumulator, accumulate } from '../../../topologies/session-metrics/accumulator.js';
import { plainMaps, sessionSlotCodec, sessionSlotSchemaWith } from '../../../topologies/session-metrics/state-codecs.js';
import { userEvent } from '../../../src/serde/records.js';
import type { SessionAccumulator } from '../../../topologies/session-metrics/accumulator.js';
import type { SessionSlot } from '../../../src/operators/session-windows.js';

interface Holder {
  counts: Map<string, number>;
  nested: Map<string, Map<string, number[]>>;
}
const asMaps = avroStoreCodec<Holder>(t.record('Holder', { counts: t.jsMap(t.number), nested: t.jsMap(t.jsMap(t.numbers)) }));
const asObjects = avroStoreCodec<Record<string, unknown>>(t.record('Holder', { counts: plainMaps(t.number), nested: plainMaps(plainMaps(t.numbers)) }));
const toObject = (map: Map<string, unknown>): Record<string, unknown> => Object.fromEntries([...map].map(([k, v]) => [k, v instanceof Map ? toObject(v) : v]));

test('a JS-map field round-trips, entries in the order written (integer-like keys too)', () => {
  const value: Holder = { counts: new Map([['b', 1], ['2', 2], ['a', 3], ['1', 4]]), nested: new Map([['x', new Map([['9', [1, 2]], ['y', []]])]]) };
  const back = asMaps.decode(asMaps.encode(value));
  assert.deepEqual(back, value);
  assert.deepEqual([...back.counts.keys()], ['b', '2', 'a', '1'], 'a plain object would have put 1 and 2 first');
});

test('its bytes are those of a plain Avro map: either schema reads what the other wrote', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.string(), fc.double({ noNaN: true })), { selector: ([k]) => k, maxLength: 20 }), (entries) => {
      // Object key order is insertion order for keys that are not array indices.
      const strings = entries.filter(([k]) => !/^(0|[1-9]\d*)$/.test(k));
      const holder: Holder = { counts: new Map(strings), nested: new Map([['n', new Map(strings.map(([k, v]) => [k, [v]]))]]) };
      const bytes = asMaps.encode(holder);
      assert.deepEqual(bytes, asObjects.encode({ counts: toObject(holder.counts), nested: toObject(holder.nested) }));
      // avsc reads a plain map by assignment, so a "__proto__" key sets the prototype instead (the Maps keep it, below).
      if (!holder.counts.has('__proto__')) assert.deepEqual(asObjects.decode(bytes), { counts: toObject(holder.counts), nested: toObject(holder.nested) });
      assert.deepEqual(asMaps.decode(bytes), holder);
    }),
  );
});

test('an id that is a special property name of plain objects is an ordinary key', () => {
  const holder: Holder = { counts: new Map([['__proto__', 1], ['constructor', 2]]), nested: new Map() };
  assert.deepEqual(asMaps.decode(asMaps.encode(holder)), holder);
});

test('a value that is not a Map is refused with the field type named', () => {
  assert.throws(() => asMaps.encode({ counts: {} as unknown as Map<string, number>, nested: new Map() }), /js-map: expected a Map/);
});

test('a session written while its state held plain objects restores as Maps', () => {
  const acc = newAccumulator(['drama']);
  let n = 0;
  for (const [type, itemId, category] of [['IMPRESSION', 'i1', 'drama'], ['IMPRESSION', 'i2', 'comedy'], ['CLICK', 'i2', 'comedy'], ['IMPRESSION', '3', 'drama']] as const) {
    accumulate(acc, userEvent({ eventId: `e${n}`, userId: 'u', type, itemId, authorId: 'a', category, requestId: 'r1', ts: ++n }));
  }
  const slot: SessionSlot<SessionAccumulator> = { open: { id: 's', startMs: 1, lastMs: n, acc }, lastClosedEndMs: 0 };
  const before = avroStoreCodec<unknown>(sessionSlotSchemaWith(plainMaps));
  const written = before.encode({
    ...slot,
    open: { ...slot.open!, acc: { ...acc, categories: toObject(acc.categories), trail: toObject(acc.trail), slates: toObject(acc.slates) } },
  });
  const restored = sessionSlotCodec.decode(written);
  assert.deepEqual(restored.open!.acc.trail, acc.trail);
  assert.deepEqual([...restored.open!.acc.trail.keys()], ['3', 'i1', 'i2'], 'in the order the object held them: integer-like keys first');
  assert.deepEqual(restored.open!.acc.categories, acc.categories);
  assert.deepEqual(restored.open!.acc.slates, acc.slates);
  assert.deepEqual(sessionSlotCodec.decode(sessionSlotCodec.encode(slot)), slot, 'and what is written now round-trips as it is');
});
