import { userEvent, type EventType, type UserEvent } from '../serde/records.js';
import type { SimulationParameters } from './parameters.js';
import { SeededRandom } from './random.js';

/** What a user is shown at one slot of a slate (the fields of a RecommendedItem it needs). */
export interface ShownItem {
  readonly itemId: string;
  readonly authorId: string;
  readonly category: string;
}

/** What the simulated world knows about an item that the user reacts to. */
export interface ItemTruth {
  readonly categoryIndex: number;
  /** In [0, 1]. */
  readonly quality: number;
}

/** Depth of the deepest response to one item: the engagement scale of the session metrics. */
export const RESPONSE_DEPTH = { click: 1, like: 2, share: 3, follow: 4, gift: 5 } as const;

/** What one slate did, for the world (creator feedback) and the day's metrics. */
export interface StepOutcome {
  readonly impressions: number;
  readonly clicks: number;
  readonly likes: number;
  readonly shares: number;
  readonly follows: number;
  readonly gifts: number;
  readonly skips: number;
  readonly notInterested: number;
  readonly mutes: number;
  readonly dwellMs: number;
  /** Σ over items of the depth of the deepest response. */
  readonly engagement: number;
  /** Clicked flag per slot, in slate order. */
  readonly clicked: readonly boolean[];
  /** Slots shown in a category the user had never clicked before. */
  readonly unfamiliarShown: number;
  readonly unfamiliarClicked: number;
}

export interface StepResult {
  readonly events: UserEvent[];
  readonly outcome: StepOutcome;
  /** The user leaves the session after this step. */
  readonly leaves: boolean;
}

interface SessionState {
  readonly sessionId: string;
  step: number;
  temper: number;
  valueSum: number;
  /** Authors shown this session, for mutes (an author met again and disliked). */
  readonly authorsShown: Set<string>;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
/** Gap between the slots a user looks at, in event-time milliseconds. */
const SLOT_MS = 1_000;

/**
 * One simulated user: drifting multi-category interests around a long-term profile,
 * per-category fatigue, a stable novelty-seeking trait, KuaiSim-style temper within a
 * session and a satisfaction memory that drives whether they come back tomorrow.
 * All randomness comes from the user's own stream, so a user behaves the same whatever
 * order users are processed in.
 */
export class SimUser {
  readonly profile: Float64Array;
  readonly interest: Float64Array;
  readonly fatigue: Float64Array;
  readonly noveltySeeking: number;
  /** Categories the user has clicked (or started out liking). */
  readonly familiar: Uint8Array;
  readonly authorClicks = new Map<string, number>();
  readonly follows = new Set<string>();
  /** Exponential moving average of session satisfaction, in [0, 1]. */
  satisfaction = 0.5;
  private session: SessionState | undefined;
  private readonly random: SeededRandom;

  constructor(
    readonly userId: string,
    seed: number,
    private readonly params: SimulationParameters,
  ) {
    this.random = SeededRandom.derive(seed, 'user', userId);
    const n = params.categories;
    this.profile = new Float64Array(n);
    this.interest = new Float64Array(n);
    this.fatigue = new Float64Array(n);
    this.familiar = new Uint8Array(n);
    for (let c = 0; c < n; c++) this.profile[c] = params.backgroundInterest * (0.5 + this.random.next());
    for (let k = 0; k < params.favouriteCategories; k++) {
      const c = this.random.int(0, n - 1);
      this.profile[c] = clamp01(params.favouriteInterest * (0.75 + 0.5 * this.random.next()));
      this.familiar[c] = 1;
    }
    for (let c = 0; c < n; c++) this.interest[c] = clamp01(this.profile[c]! + params.interestDriftPerDay * this.random.gaussian());
    this.noveltySeeking = this.random.beta(params.noveltySeekingBeta[0], params.noveltySeekingBeta[1]);
  }

