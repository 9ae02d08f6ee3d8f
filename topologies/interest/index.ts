import { filter, ignoreElements, tap } from 'rxjs';
import { defineStore, defineTopology, type StreamItem, type StreamRecord, type TopologyDefinition, type UserEvent } from '../../src/index.js';
import { interestCodec } from './interest-codec.js';
import { InterestEventApplier } from './interest-events.js';
import { InterestModel } from './interest-model.js';
import { interestQuery } from './interest-query.js';
import { ITEMS_TABLE, itemTable, type CatalogItem } from './item-catalog.js';
import { interestOptions, type InterestOptions } from './options.js';
import type { UserInterest } from './user-interest.js';

export const INTEREST_STORE = 'interest';

export { INTEREST_DEFAULTS, interestOptions, type InterestOptions } from './options.js';
export { InterestModel } from './interest-model.js';
export { InterestReader } from './interest-reader.js';
export { InterestAt, readInterest, topInterests, MIN_MATCH_WEIGHT, type InterestMatch, type TopInterests } from './interest-read.js';
export { ITEMS_TABLE, SIGNATURE_INDEX, AUTHOR_INDEX, CATEGORY_INDEX, itemTable, catalogItem, type CatalogItem } from './item-catalog.js';
export { SignatureIndex } from './signature-index.js';
export { KeyedNewestIndex } from './keyed-newest-index.js';
export { UserInterest, InterestLayout } from './user-interest.js';
export { INTEREST_QUERY_PATH } from './interest-query.js';

/** The model of the given options (deterministic: every call with equal options derives the same hyperplanes). */
export function interestModel(options: Partial<InterestOptions> = {}): InterestModel {
  return new InterestModel(interestOptions(options));
}

/**
 * Lifelong and short-term interest per user, updated per event at constant cost
 * (SDIM-style hashing; see the README). Reads the item catalog as a global table, keeps
 * one fixed-size state per user in a changelogged store, writes no rows, and answers
 * `GET /users/:id/interest`.
 */
export function interestTopology(options: Partial<InterestOptions> = {}): TopologyDefinition<UserEvent> {
  const model = interestModel(options);
  return defineTopology<UserEvent>({
    name: 'interest',
    doc: 'Lifelong (SimHash buckets) and short-term interest per user, with decayed top categories and authors.',
    stores: [defineStore<UserInterest>({ name: INTEREST_STORE, doc: "each user's interest state (fixed size, binary)", codec: interestCodec(model) })],
    sinks: [],
    globalTables: [itemTable({ topic: model.options.itemsTopic, hasher: model.hasher, indexItemsPerBucket: model.options.indexItemsPerBucket })],
    queries: [interestQuery(model, INTEREST_STORE)],
    pipeline(input$, context) {
      const store = context.store<UserInterest>(INTEREST_STORE);
      const applier = new InterestEventApplier(model, context.globalTable<CatalogItem>(ITEMS_TABLE));
      return input$.pipe(
        filter((item: StreamItem<UserEvent>): item is StreamRecord<UserEvent> => item.kind === 'record'),
        tap((record) => {
          const next = applier.apply(store.get(record.key), record.value);
          if (next) store.put(record.key, next);
        }),
        ignoreElements(),
      );
    },
  });
}
