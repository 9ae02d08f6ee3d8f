/**
 * Every behavioural parameter of the simulated population in one named object. They are
 * fixed before any policy is compared (README, "Simulating the long term") and a finding
 * is reported across several sets (Sim2Rec's lesson: one tuned simulator proves little).
 * Nothing here knows about a policy.
 */
export interface SimulationParameters {
  readonly name: string;
  readonly doc: string;

  // ── the world ──────────────────────────────────────────────────────────────
  /** Content categories (`cat-0` …). */
  readonly categories: number;
  /** Creators per category at the start (each has a home category). */
  readonly creatorsPerCategory: number;
  /** Items each creator has published before day 0. */
  readonly initialItemsPerCreator: number;
  /** Spread of an item's embedding around its category's direction (the category direction has unit-variance components). */
  readonly embeddingNoise: number;

  // ── users: interests ───────────────────────────────────────────────────────
  /** Categories a user strongly likes in the long-term profile. */
  readonly favouriteCategories: number;
  /** Profile interest of a favourite category (others get `backgroundInterest`), in [0, 1]. */
  readonly favouriteInterest: number;
  readonly backgroundInterest: number;
  /** Daily random-walk step of every category's current interest (standard deviation). */
  readonly interestDriftPerDay: number;
  /** Share of the gap to the long-term profile closed each day (mean reversion). */
  readonly interestReversionPerDay: number;

  // ── users: fatigue and novelty ─────────────────────────────────────────────
  /** Fatigue a category gains per impression of it. */
  readonly fatiguePerImpression: number;
  /** Share of fatigue kept from one feed request to the next within a session. */
  readonly fatigueKeptPerStep: number;
  /** Share of fatigue kept overnight (repetition across days wears too). */
  readonly fatigueKeptPerDay: number;
  /** Novelty-seeking trait per user: Beta(a, b). Mean a / (a + b). */
  readonly noveltySeekingBeta: readonly [number, number];

  // ── users: responses (a logistic click model) ──────────────────────────────
  readonly clickIntercept: number;
  /** Weight of the user's current interest in the item's category. */
  readonly clickInterestWeight: number;
  /** Weight of the item's quality (centred on 0.5). */
  readonly clickQualityWeight: number;
  /** Weight of the category's fatigue. */
  readonly clickFatigueWeight: number;
  /** Weight of the share of the rest of the slate in the same category (KuaiSim's slate similarity). */
  readonly clickSimilarityWeight: number;
  /**
   * Weight of novelty, for a category the user has never clicked: the term is
   * weight × (2 × noveltySeeking − 1), so seekers welcome the unfamiliar and others shun it.
   */
  readonly clickNoveltyWeight: number;
  /** Bonus for an item of an author the user follows. */
  readonly clickFollowedAuthorBonus: number;
  /** P(like | click) at quality 1 (scaled by quality). */
  readonly likeGivenClick: number;
  /** P(share or comment | click). */
  readonly shareGivenClick: number;
  /** Clicks on one author before a follow becomes possible. */
  readonly clicksBeforeFollow: number;
  /** P(follow | click on an author clicked `clicksBeforeFollow` times or more), scaled by interest. */
  readonly followGivenClick: number;
  /** P(gift | click on a followed author). Gifts happen only after a follow. */
  readonly giftGivenClickFollowed: number;
  /** P(skip | no click): the rest pass silently. */
  readonly skipGivenNoClick: number;
  /** P(not interested | no click), scaled by how little the user likes the category. */
  readonly notInterestedGivenNoClick: number;
  /** P(mute author | not interested) once the author has been shown this session already. */
  readonly muteGivenNotInterested: number;
  /** Mean dwell of a click at interest 1 and quality 1, in milliseconds. */
  readonly meanDwellMs: number;

  // ── users: sessions and return (KuaiSim-style temper) ──────────────────────
  /** Temper at the start of a session. */
  readonly temperStart: number;
  /**
   * Step value — the slate's engagement per item shown (Σ response depth / slate size) —
   * below which temper falls: by 2 × shortfall / bar, so a slate with no response costs 2.
   */
  readonly temperBar: number;
  /** The user leaves once temper is below this. */
  readonly temperLeaveBelow: number;
  /** P(leaving after any step) regardless of temper: time runs out. */
  readonly leaveChancePerStep: number;
  /** Longest session, in feed requests. */
  readonly maxStepsPerSession: number;
  /** Step value at which a session counts as fully satisfying (session satisfaction = mean step value / this, capped at 1). */
  readonly satisfyingStepValue: number;
  /** Weight of the latest session in the satisfaction memory (exponential moving average). */
  readonly satisfactionMemory: number;
  /** Logistic return model: P(visit tomorrow) = σ(intercept + slope × (satisfaction − 0.5)). */
  readonly returnIntercept: number;
  readonly returnSlope: number;