  /** Overnight: interests drift and revert toward the profile; fatigue heals partly. */
  newDay(): void {
    const p = this.params;
    for (let c = 0; c < p.categories; c++) {
      const current = this.interest[c]!;
      this.interest[c] = clamp01(current + p.interestReversionPerDay * (this.profile[c]! - current) + p.interestDriftPerDay * this.random.gaussian());
      this.fatigue[c]! *= p.fatigueKeptPerDay;
    }
  }

  /** Whether the user opens the app today (the first day everyone does). */
  visits(day: number): boolean {
    if (day === 0) return true;
    return this.random.chance(sigmoid(this.params.returnIntercept + this.params.returnSlope * (this.satisfaction - 0.5)));
  }

  get inSession(): boolean {
    return this.session !== undefined;
  }

  startSession(sessionId: string): void {
    this.session = { sessionId, step: 0, temper: this.params.temperStart, valueSum: 0, authorsShown: new Set() };
  }

  /** The probability of a click on an item of this category and quality, given the rest of the slate. */
  clickProbability(categoryIndex: number, quality: number, sameCategoryShare: number, authorFollowed: boolean): number {
    const p = this.params;
    const novelty = this.familiar[categoryIndex] ? 0 : p.clickNoveltyWeight * (2 * this.noveltySeeking - 1);
    return sigmoid(
      p.clickIntercept +
        p.clickInterestWeight * this.interest[categoryIndex]! +
        p.clickQualityWeight * (quality - 0.5) -
        p.clickFatigueWeight * this.fatigue[categoryIndex]! -
        p.clickSimilarityWeight * sameCategoryShare +
        novelty +
        (authorFollowed ? p.clickFollowedAuthorBonus : 0),
    );
  }

