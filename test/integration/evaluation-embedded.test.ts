import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay } from '../../src/cli/replay.js';
import { runSimulation } from '../../src/cli/simulate.js';
import { evaluateLog } from '../../src/cli/evaluate.js';
import { createLogger } from '../../src/observability/logger.js';
import { BASELINE } from '../../src/sim/parameters.js';

/*
 * The simulator and the replay against the real topologies on the embedded default
 * (in-memory log, chdb), at small sizes. chdb binds one data directory per process, so
 * the file shares one.
 */
const root = mkdtempSync(join(tmpdir(), 'lifelong-evaluation-'));
const logger = createLogger({ level: 'silent' });
const flags = {
  'clickhouse.embeddedPath': join(root, 'chdb'),
  'http.enabled': false,
  // Slates from the pair statistics, not from a critic trained in the background at its own pace: reproducible.
  'recommend.authorValue': 'statistics',
  'lifelongValue.enabled': false,
};
/** The 3,000 earliest ratings of MovieLens-small and their movies, kept in the repository (see its README). */
const MOVIELENS = join(import.meta.dirname, '../fixtures/movielens-slice');

after(() => rmSync(root, { recursive: true, force: true }));

describe('simulate through the real topologies (memory transport)', () => {
  const simulate = (out: string, slateLog?: string) =>
    runSimulation({ flags }, { users: 40, days: 2, policies: ['greedy'], seed: 5, params: BASELINE, outDir: join(root, out), slateTimeoutMs: 60_000, ...(slateLog ? { slateLog } : {}) }, logger);

  test('the same seed gives the same days, and every simulated session lands in ClickHouse', async () => {
    const slateLog = join(root, 'slates.jsonl');
    const first = await simulate('a', slateLog);
    const second = await simulate('b');
    const [a] = first.report.runs;
    const [b] = second.report.runs;
    assert.ok(a && b);
    assert.deepEqual(a.days, b.days);
    assert.ok(a.totals.impressions > 0 && a.totals.clicks > 0);
    const sessions = a.days.reduce((n, d) => n + d.sessions, 0);
    assert.equal(a.clickhouse?.sessions, sessions);
    assert.ok(existsSync(first.jsonPath));
    const html = readFileSync(first.htmlPath, 'utf8');
    assert.match(html, /<svg[^>]*aria-label="CTR"/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained: no script, no external resource');

    // The slate log: one line per served slate; evaluated on itself, IPS = the logged top-slot rate.
    const [own] = evaluateLog(slateLog, ['greedy']);
    assert.ok(own);
    assert.equal(own.samples, a.days.reduce((n, d) => n + d.topSlotImpressions, 0));
    assert.ok(Math.abs(own.loggedRate - a.totals.topSlotCtr) < 1e-12);
    assert.ok(Math.abs(own.ips - own.loggedRate) < 1e-12);
  });
});

describe('replay of MovieLens (a slice) through the real topologies', () => {
  test('scores the slates and both baselines at every request point', async () => {
    const report = await runReplay(
      { flags },
      {
        input: join(MOVIELENS, 'ratings_with_director.tsv'),
        columns: { user: 'userId', item: 'movieId', author: 'directorId', category: 'category', timestamp: 'timestamp', strength: 'rating' },
        items: { path: join(MOVIELENS, 'movies.csv'), itemColumn: 'movieId', categoryColumn: 'genres' },
        k: 10,
        horizon: 10,
        minHistory: 1,
        scale: { positiveAt: 4, negativeAt: 2 },
        limit: 3_000,
        policy: 'lifelong',
        slateTimeoutMs: 60_000,
      },
      logger,
    );
    assert.equal(report.interactions, 3_000);
    assert.ok(report.requestPoints > 10, `${report.requestPoints} request points`);
    assert.deepEqual(report.systems.map((s) => s.system), ['topologies (lifelong)', 'popularity', 'most-recent author']);
    for (const s of report.systems) {
      assert.equal(s.requests, report.requestPoints);
      for (const v of [s.hitRate, s.ndcg, s.coverage]) assert.ok(v >= 0 && v <= 1);
      assert.ok(s.ndcg <= s.hitRate);
    }
    assert.ok(report.systems[1]!.hitRate > 0, 'popularity finds something');
  });
});