  // ── creators ───────────────────────────────────────────────────────────────
  /** Mean items a creator publishes per day (Poisson). */
  readonly publishPerDay: number;
  /** How far a creator's category mix moves toward the categories that got clicks, per day. */
  readonly creatorDriftRate: number;
  /** Consecutive ignored items (no click by the end of the day after publication) before a creator leaves. */
  readonly ignoredItemsBeforeLeaving: number;
  /** Creator skill: Beta(a, b); an item's quality is skill plus noise. */
  readonly creatorSkillBeta: readonly [number, number];
}

/** The reference set: moderate fatigue, a population of mostly mild novelty-seekers. */
export const BASELINE = Object.freeze<SimulationParameters>({
  name: 'baseline',
  doc: 'Moderate fatigue; novelty-seeking trait Beta(2, 4) (mean 0.33).',
  categories: 20,
  creatorsPerCategory: 8,
  initialItemsPerCreator: 6,
  embeddingNoise: 0.6,
  favouriteCategories: 3,
  favouriteInterest: 0.8,
  backgroundInterest: 0.15,
  interestDriftPerDay: 0.06,
  interestReversionPerDay: 0.15,
  fatiguePerImpression: 0.12,
  fatigueKeptPerStep: 0.85,
  fatigueKeptPerDay: 0.4,
  noveltySeekingBeta: [2, 4],
  clickIntercept: -2.6,
  clickInterestWeight: 3.0,
  clickQualityWeight: 1.5,
  clickFatigueWeight: 1.2,
  clickSimilarityWeight: 1.0,
  clickNoveltyWeight: 1.0,
  clickFollowedAuthorBonus: 0.5,
  likeGivenClick: 0.5,
  shareGivenClick: 0.06,
  clicksBeforeFollow: 3,
  followGivenClick: 0.25,
  giftGivenClickFollowed: 0.08,
  skipGivenNoClick: 0.5,
  notInterestedGivenNoClick: 0.03,
  muteGivenNotInterested: 0.3,
  meanDwellMs: 30_000,
  temperStart: 10,
  temperBar: 0.15,
  temperLeaveBelow: 1,
  leaveChancePerStep: 0.05,
  maxStepsPerSession: 20,
  satisfyingStepValue: 0.4,
  satisfactionMemory: 0.5,
  returnIntercept: 0.8,
  returnSlope: 4,
  publishPerDay: 0.7,
  creatorDriftRate: 0.3,
  ignoredItemsBeforeLeaving: 5,
  creatorSkillBeta: [3, 3],
});

/** Repetition wears users out fast and they hold it longer; novelty-seeking stays as in the baseline. */
export const FATIGUE_PRONE = Object.freeze<SimulationParameters>({
  ...BASELINE,
  name: 'fatigue-prone',
  doc: 'Strong, slow-healing fatigue (0.25 per impression, 60% kept overnight); novelty-seeking as baseline.',
  fatiguePerImpression: 0.25,
  fatigueKeptPerStep: 0.9,
  fatigueKeptPerDay: 0.6,
});

/** A population that mostly seeks novelty, with milder fatigue. */
export const NOVELTY_SEEKERS = Object.freeze<SimulationParameters>({
  ...BASELINE,
  name: 'novelty-seekers',
  doc: 'Novelty-seeking trait Beta(4, 2) (mean 0.67); fatigue milder than baseline (0.08 per impression).',
  noveltySeekingBeta: [4, 2],
  fatiguePerImpression: 0.08,
});

/** A population that sticks to what it knows, with little fatigue: the case most favourable to greedy. */
export const CREATURES_OF_HABIT = Object.freeze<SimulationParameters>({
  ...BASELINE,
  name: 'creatures-of-habit',
  doc: 'Novelty-seeking trait Beta(1, 6) (mean 0.14); weak fatigue (0.05 per impression, 20% kept overnight).',
  noveltySeekingBeta: [1, 6],
  fatiguePerImpression: 0.05,
  fatigueKeptPerDay: 0.2,
});

export const PARAMETER_SETS: Readonly<Record<string, SimulationParameters>> = Object.freeze({
  [BASELINE.name]: BASELINE,
  [FATIGUE_PRONE.name]: FATIGUE_PRONE,
  [NOVELTY_SEEKERS.name]: NOVELTY_SEEKERS,
  [CREATURES_OF_HABIT.name]: CREATURES_OF_HABIT,
});

export function parameterSet(name: string): SimulationParameters {
  const found = PARAMETER_SETS[name];
  if (!found) throw new Error(`lifelong: no simulation parameter set "${name}"; known: ${Object.keys(PARAMETER_SETS).join(', ')}`);
  return found;
}
