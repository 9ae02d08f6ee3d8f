import type { PolicyRun, SimulationReport } from './report.js';

/** The targets for the challenger against the baseline policy. */
export const TARGETS = { returnRate: 0.15, engagement: 0.1, ctrFloor: -0.1 } as const;

export interface FindingRow {
  readonly parameters: string;
  readonly seed: number;
  readonly users: number;
  readonly days: number;
  readonly baseline: RunFigures;
  readonly challenger: RunFigures;
  /** Relative differences, challenger against baseline. */
  readonly lastDayReturn: number | null;
  readonly lastWeekReturn: number | null;
  readonly engagement: number | null;
  readonly ctr: number | null;
  readonly meetsTargets: boolean;
}

export interface RunFigures {
  readonly policy: string;
  readonly lastDayReturn: number | null;
  /** Mean return rate over the last 7 days (less noisy than one day). */
  readonly lastWeekReturn: number | null;
  readonly engagement: number;
  readonly ctr: number;
  readonly creatorsActiveAtEnd: number;
  readonly categoriesPerUser: number;
}

const relative = (value: number | null, base: number | null): number | null => (value === null || base === null || base === 0 ? null : (value - base) / base);

function figures(run: PolicyRun): RunFigures {
  const week = run.days.slice(-7).map((d) => d.returnRate).filter((r): r is number => r !== null);
  return {
    policy: run.policy,
    lastDayReturn: run.totals.lastDayReturnRate,
    lastWeekReturn: week.length === 0 ? null : week.reduce((a, b) => a + b, 0) / week.length,
    engagement: run.totals.engagement,
    ctr: run.totals.ctr,
    creatorsActiveAtEnd: run.totals.creatorsActiveAtEnd,
    categoriesPerUser: run.totals.meanCategoriesPerUser,
  };
}

/** One row per report that ran both policies: the challenger against the baseline. */
export function findingRows(reports: readonly SimulationReport[], baseline = 'greedy', challenger = 'lifelong'): FindingRow[] {
  const rows: FindingRow[] = [];
  for (const report of reports) {
    const base = report.runs.find((r) => r.policy === baseline);
    const other = report.runs.find((r) => r.policy === challenger);
    if (!base || !other) continue;
    const [b, c] = [figures(base), figures(other)];
    const ctr = relative(c.ctr, b.ctr);
    const lastDayReturn = relative(c.lastDayReturn, b.lastDayReturn);
    const engagement = relative(c.engagement, b.engagement);
    rows.push({
      parameters: report.parameters.name,
      seed: report.seed,
      users: report.users,
      days: report.days,
      baseline: b,
      challenger: c,
      lastDayReturn,
      lastWeekReturn: relative(c.lastWeekReturn, b.lastWeekReturn),
      engagement,
      ctr,
      meetsTargets: lastDayReturn !== null && engagement !== null && ctr !== null && lastDayReturn >= TARGETS.returnRate && engagement >= TARGETS.engagement && ctr >= TARGETS.ctrFloor,
    });
  }
  return rows.sort((x, y) => (x.parameters < y.parameters ? -1 : x.parameters > y.parameters ? 1 : x.seed - y.seed));
}

/** The rows as a Markdown table (for the README and the closing note). */
export function findingMarkdown(rows: readonly FindingRow[]): string {
  const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const signed = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);
  const lines = [
    '| parameters | seed | day-D return g / l | Δ | last-7-day return g / l | Δ | engagement g / l | Δ | CTR g / l | Δ | creators active at the end g / l | targets met |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.parameters} | ${r.seed} | ${pct(r.baseline.lastDayReturn)} / ${pct(r.challenger.lastDayReturn)} | ${signed(r.lastDayReturn)} | ${pct(r.baseline.lastWeekReturn)} / ${pct(r.challenger.lastWeekReturn)} | ${signed(r.lastWeekReturn)} | ${r.baseline.engagement.toFixed(0)} / ${r.challenger.engagement.toFixed(0)} | ${signed(r.engagement)} | ${pct(r.baseline.ctr)} / ${pct(r.challenger.ctr)} | ${signed(r.ctr)} | ${r.baseline.creatorsActiveAtEnd} / ${r.challenger.creatorsActiveAtEnd} | ${r.meetsTargets ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n') + '\n';
}