  /**
   * The user looks at a slate top to bottom (every slot is an impression) and responds;
   * returns the events they produce (from `ts` on, within a minute) and whether they
   * leave. An item the world does not know (`truth` undefined) is of middling quality
   * in an unknown category: impressed, never clicked.
   */
  respond(slate: readonly ShownItem[], truth: (itemId: string) => ItemTruth | undefined, requestId: string, ts: number): StepResult {
    const session = this.session;
    if (!session) throw new Error(`lifelong: ${this.userId} responds outside a session`);
    const p = this.params;
    const events: UserEvent[] = [];
    let seq = 0;
    const emit = (type: EventType, at: number, item: ShownItem, extra: Partial<UserEvent> = {}): void => {
      events.push(userEvent({ eventId: `${requestId}-${seq++}`, userId: this.userId, sessionId: session.sessionId, type, ts: at, itemId: item.itemId, authorId: item.authorId, category: item.category, requestId, ...extra }));
    };
    const categoryCounts = new Map<string, number>();
    for (const item of slate) categoryCounts.set(item.category, (categoryCounts.get(item.category) ?? 0) + 1);
    const counts = { clicks: 0, likes: 0, shares: 0, follows: 0, gifts: 0, skips: 0, notInterested: 0, mutes: 0, dwellMs: 0, engagement: 0, unfamiliarShown: 0, unfamiliarClicked: 0 };
    const clicked: boolean[] = [];
    slate.forEach((item, position) => {
      const at = ts + 1 + position * SLOT_MS;
      emit('IMPRESSION', at, item, { position });
      const known = truth(item.itemId);
      const others = slate.length > 1 ? ((categoryCounts.get(item.category) ?? 1) - 1) / (slate.length - 1) : 0;
      const c = known?.categoryIndex;
      const unfamiliar = c !== undefined && !this.familiar[c];
      if (unfamiliar) counts.unfamiliarShown++;
      const pClick = known === undefined ? 0 : this.clickProbability(known.categoryIndex, known.quality, others, this.follows.has(item.authorId));
      if (known !== undefined) this.fatigue[known.categoryIndex] = 1 - (1 - this.fatigue[known.categoryIndex]!) * (1 - p.fatiguePerImpression);
      const seenAuthor = session.authorsShown.has(item.authorId);
      session.authorsShown.add(item.authorId);
      if (known === undefined || !this.random.chance(pClick)) {
        clicked.push(false);
        const dislike = c === undefined ? 1 : 1 - this.interest[c]!;
        if (this.random.chance(p.notInterestedGivenNoClick * dislike)) {
          counts.notInterested++;
          emit('NOT_INTERESTED', at + 1, item);
          if (seenAuthor && !this.follows.has(item.authorId) && this.random.chance(p.muteGivenNotInterested)) {
            counts.mutes++;
            emit('MUTE_AUTHOR', at + 2, item, { itemId: null });
          }
        } else if (this.random.chance(p.skipGivenNoClick)) {
          counts.skips++;
          emit('SKIP', at + 1, item);
        }
        return;
      }
      clicked.push(true);
      const { categoryIndex, quality } = known;
      const interest = this.interest[categoryIndex]!;
      counts.clicks++;
      if (unfamiliar) counts.unfamiliarClicked++;
      this.familiar[categoryIndex] = 1;
      let depth: number = RESPONSE_DEPTH.click;
      emit('CLICK', at + 1, item);
      const dwellMs = Math.round(p.meanDwellMs * (0.2 + interest * quality) * (0.5 + this.random.next()));
      counts.dwellMs += dwellMs;
      emit('DWELL', at + 2, item, { dwellMs });
      if (this.random.chance(p.likeGivenClick * quality)) {
        counts.likes++;
        depth = RESPONSE_DEPTH.like;
        emit('LIKE', at + 3, item);
      }
      if (this.random.chance(p.shareGivenClick)) {
        counts.shares++;
        depth = RESPONSE_DEPTH.share;
        emit(this.random.chance(0.5) ? 'SHARE' : 'COMMENT', at + 4, item);
      }
      const authorClicks = (this.authorClicks.get(item.authorId) ?? 0) + 1;
      this.authorClicks.set(item.authorId, authorClicks);
      if (this.follows.has(item.authorId)) {
        if (this.random.chance(p.giftGivenClickFollowed)) {
          counts.gifts++;
          depth = RESPONSE_DEPTH.gift;
          emit('GIFT', at + 6, item, { value: this.random.int(1, 50) });
        }
      } else if (authorClicks >= p.clicksBeforeFollow && this.random.chance(p.followGivenClick * interest)) {
        this.follows.add(item.authorId);
        counts.follows++;
        depth = RESPONSE_DEPTH.follow;
        emit('FOLLOW', at + 5, item);
      }
      counts.engagement += depth;
    });
    for (let c = 0; c < p.categories; c++) this.fatigue[c]! *= p.fatigueKeptPerStep;

    // KuaiSim's temper: falls by how far the slate's response is below the bar (at most
    // 2 per step, so a user who never responds leaves after 5 steps at the defaults).
    const stepValue = slate.length === 0 ? 0 : counts.engagement / slate.length;
    session.temper += Math.max(-2, Math.min(0, (2 * (stepValue - p.temperBar)) / p.temperBar));
    session.valueSum += stepValue;
    session.step++;
    const leaves = session.temper < p.temperLeaveBelow || session.step >= p.maxStepsPerSession || this.random.chance(p.leaveChancePerStep);
    return { events, outcome: { impressions: slate.length, clicked, ...counts }, leaves };
  }

  /** Ends the session; its satisfaction (mean step value against the satisfying level) feeds the return model. */
  endSession(): { steps: number; satisfaction: number } {
    const session = this.session;
    if (!session) throw new Error(`lifelong: ${this.userId} has no session to end`);
    this.session = undefined;
    const satisfaction = session.step === 0 ? 0 : Math.min(1, session.valueSum / session.step / this.params.satisfyingStepValue);
    this.satisfaction += this.params.satisfactionMemory * (satisfaction - this.satisfaction);
    return { steps: session.step, satisfaction };
  }
}
