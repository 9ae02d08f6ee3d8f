import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DayMetrics } from '../../../src/sim/day-metrics.js';
import { findingMarkdown, findingRows } from '../../../src/sim/finding.js';
import { BASELINE } from '../../../src/sim/parameters.js';
import { totalsOf, type PolicyRun, type SimulationReport } from '../../../src/sim/report.js';

const day = (d: number, returnRate: number | null, engagement: number, clicks: number): DayMetrics => ({
  day: d, activeUsers: 10, activeShare: 1, returnRate, sessions: 10, requests: 50, impressions: 500, clicks, ctr: clicks / 500, engagement, engagementPerActiveUser: engagement / 10,
  dwellMsPerActiveUser: 0, follows: 0, gifts: 0, sessionLength: 5, categoriesPerUser: 3, categoryCoverage: 1, unfamiliarShare: 0, unfamiliarCtr: 0, meanSessionSatisfaction: 0.5,
  creatorsActive: 10, itemsPublished: 0, topSlotImpressions: 50, topSlotClicks: 5,
});
const run = (policy: string, days: DayMetrics[]): PolicyRun => ({ policy, days, totals: totalsOf(days, 10), wallSeconds: 1, eventsSent: 1 });

test('the finding row: relative differences of the challenger, and the issue targets', () => {
  const report: SimulationReport = {
    kind: 'lifelong-simulation', createdAt: '', users: 10, days: 2, seed: 3, parameters: BASELINE, transport: 'memory', comparison: [],
    runs: [run('greedy', [day(0, null, 100, 50), day(1, 0.5, 100, 50)]), run('lifelong', [day(0, null, 110, 50), day(1, 0.6, 110, 46)])],
  };
  const [row] = findingRows([report]);
  assert.ok(row);
  assert.ok(Math.abs(row.lastDayReturn! - 0.2) < 1e-12); // 0.6 vs 0.5
  assert.ok(Math.abs(row.engagement! - 0.1) < 1e-12); // 220 vs 200
  assert.ok(Math.abs(row.ctr! - -0.04) < 1e-12); // 96/1000 vs 100/1000
  assert.equal(row.meetsTargets, true);
  assert.match(findingMarkdown([row]), /\| baseline \| 3 \| 50\.0% \/ 60\.0% \| \+20\.0% \|/);
  const worse = findingRows([{ ...report, runs: [report.runs[0]!, run('lifelong', [day(0, null, 110, 50), day(1, 0.6, 110, 40)])] }])[0]!;
  assert.equal(worse.meetsTargets, false, 'CTR 20% below greedy misses the floor');
});
