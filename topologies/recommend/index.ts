import { filter, map, type Observable } from 'rxjs';
import { AvroCodec, defineStore, defineTopology, LocalSchemaRegistry, type Emission, type Recommendation, type StreamItem, type StreamRecord, type TopologyDefinition, type UserEvent } from '../../src/index.js';
import { INTEREST_STORE, interestModel, InterestReader, type InterestOptions } from '../interest/index.js';
import { AUTHOR_INDEX, CATEGORY_INDEX, ITEMS_TABLE, SIGNATURE_INDEX, itemTable, type CatalogItem } from '../interest/item-catalog.js';
import type { KeyedNewestIndex } from '../interest/keyed-newest-index.js';
import type { SignatureIndex } from '../interest/signature-index.js';
import type { UserInterest } from '../interest/user-interest.js';
import { PAIR_STORE, USER_STORE } from '../lifelong-value/index.js';
import type { PairState, RetentionWeights, UserIndex } from '../lifelong-value/pair-state.js';
import { assignArm, type Arm } from './arms.js';
import { AuthorValues } from './author-value.js';
import { applyFeedback } from './feedback.js';
import { RECOMMEND_DEFAULTS, type RecommendOptions } from './options.js';
import { RuleBasedPlanner, type CategoryPlanner } from './planner.js';
import { Recommender } from './recommender.js';
import { recommendUserCodec, trendingCategoryCodec } from './state-codecs.js';
import { Trending, type TrendingCategory } from './trending.js';
import { newUser, type RecommendUser } from './user-state.js';

export { parseArms, assignArm, stableHash, POLICIES, type Arm, type PolicyName } from './arms.js';
export { RuleBasedPlanner, type CategoryPlanner, type CategoryView, type Plan, type PlanInput } from './planner.js';
export { RECOMMEND_DEFAULTS, type RecommendOptions, type ScoreWeights } from './options.js';
export type { RecommendUser } from './user-state.js';

export const RECOMMEND_USER_STORE = 'recommend-users';
export const TRENDING_STORE = 'recommend-trending';
export const RECOMMENDATIONS_SINK = 'recommendations';

export interface RecommendTopologyOptions extends Partial<Omit<RecommendOptions, 'topic' | 'arms'>> {
  readonly topic: string;
  readonly arms: readonly Arm[];
  /** The interest topology's options (the same model reads its store). */
  readonly interest?: Partial<InterestOptions>;
  /** Present when the lifelong-value topology runs before this one: its stores give author values. */
  readonly lifelongValue?: { readonly weights: RetentionWeights; readonly decayHalfLifeHours: number };
  /** The category planner; the rule-based one by default. */
  readonly planner?: CategoryPlanner;
}

/**
 * The slate: on each FEED_REQUEST, one Recommendation (key = userId) on the
 * recommendations topic, committed with the batch. Reads the interest topology's store,
 * the lifelong-value topology's stores when it runs, and the item catalog; keeps per
 * user what was served, planner statistics, novelty evidence and the user's explicit
 * commands, and per partition the trending items of each category.
 */
export function recommendTopology(options: RecommendTopologyOptions): TopologyDefinition<UserEvent> {
  const settings: RecommendOptions = { ...RECOMMEND_DEFAULTS, ...options };
  const model = interestModel(options.interest);
  const codec = new AvroCodec<Recommendation>('Recommendation', new LocalSchemaRegistry());
  const planner = options.planner ?? new RuleBasedPlanner();
  const lifelong = options.lifelongValue;
  return defineTopology<UserEvent>({
    name: 'recommend',
    doc: `Slates for FEED_REQUESTs (${settings.arms.map((a) => `${a.name}=${a.policy}:${a.weight}`).join(', ')}; planner ${planner.name}), explained and logged with propensities.`,
    stores: [
      // Held as bytes: most users sit idle between requests, and their served-item lists
      // take a third of the memory as an Avro value that they do as objects.
      defineStore<RecommendUser>({ name: RECOMMEND_USER_STORE, doc: 'per user: recently served items, planner statistics per category, novelty evidence, session exposure, NOT_INTERESTED and muted authors', codec: recommendUserCodec, resident: 'bytes' }),
      defineStore<TrendingCategory>({ name: TRENDING_STORE, doc: "per category: the partition's decayed engagement and its most engaged items", codec: trendingCategoryCodec }),
    ],
    reads: [INTEREST_STORE, ...(lifelong ? [USER_STORE, PAIR_STORE] : [])],
    sinks: [{ name: RECOMMENDATIONS_SINK, kind: 'topic', topic: settings.topic, encode: (value) => codec.encode(value as unknown as Recommendation) }],
    globalTables: [itemTable({ topic: model.options.itemsTopic, hasher: model.hasher, indexItemsPerBucket: model.options.indexItemsPerBucket })],
    pipeline(input$: Observable<StreamItem<UserEvent>>, context): Observable<Emission> {
      const users = context.store<RecommendUser>(RECOMMEND_USER_STORE);
      const trending = new Trending(context.store<TrendingCategory>(TRENDING_STORE));
      const items = context.globalTable<CatalogItem>(ITEMS_TABLE);
      const recommender = new Recommender({
        catalog: { items, bySignature: items.index<SignatureIndex>(SIGNATURE_INDEX), byAuthor: items.index<KeyedNewestIndex>(AUTHOR_INDEX), byCategory: items.index<KeyedNewestIndex>(CATEGORY_INDEX) },
        interest: new InterestReader(model, context.readStore<UserInterest>(INTEREST_STORE)),
        authors: new AuthorValues({
          ...(lifelong
            ? { pairs: { users: context.readStore<UserIndex>(USER_STORE), pairs: context.readStore<PairState>(PAIR_STORE), weights: lifelong.weights, halfLifeMs: lifelong.decayHalfLifeHours * 3_600_000 } }
            : {}),
          ...(settings.authorValue === 'critic' && settings.critic ? { critic: settings.critic } : {}),
        }),
        trending,
        planner,
        options: settings,
      });
      const feedback = { trending, sessionGapMs: settings.sessionGapMs, categoryOf: (itemId: string) => items.get(itemId)?.category };
      return input$.pipe(
        filter((item): item is StreamRecord<UserEvent> => item.kind === 'record'),
        map((record) => {
          const event = record.value;
          const user = users.get(record.key) ?? newUser(event.ts);
          let emission: Emission | null = null;
          if (event.type === 'FEED_REQUEST') {
            const recommendation = recommender.recommend(user, event, assignArm(settings.arms, event.userId));
            context.observe('slate', recommendation.latencyMicros / 1e6);
            emission = { sink: RECOMMENDATIONS_SINK, key: record.key, value: recommendation as unknown as Record<string, unknown> };
          } else {
            applyFeedback(user, event, feedback);
          }
          users.put(record.key, user);
          return emission;
        }),
        filter((emission): emission is Emission => emission !== null),
      );
    },
  });
}
