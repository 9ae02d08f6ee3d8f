import type { Recommendation, RecommendedItem, UserEvent } from '../../src/index.js';
import { SeededRandom } from '../../src/sim/random.js';
import type { TopInterests } from '../interest/interest-read.js';
import type { InterestReader } from '../interest/interest-reader.js';
import type { CatalogItem } from '../interest/item-catalog.js';
import type { Arm } from './arms.js';
import type { AuthorValues, ValuedAuthor } from './author-value.js';
import { CandidateCollector, type Catalog } from './candidates.js';
import { PLANNER_HALF_LIFE_MS, rollSession } from './feedback.js';
import { fillSlate, type Placement } from './fill-slate.js';
import { noteNovelty, noveltyPropensity } from './novelty.js';
import type { RecommendOptions } from './options.js';
import type { CategoryPlanner, CategoryView, Plan } from './planner.js';
import { freshnessComponent, interestComponent, lifelongScore, noveltyComponent, type ScoredItem } from './scoring.js';
import type { Trending } from './trending.js';
import { categoryAt, itemKey, MAX_PENDING, pushBounded, type RecommendUser } from './user-state.js';
import { decayFactor } from '../lifelong-value/pair-state.js';

const HOUR_MS = 3_600_000;
/** Candidates gathered per planned category (lifelong) and in all (greedy). */
const CANDIDATES_PER_CATEGORY = 40;
const CANDIDATE_POOL = 120;
/** Candidates from the user's own sources (valued authors, interest buckets), retrieved once per request. */
const PERSONAL_POOL = 240;
/** Valued authors and interest buckets that feed candidate retrieval. */
const TOP_AUTHORS = 8;
const TOP_BUCKETS = 4;
/** Version of the planner's rules, logged with every slate. */
const PLANNER_VERSION = 2;
/** Reserve categories tried when the planned ones run short. */
const MAX_RESERVE = 8;

export interface RecommenderParts {
  readonly catalog: Catalog;
  readonly interest: InterestReader;
  readonly authors: AuthorValues;
  readonly trending: Trending;
  readonly planner: CategoryPlanner;
  readonly options: RecommendOptions;
}

/** What one request sees of the user, computed once. */
interface RequestView {
  readonly userId: string;
  readonly now: number;
  readonly propensity: number;
  readonly top: TopInterests | undefined;
  readonly valuedAuthors: readonly ValuedAuthor[];
  readonly eligible: (item: CatalogItem) => boolean;
  /** Familiarity with a category, worked out once per request. */
  readonly familiarity: (category: string) => number;
  /** The interest component of an item's score (0 for a user without interest state). */
  readonly interestIn: (item: CatalogItem) => number;
  /** Eligible items from the user's valued authors and strongest interest buckets, in that order. */
  readonly personal: readonly CatalogItem[];
  /** The user's value of an author (their pairs are read once per request). */
  readonly authorValue: (authorId: string) => number;
}

/**
 * Builds one slate for a FEED_REQUEST and notes what was served in the user's state.
 * `greedy` ranks every candidate by interest alone; `lifelong` plans the categories
 * first and ranks within them by interest, author value, freshness and novelty (scaled
 * by the user's novelty propensity). Both draw exploration from a generator seeded by
 * the request, so a replayed request gets the same slate from the same state.
 */
export class Recommender {
  constructor(private readonly parts: RecommenderParts) {}

  recommend(user: RecommendUser, event: UserEvent, arm: Arm): Recommendation {
    const started = performance.now();
    const { options } = this.parts;
    rollSession(user, event, options.sessionGapMs);
    const requestId = event.requestId ?? event.eventId;
    const random = SeededRandom.derive(options.seed, event.userId, requestId);
    const view = this.view(user, event);
    let plan: Plan = { categories: [], exploring: null, probability: 1, reserve: [] };
    let planned: string[] = [];
    let groups: ScoredItem[][];
    if (arm.policy === 'greedy') {
      groups = [this.rank(this.greedyCandidates(view), view, 'greedy')];
    } else {
      plan = this.parts.planner.plan({ categories: this.categoryViews(user, view), count: options.plannedCategories, propensity: view.propensity, slateSize: options.slateSize, draw: random.next() });
      ({ planned, groups } = this.plannedGroups(plan, view));
    }
    const placements = fillSlate(groups, {
      slateSize: options.slateSize,
      exploration: options.exploration,
      authorAllowed: this.authorCap(user),
      random: () => random.next(),
    });
    this.noteServed(user, placements, view);
    return {
      requestId,
      userId: event.userId,
      ts: event.ts,
      items: placements.map(recommendedItem),
      plannedCategories: planned,
      planProbability: plan.probability,
      exploration: options.exploration,
      policy: arm.policy,
      arm: arm.name,
      modelVersions: { planner: PLANNER_VERSION, ...(options.authorValue === 'critic' && options.critic ? { critic: options.critic.modelVersion } : {}) },
      latencyMicros: Math.round((performance.now() - started) * 1000),
    };
  }

