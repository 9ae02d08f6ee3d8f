/**
 * The satisfaction measures of one session, as pure functions of its counts so each
 * can be checked against a hand computation.
 */

/** Shannon entropy in bits of a distribution given by counts (ClickHouse's entropy()). */
export function entropyBits(counts: Iterable<number>): number {
  let total = 0;
  const values: number[] = [];
  for (const c of counts) {
    if (c > 0) {
      values.push(c);
      total += c;
    }
  }
  let h = 0;
  for (const c of values) {
    const p = c / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Intra-list diversity of one slate when items are compared by category: the share of
 * item pairs whose categories differ (1 − mean pairwise similarity). Undefined below two items.
 */
export function slateDiversity(categoryCounts: Iterable<number>): number | undefined {
  let n = 0;
  let samePairs = 0;
  for (const c of categoryCounts) {
    n += c;
    samePairs += c * (c - 1);
  }
  if (n < 2) return undefined;
  return 1 - samePairs / (n * (n - 1));
}

/**
 * Normalized session utility, after the Normalized U-Measure: the session is one trail
 * of items in order of first exposure; a gain found at position c (cost = items seen
 * before it) is discounted by max(0, 1 − c/L) with L the trail length; the sum is
 * divided by the utility of the ideal trail that puts the same gains first, largest
 * first. An item engaged with later still counts where it was first shown. Null when
 * the session has no positive.
 */
export function normalizedUtility(trail: ReadonlyArray<readonly [position: number, gain: number]>, trailLength: number): number | null {
  const gains: number[] = [];
  let actual = 0;
  // Summed in position order whatever the entries' order (Object.values lists integer-like
  // itemIds first), so an ideal trail gives exactly 1 and never 1.0000000000000002.
  for (const [position, gain] of [...trail].sort((a, b) => a[0] - b[0])) {
    if (gain <= 0) continue;
    gains.push(gain);
    actual += gain * discount(position, trailLength);
  }
  if (gains.length === 0) return null;
  gains.sort((a, b) => b - a);
  let ideal = 0;
  gains.forEach((gain, position) => (ideal += gain * discount(position, trailLength)));
  return actual / ideal;
}

function discount(cost: number, length: number): number {
  return Math.max(0, 1 - cost / length);
}
