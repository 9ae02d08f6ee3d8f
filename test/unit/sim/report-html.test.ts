import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DayMetrics } from '../../../src/sim/day-metrics.js';
import { BASELINE } from '../../../src/sim/parameters.js';
import { compare, totalsOf, type PolicyRun, type SimulationReport } from '../../../src/sim/report.js';
import { renderReportHtml } from '../../../src/sim/report-html.js';

const day = (d: number, activeShare: number): DayMetrics => ({
  day: d, activeUsers: 10 * activeShare, activeShare, returnRate: d === 0 ? null : activeShare, sessions: 10, requests: 50, impressions: 500, clicks: 50, ctr: 0.1, engagement: 80,
  engagementPerActiveUser: 8, dwellMsPerActiveUser: 60_000, follows: 1, gifts: 0, sessionLength: 5, categoriesPerUser: 3, categoryCoverage: 0.5, unfamiliarShare: 0.2, unfamiliarCtr: 0.05,
  meanSessionSatisfaction: 0.4, creatorsActive: 9, itemsPublished: 3, topSlotImpressions: 50, topSlotClicks: 6,
});
const run = (policy: string, shares: number[]): PolicyRun => {
  const days = shares.map((s, d) => day(d, s));
  return { policy, days, totals: totalsOf(days, 10), wallSeconds: 1, eventsSent: 100 };
};

test('the page: one SVG line per policy per chart, the totals and the comparison, nothing external', () => {
  const runs = [run('greedy', [1, 0.6, 0.5]), run('lifelong<script>', [1, 0.7, 0.65])];
  const report: SimulationReport = { kind: 'lifelong-simulation', createdAt: 'now', users: 10, days: 3, seed: 1, parameters: BASELINE, transport: 'memory', runs, comparison: compare(runs) };
  const html = renderReportHtml(report);
  const charts = html.match(/<svg /g) ?? [];
  assert.ok(charts.length >= 10, `${charts.length} charts`);
  assert.equal((html.match(/<path /g) ?? []).length, charts.length * 2, 'one line per policy in every chart');
  assert.match(html, /aria-label="Return rate \(active yesterday and today\)"/);
  assert.match(html, /last-day return rate \+30\.0%/);
  assert.doesNotMatch(html, /<script/, 'names are escaped; the page has no script');
  assert.doesNotMatch(html, /(src|href)=/, 'no external resource');
});
