import { avroState as t, avroStoreCodec, sessionSlotSchema, type SessionSlot, type ValueCodec } from '../../src/index.js';
import type { SessionAccumulator } from './accumulator.js';

export const sessionSlotCodec: ValueCodec<SessionSlot<SessionAccumulator>> = avroStoreCodec(
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
      categories: t.numberMap,
      categorizedImpressions: t.number,
      novelImpressions: t.number,
      familiar: t.strings,
      engaged: t.strings,
      trail: { type: 'map', values: t.numbers },
      trailLength: t.number,
      slates: { type: 'map', values: t.numberMap },
      slateCount: t.number,
    }),
  ),
);