  private view(user: RecommendUser, event: UserEvent): RequestView {
    const now = event.ts;
    const { options } = this.parts;
    const top = this.parts.interest.topInterests(event.userId, now, TOP_BUCKETS);
    const recent = new Set(user.recent);
    const refused = new Set(user.refusedItems);
    const muted = new Set(user.muted);
    const suppressForMs = options.notInterestedHalfLifeHours * HOUR_MS;
    const interestWeights = new Map(top?.categories.map((c) => [c.name, c.weight]) ?? []);
    const authors = this.parts.authors.forUser(event.userId, now);
    const valuedAuthors = authors.top(TOP_AUTHORS);
    const scoreInterest = this.parts.interest.itemScorer(event.userId, now);
    const eligible = (item: CatalogItem): boolean => {
      if (muted.has(item.authorId) || now - (user.refusedCategories[item.category] ?? -Infinity) < suppressForMs) return false;
      const key = itemKey(item.itemId);
      return !recent.has(key) && !refused.has(key);
    };
    return {
      userId: event.userId,
      now,
      propensity: noveltyPropensity(user, now).session,
      top,
      valuedAuthors,
      personal: new CandidateCollector(this.parts.catalog, eligible, PERSONAL_POOL).fromAuthors(valuedAuthors).fromInterest(top).found,
      authorValue: (authorId) => authors.value(authorId),
      eligible,
      familiarity: memoize((category) => {
        const stats = user.categories[category];
        const reward = stats ? stats.reward * decayFactor(stats.at, now, PLANNER_HALF_LIFE_MS) : 0;
        return Math.max(reward, interestWeights.get(category) ?? 0);
      }),
      interestIn: scoreInterest ? (item) => interestComponent(scoreInterest(item)) : () => 0,
    };
  }

  /**
   * The planned categories that hold eligible items, each with its ranked candidates;
   * while they hold fewer than a slate, the planner's reserve categories join the plan
   * in its order (at most MAX_RESERVE of them), so a user who has seen all of a
   * category still gets a full slate, and every item stays inside the plan.
   */
  private plannedGroups(plan: Plan, view: RequestView): { planned: string[]; groups: ScoredItem[][] } {
    const planned: string[] = [];
    const groups: ScoredItem[][] = [];
    const { slateSize, maxAuthorSlateShare } = this.parts.options;
    const perAuthor = Math.max(1, Math.floor(maxAuthorSlateShare * slateSize));
    let available = 0;
    const add = (category: string): void => {
      const group = this.rank(this.categoryCandidates(category, view), view, 'lifelong');
      if (group.length === 0) return;
      planned.push(category);
      groups.push(group);
      // What the group can fill under the author cap.
      available += Math.min(group.length, new Set(group.map((s) => s.item.authorId)).size * perAuthor);
    };
    for (const category of plan.categories) add(category);
    for (const category of plan.reserve.slice(0, MAX_RESERVE)) {
      if (available >= slateSize) break;
      add(category);
    }
    return { planned, groups };
  }

  /** Every category the catalog holds items of and the user has not recently refused, as the planner sees it. */
  private categoryViews(user: RecommendUser, view: RequestView): CategoryView[] {
    const { catalog, trending, options } = this.parts;
    const { now } = view;
    const interestTotal = view.top?.categories.reduce((sum, c) => sum + Math.max(0, c.weight), 0) ?? 0;
    const interestShare = new Map(view.top?.categories.map((c) => [c.name, interestTotal > 0 ? Math.max(0, c.weight) / interestTotal : 0]) ?? []);
    const halfLifeMs = options.notInterestedHalfLifeHours * HOUR_MS;
    const views: CategoryView[] = [];
    for (const name of catalog.byCategory.groups()) {
      const refusedAt = user.refusedCategories[name];
      const refused = refusedAt === undefined ? 0 : decayFactor(refusedAt, now, halfLifeMs);
      if (refused > 0.5) continue;
      const stats = user.categories[name];
      const factor = stats ? decayFactor(stats.at, now, PLANNER_HALF_LIFE_MS) : 0;
      views.push({
        name,
        familiar: view.familiarity(name) >= 1,
        reward: stats ? stats.reward * factor : 0,
        exposure: stats ? stats.exposure * factor : 0,
        sessionExposure: user.session.exposure[name] ?? 0,
        interestShare: interestShare.get(name) ?? 0,
        trending: trending.weight(name, now),
        refused,
      });
    }
    return views;
  }

