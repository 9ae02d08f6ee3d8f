import { avroState as t, avroStoreCodec, type ValueCodec } from '../../src/index.js';
import type { TrendingCategory } from './trending.js';
import type { RecommendUser } from './user-state.js';

export const recommendUserCodec: ValueCodec<RecommendUser> = avroStoreCodec(
  t.record('RecommendUser', {
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
    recent: t.numbers,
    pending: t.numbers,
    refusedItems: t.numbers,
    refusedCategories: t.numberMap,
    muted: t.strings,
    requests: t.number,
  }),
);

export const trendingCategoryCodec: ValueCodec<TrendingCategory> = avroStoreCodec(
  t.record('TrendingCategory', {
    at: t.number,
    total: t.number,
    // [itemId, weight] pairs: string and double are told apart, so avsc reads each back as the bare value.
    items: { type: 'array', items: { type: 'array', items: ['string', 'double'] } },
  }),
);
