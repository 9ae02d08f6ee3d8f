/**
 * The high level of the hierarchical slate (LERL's split): a planner chooses the
 * categories a slate covers; items are then ranked within them. Any planner — these
 * rules, a learned policy, an external service — fits behind this interface.
 */
export interface CategoryView {
  readonly name: string;
  /** The user has engaged with the category (or it is among their interests). */
  readonly familiar: boolean;
  /** Decayed engagement won in the category, and decayed items served from it. */
  readonly reward: number;
  readonly exposure: number;
  /** Items from it served in this session. */
  readonly sessionExposure: number;
  /** Share of the user's interest (the interest topology's category distribution), in [0, 1]. */
  readonly interestShare: number;
  /** How much the category is engaged with on this partition lately (decayed), for unfamiliar picks. */
  readonly trending: number;
  /** Faded NOT_INTERESTED pressure in [0, 1) (a category still suppressed is not offered at all). */
  readonly refused: number;
}

export interface PlanInput {
  readonly categories: readonly CategoryView[];
  /** How many categories to choose. */
  readonly count: number;
  /** The user's session novelty propensity, in [0, 1]. */
  readonly propensity: number;
  /** Items served per slate (scales session exposure into a share). */
  readonly slateSize: number;
  /** A uniform draw in [0, 1) for the plan's one random choice. */
  readonly draw: number;
}

export interface Plan {
  /** Chosen categories, best first (slots are filled round-robin in this order). */
  readonly categories: readonly string[];
  /** The unfamiliar category included for novelty, if one was. */
  readonly exploring: string | null;
  /** Probability with which the exploring choice was made (the propensity), 1 when none was possible. */
  readonly probability: number;
  /** Further categories, in the order to add them when the chosen ones hold too few eligible items. */
  readonly reserve: readonly string[];
}

export interface CategoryPlanner {
  readonly name: string;
  plan(input: PlanInput): Plan;
}

export interface RulePlannerOptions {
  /** Weight of the exploration bonus (UCB-style, on decayed exposure). */
  readonly explorationBonus: number;
  /** Weight of the category's share of the user's interest. */
  readonly interestWeight: number;
}

/**
 * The rule-based planner of the algorithms note: per category,
 * reward rate + interest share + exploration bonus − session exposure × (1 − propensity),
 * faded refusals subtracted; the best familiar categories are chosen, and with
 * probability equal to the propensity one unfamiliar category (the most engaged-with on
 * the partition) takes the last place.
 */
export class RuleBasedPlanner implements CategoryPlanner {
  readonly name = 'rules-v1';

  constructor(private readonly options: RulePlannerOptions = { explorationBonus: 0.3, interestWeight: 1 }) {}

  plan(input: PlanInput): Plan {
    const totalExposure = input.categories.reduce((sum, c) => sum + c.exposure, 0);
    const scored = input.categories.map((c) => ({ view: c, score: this.score(c, input, totalExposure) }));
    const byScore = (a: { view: CategoryView; score: number }, b: { view: CategoryView; score: number }): number => b.score - a.score || (a.view.name < b.view.name ? -1 : 1);
    const familiar = scored.filter((c) => c.view.familiar).sort(byScore);
    const unfamiliar = scored
      .filter((c) => !c.view.familiar)
      .sort((a, b) => b.view.trending - a.view.trending || byScore(a, b));
    // Familiar categories first; a user with fewer than `count` of them gets the best
    // scored others (the exploration bonus favours the least exposed), and a user with
    // none the partition's most engaged-with ones.
    const ranked = [...familiar, ...[...unfamiliar].sort(familiar.length > 0 ? byScore : () => 0)].map((c) => c.view.name);
    const chosen = ranked.slice(0, input.count);
    const reserveOf = (categories: readonly string[]): string[] => ranked.filter((name) => !categories.includes(name));
    const candidate = unfamiliar.find((c) => !chosen.includes(c.view.name));
    if (familiar.length === 0 || candidate === undefined) return { categories: chosen, exploring: null, probability: 1, reserve: reserveOf(chosen) };
    const explore = input.draw < input.propensity;
    if (!explore) return { categories: chosen, exploring: null, probability: 1 - input.propensity, reserve: reserveOf(chosen) };
    const categories = chosen.length < input.count ? [...chosen, candidate.view.name] : [...chosen.slice(0, -1), candidate.view.name];
    return { categories, exploring: candidate.view.name, probability: input.propensity, reserve: reserveOf(categories) };
  }

  private score(c: CategoryView, input: PlanInput, totalExposure: number): number {
    const rate = c.reward / (c.exposure + 1);
    const bonus = this.options.explorationBonus * Math.sqrt(Math.log(1 + totalExposure) / (1 + c.exposure));
    const overExposure = (c.sessionExposure / input.slateSize) * (1 - input.propensity);
    return rate + this.options.interestWeight * c.interestShare + bonus - overExposure - c.refused;
  }
}
