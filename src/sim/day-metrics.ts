import type { StepOutcome } from './sim-user.js';

/** One simulated day of one policy: what the report charts. */
export interface DayMetrics {
  readonly day: number;
  /** Users who opened a session that day. */
  readonly activeUsers: number;
  /** Active users over the whole population. */
  readonly activeShare: number;
  /** Of the users active the day before, the share active again (null on day 0). */
  readonly returnRate: number | null;
  readonly sessions: number;
  readonly requests: number;
  readonly impressions: number;
  readonly clicks: number;
  readonly ctr: number;
  /** Σ depth of the deepest response per item (click 1, like 2, share/comment 3, follow 4, gift 5). */
  readonly engagement: number;
  readonly engagementPerActiveUser: number;
  readonly dwellMsPerActiveUser: number;
  readonly follows: number;
  readonly gifts: number;
  /** Feed requests per session. */
  readonly sessionLength: number;
  /** Mean over active users of the distinct categories they were shown that day. */
  readonly categoriesPerUser: number;
  /** Share of all categories shown to anyone that day. */
  readonly categoryCoverage: number;
  /** Share of impressions in categories the user had never clicked, and their click rate. */
  readonly unfamiliarShare: number;
  readonly unfamiliarCtr: number;
  readonly meanSessionSatisfaction: number;
  readonly creatorsActive: number;
  readonly itemsPublished: number;
  /** Top-slot impressions and clicks (what the off-policy estimate predicts). */
  readonly topSlotImpressions: number;
  readonly topSlotClicks: number;
}

/** Accumulates one day; `finish` turns the counts into DayMetrics. */
export class DayTally {
  private readonly active = new Set<string>();
  private readonly shownByUser = new Map<string, Set<string>>();
  private readonly shown = new Set<string>();
  private sessions = 0;
  private requests = 0;
  private impressions = 0;
  private clicks = 0;
  private engagement = 0;
  private dwellMs = 0;
  private follows = 0;
  private gifts = 0;
  private unfamiliarShown = 0;
  private unfamiliarClicked = 0;
  private satisfaction = 0;
  private topSlotImpressions = 0;
  private topSlotClicks = 0;

  constructor(readonly day: number) {}

  sessionStarted(userId: string): void {
    this.active.add(userId);
    this.sessions++;
  }

  step(userId: string, categories: readonly string[], outcome: StepOutcome): void {
    this.requests++;
    this.impressions += outcome.impressions;
    this.clicks += outcome.clicks;
    this.engagement += outcome.engagement;
    this.dwellMs += outcome.dwellMs;
    this.follows += outcome.follows;
    this.gifts += outcome.gifts;
    this.unfamiliarShown += outcome.unfamiliarShown;
    this.unfamiliarClicked += outcome.unfamiliarClicked;
    if (outcome.clicked.length > 0) {
      this.topSlotImpressions++;
      if (outcome.clicked[0]) this.topSlotClicks++;
    }
    let mine = this.shownByUser.get(userId);
    if (!mine) this.shownByUser.set(userId, (mine = new Set()));
    for (const category of categories) {
      mine.add(category);
      this.shown.add(category);
    }
  }

  sessionEnded(satisfaction: number): void {
    this.satisfaction += satisfaction;
  }

  activeUsers(): ReadonlySet<string> {
    return this.active;
  }

  finish(context: { population: number; categories: number; previousActive: ReadonlySet<string> | undefined; creatorsActive: number; itemsPublished: number }): DayMetrics {
    const active = this.active.size;
    const per = (x: number): number => (active === 0 ? 0 : x / active);
    let returned = 0;
    if (context.previousActive) for (const user of context.previousActive) if (this.active.has(user)) returned++;
    let categoriesShown = 0;
    for (const set of this.shownByUser.values()) categoriesShown += set.size;
    return {
      day: this.day,
      activeUsers: active,
      activeShare: context.population === 0 ? 0 : active / context.population,
      returnRate: context.previousActive === undefined ? null : context.previousActive.size === 0 ? 0 : returned / context.previousActive.size,
      sessions: this.sessions,
      requests: this.requests,
      impressions: this.impressions,
      clicks: this.clicks,
      ctr: this.impressions === 0 ? 0 : this.clicks / this.impressions,
      engagement: this.engagement,
      engagementPerActiveUser: per(this.engagement),
      dwellMsPerActiveUser: per(this.dwellMs),
      follows: this.follows,
      gifts: this.gifts,
      sessionLength: this.sessions === 0 ? 0 : this.requests / this.sessions,
      categoriesPerUser: per(categoriesShown),
      categoryCoverage: context.categories === 0 ? 0 : this.shown.size / context.categories,
      unfamiliarShare: this.impressions === 0 ? 0 : this.unfamiliarShown / this.impressions,
      unfamiliarCtr: this.unfamiliarShown === 0 ? 0 : this.unfamiliarClicked / this.unfamiliarShown,
      meanSessionSatisfaction: this.sessions === 0 ? 0 : this.satisfaction / this.sessions,
      creatorsActive: context.creatorsActive,
      itemsPublished: context.itemsPublished,
      topSlotImpressions: this.topSlotImpressions,
      topSlotClicks: this.topSlotClicks,
    };
  }
}
