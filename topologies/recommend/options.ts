import type { PairValueReader } from '../../src/index.js';
import type { Arm } from './arms.js';

/** Weights of the score components of the lifelong policy (greedy scores by interest alone). */
export interface ScoreWeights {
  readonly interest: number;
  readonly authorValue: number;
  readonly freshness: number;
  /** Multiplies novelty × the user's novelty propensity. */
  readonly novelty: number;
}

export interface RecommendOptions {
  /** Where the slates go (Avro Recommendation, key = userId). */
  readonly topic: string;
  /** The experiment: users are assigned to arms by a stable hash of their id. */
  readonly arms: readonly Arm[];
  readonly slateSize: number;
  /** Categories the planner chooses per slate. */
  readonly plannedCategories: number;
  /** Per slot, the chance of serving a uniformly drawn eligible item instead of the best one (logged as propensities). */
  readonly exploration: number;
  readonly weights: ScoreWeights;
  /** Largest share of a slate one author may fill (1: no cap). */
  readonly maxAuthorSlateShare: number;
  /** Largest share of the items served in a session one author may fill (1: no cap). */
  readonly maxAuthorSessionShare: number;
  /** Items served to a user that are not served again while remembered (the most recent ones). */
  readonly recentlyShown: number;
  /** A NOT_INTERESTED keeps its category out of slates for one half-life, then fades from the planner, event-time hours. */
  readonly notInterestedHalfLifeHours: number;
  /** Age at which an item's freshness halves, event-time hours. */
  readonly freshnessHalfLifeHours: number;
  /** Inactivity that starts a new session when events carry no session id, event-time milliseconds. */
  readonly sessionGapMs: number;
  /** Seed of the exploration draws (with the request id: a replayed request gets the same slate). */
  readonly seed: number;
  /** Author value: the critic's cached value when present (`critic`), or only the pair statistics (`statistics`, deterministic under replay). */
  readonly authorValue: 'critic' | 'statistics';
  /** The lifelong-value critic, when it runs. */
  readonly critic?: PairValueReader & { readonly modelVersion: number };
}

export const RECOMMEND_DEFAULTS = {
  slateSize: 10,
  plannedCategories: 3,
  exploration: 0.1,
  weights: { interest: 1, authorValue: 0.5, freshness: 0.2, novelty: 0.6 },
  maxAuthorSlateShare: 0.3,
  maxAuthorSessionShare: 1,
  recentlyShown: 200,
  notInterestedHalfLifeHours: 24,
  freshnessHalfLifeHours: 72,
  sessionGapMs: 30 * 60_000,
  seed: 1,
  authorValue: 'critic',
} as const satisfies Omit<RecommendOptions, 'topic' | 'arms' | 'critic'>;
