import type { Recommendation } from '../serde/records.js';
import type { LoggedSlateLine } from './ope.js';

/** The suffix of the exploitation-only variant of a policy (its ε = 0 version) in a log's topProbabilities. */
export const EXPLOIT_SUFFIX = '-exploit';

/**
 * The off-policy log line of one served slate and the clicks it got. Every line can
 * evaluate the serving policy itself (its propensity) and its exploitation-only variant
 * (probability 1 if the top item was the policy's best, else 0); probabilities of other
 * policies the recommender reports for the top item (a `topProbabilities` map on the
 * record, when present) are carried along.
 */
export function slateLogLine(recommendation: Recommendation, clicked: readonly boolean[], day?: number): LoggedSlateLine {
  const top = recommendation.items[0];
  const reported = reportedTopProbabilities(recommendation);
  return {
    policy: recommendation.policy,
    requestId: recommendation.requestId,
    userId: recommendation.userId,
    ...(day !== undefined ? { day } : {}),
    exploration: recommendation.exploration,
    plannedCategories: recommendation.plannedCategories,
    slots: recommendation.items.map((item, slot) => ({ itemId: item.itemId, category: item.category, propensity: item.propensity, exploited: item.exploited, candidates: item.candidates, clicked: clicked[slot] ?? false })),
    topProbabilities: top ? { ...reported, [recommendation.policy]: top.propensity, [recommendation.policy + EXPLOIT_SUFFIX]: top.exploited ? 1 : 0 } : reported,
  };
}

function reportedTopProbabilities(recommendation: Recommendation): Record<string, number> {
  const field: unknown = (recommendation as unknown as Record<string, unknown>)['topProbabilities'];
  if (typeof field !== 'object' || field === null) return {};
  return Object.fromEntries(Object.entries(field).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
