import avro from 'avsc';
import { avroState as t, avroStoreCodec, sessionSlotSchema, type SessionSlot, type ValueCodec } from '../../src/index.js';
import type { SessionAccumulator } from './accumulator.js';

type MapSchema = (values: avro.schema.DefinedType) => avro.schema.DefinedType;

/**
 * The open session's state. Its maps are JS Maps in memory (`t.jsMap`); the bytes are
 * those of plain Avro maps, so the same schema with `plainMaps` reads what was written
 * before (and the reverse).
 */
export const sessionSlotSchemaWith = (map: MapSchema): avro.schema.RecordType =>
  sessionSlotSchema(
    t.record('SessionAccumulator', {
      events: t.number,
      requests: t.number,
      impressions: t.number,
      clicks: t.number,
      likes: t.number,
      shares: t.number,
      comments: t.number,
      follows: t.number,
      gifts: t.number,
      giftValue: t.number,
      skips: t.number,
      notInterested: t.number,
      mutes: t.number,
      dwellMs: t.number,
      categories: map(t.number),
      categorizedImpressions: t.number,
      novelImpressions: t.number,
      familiar: t.strings,
      engaged: t.strings,
      trail: map(t.numbers),
      trailLength: t.number,
      slates: map(map(t.number)),
      slateCount: t.number,
    }),
  );

/** Avro maps read as plain objects: how the session state was held before it held Maps. */
export const plainMaps: MapSchema = (values) => ({ type: 'map', values });

export const sessionSlotCodec: ValueCodec<SessionSlot<SessionAccumulator>> = avroStoreCodec(sessionSlotSchemaWith(t.jsMap));
