import type { DayMetrics } from './day-metrics.js';
import type { SimulationParameters } from './parameters.js';

/** One policy's run of the seeded world. */
export interface PolicyRun {
  readonly policy: string;
  readonly days: readonly DayMetrics[];
  readonly totals: PolicyTotals;
  readonly wallSeconds: number;
  readonly eventsSent: number;
  /** Sessions of this run read back from ClickHouse (session_metrics FINAL), when available. */
  readonly clickhouse?: { readonly sessions: number; readonly meanCtr: number; readonly meanUtility: number | null };
}

export interface PolicyTotals {
  readonly impressions: number;
  readonly clicks: number;
  readonly ctr: number;
  readonly engagement: number;
  readonly dwellMsPerUser: number;
  readonly follows: number;
  readonly gifts: number;
  /** Return rate of the last day (of the users active the day before, the share back). */
  readonly lastDayReturnRate: number | null;
  /** Active users of the last day over the population. */
  readonly lastDayActiveShare: number;
  readonly meanSessionLength: number;
  readonly meanCategoriesPerUser: number;
  readonly creatorsActiveAtEnd: number;
  /** Top-slot click rate (the quantity the off-policy estimate predicts). */
  readonly topSlotCtr: number;
}

export interface SimulationReport {
  readonly kind: 'lifelong-simulation';
  readonly createdAt: string;
  readonly users: number;
  readonly days: number;
  readonly seed: number;
  readonly parameters: SimulationParameters;
  readonly transport: 'memory' | 'kafka';
  readonly runs: readonly PolicyRun[];
  /** Each policy against the first one (relative differences), when there are two or more. */
  readonly comparison: readonly Comparison[];
}

export interface Comparison {
  readonly policy: string;
  readonly baseline: string;
  /** (policy − baseline) / baseline of the last day's return rate. */
  readonly lastDayReturnRate: number | null;
  readonly lastDayActiveShare: number | null;
  readonly totalEngagement: number | null;
  readonly ctr: number | null;
}

export function totalsOf(days: readonly DayMetrics[], population: number): PolicyTotals {
  const sum = (f: (d: DayMetrics) => number): number => days.reduce((s, d) => s + f(d), 0);
  const last = days[days.length - 1];
  const impressions = sum((d) => d.impressions);
  const clicks = sum((d) => d.clicks);
  const sessions = sum((d) => d.sessions);
  const activeDays = sum((d) => d.activeUsers);
  const topSlots = sum((d) => d.topSlotImpressions);
  return {
    impressions,
    clicks,
    ctr: impressions === 0 ? 0 : clicks / impressions,
    engagement: sum((d) => d.engagement),
    dwellMsPerUser: population === 0 ? 0 : sum((d) => d.dwellMsPerActiveUser * d.activeUsers) / population,
    follows: sum((d) => d.follows),
    gifts: sum((d) => d.gifts),
    lastDayReturnRate: last?.returnRate ?? null,
    lastDayActiveShare: last?.activeShare ?? 0,
    meanSessionLength: sessions === 0 ? 0 : sum((d) => d.requests) / sessions,
    meanCategoriesPerUser: activeDays === 0 ? 0 : sum((d) => d.categoriesPerUser * d.activeUsers) / activeDays,
    creatorsActiveAtEnd: last?.creatorsActive ?? 0,
    topSlotCtr: topSlots === 0 ? 0 : sum((d) => d.topSlotClicks) / topSlots,
  };
}

const relative = (value: number | null, base: number | null): number | null => (value === null || base === null || base === 0 ? null : (value - base) / base);

export function compare(runs: readonly PolicyRun[]): Comparison[] {
  const [base, ...others] = runs;
  if (!base) return [];
  return others.map((run) => ({
    policy: run.policy,
    baseline: base.policy,
    lastDayReturnRate: relative(run.totals.lastDayReturnRate, base.totals.lastDayReturnRate),
    lastDayActiveShare: relative(run.totals.lastDayActiveShare, base.totals.lastDayActiveShare),
    totalEngagement: relative(run.totals.engagement, base.totals.engagement),
    ctr: relative(run.totals.ctr, base.totals.ctr),
  }));
}
