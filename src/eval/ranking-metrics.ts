/**
 * Ranking metrics of one recommended list against the items the user went on to engage
 * with (binary relevance), and the beyond-accuracy metrics of a set of lists.
 */

/** 1 when any of the first k recommended items is relevant, else 0. */
export function hitRateAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  for (let i = 0; i < Math.min(k, recommended.length); i++) if (relevant.has(recommended[i]!)) return 1;
  return 0;
}

/**
 * NDCG@k with binary gains: Σ_{i<k, rec_i relevant} 1/log2(i + 2), over the same sum for
 * an ideal list that puts min(k, |relevant|) relevant items first. A repeated item counts
 * once (at its first position). 0 when nothing is relevant.
 */
export function ndcgAtK(recommended: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  const ideal = Math.min(k, relevant.size);
  if (ideal === 0) return 0;
  let dcg = 0;
  const seen = new Set<string>();
  for (let i = 0; i < Math.min(k, recommended.length); i++) {
    const item = recommended[i]!;
    if (seen.has(item)) continue;
    seen.add(item);
    if (relevant.has(item)) dcg += 1 / Math.log2(i + 2);
  }
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

/** Share of the catalog that appears in at least one list. */
export function catalogCoverage(lists: Iterable<readonly string[]>, catalogSize: number): number {
  if (catalogSize === 0) return 0;
  const shown = new Set<string>();
  for (const list of lists) for (const item of list) shown.add(item);
  return shown.size / catalogSize;
}

/**
 * Mean self-information of the recommended items, −log2 p(i), with p(i) the share of
 * users who interacted with i (items nobody interacted with count as one user's worth).
 * Higher is more novel.
 */
export function meanNovelty(lists: Iterable<readonly string[]>, usersOfItem: (itemId: string) => number, users: number): number {
  let sum = 0;
  let n = 0;
  for (const list of lists) {
    for (const item of list) {
      sum += -Math.log2(Math.max(1, usersOfItem(item)) / Math.max(1, users));
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}
