/**
 * Off-policy estimates of a policy's top-slot click rate from logged slates: inverse
 * propensity scoring (IPS) and its self-normalized form (SNIPS). Each logged slate
 * carries the logging policy's probability of the item it put at the top (its
 * propensity) and, per policy that can be evaluated, the probability that policy would
 * have put that same item there. IPS is unbiased when every item a target policy could
 * choose had a positive logging probability (the per-slot exploration guarantees it);
 * SNIPS trades a little bias for much less variance.
 */

/** One logged slate, as `lifelong simulate --slate-log` writes it (one JSON object per line). */
export interface LoggedSlateLine {
  /** The policy that served the slate (the logging policy). */
  readonly policy: string;
  readonly requestId: string;
  readonly userId: string;
  readonly day?: number;
  readonly exploration?: number;
  /** The planner's categories for the slate (for analysis; not used by the estimates). */
  readonly plannedCategories?: readonly string[];
  readonly slots: ReadonlyArray<{ readonly itemId: string; readonly category?: string; readonly propensity: number; readonly exploited?: boolean; readonly candidates?: number; readonly clicked: boolean }>;
  /** Per evaluable policy: the probability it would have put the logged top-slot item at the top. */
  readonly topProbabilities: Readonly<Record<string, number>>;
}

export interface OffPolicyEstimate {
  readonly policy: string;
  /** Logged slates used (those with a top slot and a probability for the policy). */
  readonly samples: number;
  /** Slates skipped: no top slot, no probability for the policy, or a zero propensity. */
  readonly skipped: number;
  /** Top-slot click rate of the log itself (the logging policy's on-policy rate). */
  readonly loggedRate: number;
  readonly ips: number;
  /** Half-width of the normal-approximation 95% interval of IPS. */
  readonly ipsHalfWidth95: number;
  readonly snips: number;
  /** (Σw)² / Σw²: how many on-policy samples the reweighted log is worth. */
  readonly effectiveSampleSize: number;
  /** Mean importance weight (1 in expectation when the support condition holds). */
  readonly meanWeight: number;
}

export function offPolicyEstimate(lines: Iterable<LoggedSlateLine>, policy: string): OffPolicyEstimate {
  let n = 0;
  let skipped = 0;
  let clicks = 0;
  let sumW = 0;
  let sumW2 = 0;
  let sumWR = 0;
  let sumWR2 = 0;
  for (const line of lines) {
    const top = line.slots[0];
    const target = line.topProbabilities[policy];
    if (!top || target === undefined || !(top.propensity > 0)) {
      skipped++;
      continue;
    }
    const w = target / top.propensity;
    const r = top.clicked ? 1 : 0;
    n++;
    clicks += r;
    sumW += w;
    sumW2 += w * w;
    sumWR += w * r;
    sumWR2 += w * w * r;
  }
  const ips = n === 0 ? 0 : sumWR / n;
  const variance = n < 2 ? 0 : (sumWR2 / n - ips * ips) * (n / (n - 1));
  return {
    policy,
    samples: n,
    skipped,
    loggedRate: n === 0 ? 0 : clicks / n,
    ips,
    ipsHalfWidth95: n === 0 ? 0 : 1.96 * Math.sqrt(Math.max(0, variance) / n),
    snips: sumW === 0 ? 0 : sumWR / sumW,
    effectiveSampleSize: sumW2 === 0 ? 0 : (sumW * sumW) / sumW2,
    meanWeight: n === 0 ? 0 : sumW / n,
  };
}
