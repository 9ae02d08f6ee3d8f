import { avroState as t, avroStoreCodec, type ValueCodec } from '../../src/index.js';
import { compactPairCodec } from './pair-codec.js';
import type { PairState, UserIndex } from './pair-state.js';

/** The pair state's schema, with the type of a step's feature array (exported for the codec tests). */
export function pairStateSchema(features: typeof t.numbers | typeof t.floats): ReturnType<typeof t.record> {
  const openStep = t.record('OpenStep', {
    request: t.number,
    at: t.number,
    lastAt: t.number,
    state: features,
    rewards: t.numbers,
    click: t.number,
    met: 'boolean',
  });
  return t.record('PairState', {
    at: t.number,
    impressions: t.number,
    clicks: t.number,
    likes: t.number,
    follows: t.number,
    gifts: t.number,
    giftValue: t.number,
    followed: 'boolean',
    firstAt: t.number,
    lastTouchAt: t.number,
    lastEngagedAt: t.nullable(t.number),
    touches: t.number,
    engagements: t.number,
    step: t.nullable(openStep),
    dense: t.nullable('OpenStep'),
  });
}

/**
 * Pairs are written in the compact layout (pair-codec.ts). Values written before it
 * restore through the Avro schemas: a step's features as floats (format 0x02, also
 * what a state the compact layout cannot hold exactly is written as) or as the doubles
 * of the first schema (0x01).
 */
export const pairStateCodec: ValueCodec<PairState> = compactPairCodec(avroStoreCodec(pairStateSchema(t.floats), [pairStateSchema(t.numbers)]));

const userIndexAvro = avroStoreCodec<UserIndex>(
  t.record('UserIndex', {
    request: t.number,
    requestAt: t.nullable(t.number),
    activity: t.number,
    authors: t.strings,
    stepsDueAt: t.nullable(t.number),
  }),
);

/**
 * An index restored from a JSON changelog written before `stepsDueAt` existed has none,
 * meaning "unknown: the next request scans". −∞ means the same (every step is due after
 * it), so it is written in its place rather than a null, which would mean "nothing due".
 */
export const userIndexCodec: ValueCodec<UserIndex> = {
  encode: (index) => userIndexAvro.encode(index.stepsDueAt === undefined ? { ...index, stepsDueAt: -Infinity } : index),
  decode: (bytes) => userIndexAvro.decode(bytes),
};
