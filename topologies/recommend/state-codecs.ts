import { avroState as t, avroStoreCodec, type ValueCodec } from '../../src/index.js';
import type { TrendingCategory } from './trending.js';
import type { RecommendUser } from './user-state.js';

/** The user's schema, with the type of its served, pending and refused item lists (exported for the codec tests). */
export function recommendUserSchema(itemKeys: typeof t.numbers | typeof itemKeyList): ReturnType<typeof t.record> {
  return t.record('RecommendUser', {
    categories: { type: 'map', values: t.record('CategoryStats', { reward: t.number, exposure: t.number, at: t.number }) },
    noveltyTrials: t.number,
    noveltySuccesses: t.number,
    noveltyAt: t.number,
    session: t.record('SessionState', {
      id: t.nullable('string'),
      startedAt: t.number,
      lastAt: t.number,
      served: t.number,
      exposure: t.numberMap,
      authors: t.numberMap,
      trials: t.number,
      successes: t.number,
    }),
    recent: itemKeys,
    pending: itemKeys,
    refusedItems: itemKeys,
    refusedCategories: t.numberMap,
    muted: t.strings,
    requests: t.number,
  });
}

/** Item keys are 31-bit hashes (itemKey): Avro ints, a varint of at most 5 bytes where a double takes 8. */
const itemKeyList = { type: 'array', items: 'int' } as const;

/**
 * Up to recentlyShown + MAX_PENDING + MAX_NOT_INTERESTED item keys per user, written as
 * ints; values written when they were doubles (format 0x01) still restore.
 */
export const recommendUserCodec: ValueCodec<RecommendUser> = avroStoreCodec(recommendUserSchema(itemKeyList), [recommendUserSchema(t.numbers)]);

export const trendingCategoryCodec: ValueCodec<TrendingCategory> = avroStoreCodec(
  t.record('TrendingCategory', {
    at: t.number,
    total: t.number,
    // [itemId, weight] pairs: string and double are told apart, so avsc reads each back as the bare value.
    items: { type: 'array', items: { type: 'array', items: ['string', 'double'] } },
  }),
);
