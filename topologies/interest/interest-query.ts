import { defineQuery, type QueryDefinition } from '../../src/index.js';
import type { InterestModel } from './interest-model.js';
import { topInterests } from './interest-read.js';
import type { UserInterest } from './user-interest.js';

export const INTEREST_QUERY_PATH = '/users/:id/interest';

/**
 * `GET /users/:id/interest` on the operations port, answered from the local store of
 * the user's partition (weights decayed to the user's last update): top categories and
 * authors, the strongest buckets, the short-term focus, the last update.
 */
export function interestQuery(model: InterestModel, store: string): QueryDefinition<never> {
  return defineQuery<UserInterest>({
    name: 'user-interest',
    path: INTEREST_QUERY_PATH,
    store,
    doc: "a user's top categories and authors, strongest buckets, short-term vector norm and last update",
    answer: (state, userId) => {
      if (!state) return { status: 404, body: { error: 'no interest recorded for this user', userId } };
      const top = topInterests(model, state, state.updatedAt);
      return {
        status: 200,
        body: {
          userId,
          updatedAt: top.updatedAt,
          updatedAtIso: new Date(top.updatedAt).toISOString(),
          events: top.events,
          fallbackEvents: top.fallbackEvents,
          topCategories: top.categories.map((c) => ({ category: c.name, weight: c.weight })),
          topAuthors: top.authors.map((a) => ({ authorId: a.name, weight: a.weight })),
          strongestBuckets: top.buckets,
          shortTerm: { norm: top.shortTerm.norm, weight: top.shortTerm.weight, halfLifeMs: model.options.shortTermHalfLifeMs },
          longTerm: { weight: top.longTermWeight, halfLifeMs: model.options.longTermHalfLifeMs },
        },
      };
    },
  });
}
