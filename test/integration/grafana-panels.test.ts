import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../src/cli/demo.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { connectClickHouse, type ClickHouseHandle } from '../../src/sinks/clickhouse/connect.js';
import { defaultTopologies } from '../../topologies/index.js';
import { expandMacros, panelQueries, type TimeRange } from '../support/deploy.js';
import { TEST_CLICKHOUSE_URL, clickhouseUnreachable, serviceGate } from '../support/services.js';

/*
 * Every ClickHouse panel of deploy/grafana/dashboards/sessions.json, executed on session
 * rows this test produces itself: the embedded demo (simulated users → in-memory log →
 * the real session-metrics topology → the batched ClickHouse sink, migrations included)
 * writes into a database of its own, then each panel's SQL runs with Grafana's macros
 * expanded for the dashboard range covering the data, and must return rows.
 *
 * - On the ClickHouse server (Debian's 18.16 here, via deploy/local): the macros expand
 *   to SQL 18.16 runs (it lacks toStartOfInterval, which the plugin emits).
 * - On the embedded engine (chdb, ClickHouse 26.x, no service needed): the macros expand
 *   exactly as grafana-clickhouse-datasource 4.x's pkg/macros does.
 */
const DEMO = { LIFELONG_DEMO_USERS: '300', LIFELONG_DEMO_DAYS: '3', LIFELONG_DEMO_SEED: '7', LIFELONG_HTTP_ENABLED: 'false', LIFELONG_LOG_LEVEL: 'silent' };
const queries = panelQueries('sessions').filter((q) => q.datasource.type === 'grafana-clickhouse-datasource');
const topologies = (): ReturnType<typeof defaultTopologies> => defaultTopologies({ sessionGapMs: 1_800_000, allowedLatenessMs: 300_000 });

async function produceSessions(env: Record<string, string>): Promise<number> {
  const config = loadConfig({ env: { ...DEMO, ...env } });
  const summary = await runDemo(config, topologies(), silentLogger());
  assert.ok(summary.sessions > 100, `the demo wrote ${summary.sessions} sessions`);
  return summary.sessions;
}

/** The dashboard's time range as a person would pick it: the data's span, with Grafana's step for ~500 points. */
async function rangeOf(handle: ClickHouseHandle): Promise<TimeRange> {
  const result = await handle.client.query({ query: 'SELECT toUInt32(min(end_time)) AS lo, toUInt32(max(end_time)) AS hi FROM session_metrics FINAL', format: 'JSONEachRow' });
  const [row] = await result.json<{ lo: number | string; hi: number | string }>();
  const from = Number(row!.lo) - 60;
  const to = Number(row!.hi) + 60;
  return { from, to, intervalSeconds: Math.max(60, Math.round((to - from) / 500)) };
}

async function rows(handle: ClickHouseHandle, sql: string): Promise<Record<string, unknown>[]> {
  const result = await handle.client.query({ query: sql, format: 'JSONEachRow' });
  return result.json<Record<string, unknown>>();
}

function checkValues(panel: string, result: Record<string, unknown>[]): void {
  assert.ok(result.length > 0, `${panel}: no rows`);
  for (const row of result) {
    for (const [column, value] of Object.entries(row)) {
      if (/^(ctr|return_rate|diversity|novelty|normalized_utility|skip_rate)$/.test(column) && value !== null) {
        const n = Number(value);
        assert.ok(n >= 0 && n <= 1, `${panel}: ${column} = ${String(value)} outside [0, 1]`);
      }
    }
  }
  const returnRate = result.find((r) => r['return_rate'] !== undefined)?.['return_rate'];
  if (returnRate !== undefined && result.length === 1) assert.ok(Number(returnRate) > 0, `${panel}: simulated users do return`);
}

test('the sessions dashboard has ClickHouse panels to check', () => {
  assert.ok(queries.length >= 10, `${queries.length} ClickHouse queries`);
});

const skip = await serviceGate('Grafana panel SQL on the ClickHouse server', clickhouseUnreachable());

describe('sessions dashboard SQL on the ClickHouse server', { skip }, () => {
  const database = `lifelong_grafana_${process.pid}_${Date.now() % 1_000_000}`;
  let handle: ClickHouseHandle | undefined;
  let range: TimeRange;
  const scratch = mkdtempSync(join(tmpdir(), 'lifelong-grafana-server-'));

  before(async () => {
    await produceSessions({ LIFELONG_CLICKHOUSE_URL: TEST_CLICKHOUSE_URL, LIFELONG_CLICKHOUSE_DATABASE: database });
    handle = await connectClickHouse({ url: TEST_CLICKHOUSE_URL, embeddedPath: join(scratch, 'unused'), database, username: 'default', requestTimeoutMs: 30_000 });
    range = await rangeOf(handle);
  });

  after(async () => {
    if (handle) {
      await handle.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await handle.close();
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the server is the one the DDL must support', async () => {
    const [row] = await rows(handle!, 'SELECT version() AS v');
    console.log(`    grafana panels on ClickHouse server ${String(row!['v'])}`);
  });

  for (const q of queries) {
    test(`${q.panel} (${q.refId}) returns rows`, async () => {
      checkValues(q.panel, await rows(handle!, expandMacros(q.text, range, 'portable')));
    });
  }
});

describe('sessions dashboard SQL on the embedded engine (ClickHouse 26.x), macros as the plugin expands them', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'lifelong-grafana-embedded-'));
  const path = join(scratch, 'chdb');
  let handle: ClickHouseHandle | undefined;
  let range: TimeRange;

  before(async () => {
    await produceSessions({ LIFELONG_CLICKHOUSE_EMBEDDED_PATH: path, LIFELONG_CLICKHOUSE_DATABASE: 'lifelong' });
    handle = await connectClickHouse({ embeddedPath: path, database: 'lifelong', username: 'default', requestTimeoutMs: 30_000 });
    range = await rangeOf(handle);
  });

  after(async () => {
    await handle?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const q of queries) {
    test(`${q.panel} (${q.refId}) returns rows`, async () => {
      checkValues(q.panel, await rows(handle!, expandMacros(q.text, range, 'modern')));
    });
  }
});