  private categoryCandidates(category: string, view: RequestView): CatalogItem[] {
    const only = new Set([category]);
    return new CandidateCollector(this.parts.catalog, view.eligible, CANDIDATES_PER_CATEGORY, only)
      .include(view.personal)
      .fromTrending(this.parts.trending, only)
      .fromNewest(only).found;
  }

  /** Greedy looks where the user's interest is; a user without history gets what trends. */
  private greedyCandidates(view: RequestView): CatalogItem[] {
    const { catalog, trending } = this.parts;
    const categories = view.top?.categories.map((c) => c.name) ?? [];
    const interestAuthors = (view.top?.authors ?? []).map((a) => ({ authorId: a.name, value: 0, followed: false }));
    const collector = new CandidateCollector(catalog, view.eligible, CANDIDATE_POOL)
      .include(view.personal)
      .fromAuthors(interestAuthors)
      .fromTrending(trending, categories)
      .fromNewest(categories, 20);
    if (!collector.full) {
      const all = [...catalog.byCategory.groups()].sort((a, b) => trending.weight(b, view.now) - trending.weight(a, view.now) || (a < b ? -1 : 1));
      collector.fromTrending(trending, all).fromNewest(all, 10);
    }
    return collector.found;
  }

  /** Scores candidates for the policy, best first (ties keep retrieval order). */
  private rank(items: readonly CatalogItem[], view: RequestView, policy: Arm['policy']): ScoredItem[] {
    const { options } = this.parts;
    const freshnessHalfLifeMs = options.freshnessHalfLifeHours * HOUR_MS;
    const scored = items.map((item): ScoredItem => {
      const interest = view.interestIn(item);
      const authorValue = view.authorValue(item.authorId);
      const freshness = freshnessComponent(item, view.now, freshnessHalfLifeMs);
      const novelty = noveltyComponent(view.familiarity(item.category));
      const score = policy === 'greedy' ? interest : lifelongScore(interest, authorValue, freshness, novelty, options.weights, view.propensity);
      // One literal in ScoredItem's field order: one hidden class for every candidate.
      return { item, interest, authorValue, freshness, novelty, score };
    });
    return scored.sort((a, b) => b.score - a.score);
  }

  /** The creator guardrail: an author's share of the slate and of the session's served items. */
  private authorCap(user: RecommendUser): (authorId: string, placed: ReadonlyMap<string, number>) => boolean {
    const { slateSize, maxAuthorSlateShare, maxAuthorSessionShare } = this.parts.options;
    const slateCap = Math.max(1, Math.floor(maxAuthorSlateShare * slateSize));
    const sessionCap = maxAuthorSessionShare >= 1 ? Infinity : Math.max(1, Math.floor(maxAuthorSessionShare * (user.session.served + slateSize)));
    return (authorId, placed) => {
      const inSlate = (placed.get(authorId) ?? 0) + 1;
      return inSlate <= slateCap && (user.session.authors[authorId] ?? 0) + inSlate <= sessionCap;
    };
  }

  private noteServed(user: RecommendUser, placements: readonly Placement[], view: RequestView): void {
    const { session } = user;
    for (const { scored } of placements) {
      const { itemId, category, authorId } = scored.item;
      const key = itemKey(itemId);
      pushBounded(user.recent, key, this.parts.options.recentlyShown);
      session.served++;
      session.exposure[category] = (session.exposure[category] ?? 0) + 1;
      session.authors[authorId] = (session.authors[authorId] ?? 0) + 1;
      if (view.familiarity(category) < 1) {
        noteNovelty(user, view.now, 'trial');
        pushBounded(user.pending, key, MAX_PENDING);
      }
      categoryAt(user, category, view.now, PLANNER_HALF_LIFE_MS).exposure += 1;
    }
    user.requests++;
  }
}

function recommendedItem(placement: Placement): RecommendedItem {
  const { scored } = placement;
  return {
    itemId: scored.item.itemId,
    authorId: scored.item.authorId,
    category: scored.item.category,
    score: scored.score,
    interest: scored.interest,
    lifelongValue: scored.authorValue,
    novelty: scored.novelty,
    diversity: placement.diversity,
    freshness: scored.freshness,
    propensity: placement.propensity,
    candidates: placement.candidates,
    exploited: placement.exploited,
  };
}

function memoize(compute: (key: string) => number): (key: string) => number {
  const known = new Map<string, number>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) known.set(key, (value = compute(key)));
    return value;
  };
}
