import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClickHouse, type ClickHouseHandle } from '../../src/sinks/clickhouse/connect.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { clickHouseSink } from '../../src/sinks/clickhouse/batched-sink.js';
import { schemasDir } from '../../src/config/paths.js';
import { isLifelongError } from '../../src/errors/catalog.js';
import { silentLogger } from '../../src/observability/logger.js';

/*
 * The same checks as test/unit/sinks/clickhouse-embedded.test.ts, against a real server
 * over HTTP (locally the Debian clickhouse-server 18.16 from deploy/local/clickhouse.sh).
 * Each run uses its own database and drops it afterwards.
 */
const URL_ = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const IN_CI = process.env['CI'] === 'true';
const DATABASE = `lifelong_it_${process.pid}_${Date.now() % 1_000_000}`;

async function unreachableReason(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(3_000) });
    return response.ok ? undefined : `GET ${url}/ping answered HTTP ${response.status}`;
  } catch (error) {
    return `GET ${url}/ping failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;
  }
}

const reason = await unreachableReason(URL_);
const skip: string | false = reason === undefined ? false : `ClickHouse server unreachable (${reason})`;
if (reason !== undefined && !IN_CI) {
  console.warn(
    `\n!!! SKIPPING ClickHouse server integration tests: ${reason}.\n` +
      `!!! Start one with \`bash deploy/local/clickhouse.sh start\` or set CLICKHOUSE_URL. (With CI=true this fails instead.)\n`,
  );
}
if (reason !== undefined && IN_CI) {
  test('ClickHouse server is reachable', () => {
    assert.fail(`CI=true but the ClickHouse server at ${URL_} is unreachable: ${reason}. The harness must start it before integration tests.`);
  });
}
const live = reason === undefined;

const root = mkdtempSync(join(tmpdir(), 'lifelong-ch-it-'));
let handle: ClickHouseHandle | undefined;
const ch = (): ClickHouseHandle => {
  assert.ok(handle, 'not connected');
  return handle;
};

before(async () => {
  if (live) handle = await connectClickHouse({ url: URL_, embeddedPath: join(root, 'unused'), database: DATABASE, username: 'default', requestTimeoutMs: 10_000 });
});

after(async () => {
  if (handle !== undefined) {
    await handle.client.command({ query: `DROP DATABASE IF EXISTS ${DATABASE}` });
    await handle.close();
  }
  rmSync(root, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 31, 22);

function session(sessionId: string, userId: string, startMs: number, endMs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: sessionId,
    user_id: userId,
    start_time: Math.floor(startMs / 1000),
    end_time: Math.floor(endMs / 1000),
    start_ms: startMs,
    end_ms: endMs,
    duration_ms: endMs - startMs,
    requests: 3, impressions: 30, clicks: 4, likes: 1, shares: 0, comments: 0, follows: 0, gifts: 1,
    gift_value: 2.5, skips: 5, not_interested: 0, mutes: 0, dwell_ms: 120_000,
    ctr: 4 / 30, skip_rate: 5 / 30, distinct_categories: 6, category_entropy: 1.7, novelty_rate: 0.4,
    intra_list_diversity: 0.55, engagement_score: 3.25,
    normalized_utility: null,
    close_reason: 'inactivity', policy: 'bandit', arm: 'b', version: 1,
    ...extra,
  };
}

const SESSIONS = [
  session('s1', 'u1', T0, T0 + 10 * 60_000, { normalized_utility: 0.8 }),
  session('s2', 'u1', T0 + HOUR, T0 + 2 * HOUR),
  session('s3', 'u1', T0 + 2 * HOUR + DAY + HOUR, T0 + 2 * HOUR + DAY + 2 * HOUR),
  session('s4', 'u2', T0, T0 + HOUR),
  session('s5', 'u3', T0, T0 + HOUR),
  session('s6', 'u3', T0 + HOUR + DAY, T0 + 2 * HOUR + DAY),
];
const EXPECTED_RETURNS = { s1: 1, s2: 0, s3: 0, s4: 0, s5: 1, s6: 0 };

async function rows<T>(query: string): Promise<T[]> {
  return (await ch().client.query({ query, format: 'JSONEachRow' })).json<T>();
}

test('connects over HTTP, creating and binding the database', { skip }, async () => {
  assert.equal(ch().kind, 'server');
  assert.equal(ch().describe, new URL(URL_).origin);
  assert.deepEqual(await rows('SELECT currentDatabase() AS db'), [{ db: DATABASE }]);
});

test('a failed connection is SINK_UNAVAILABLE and its message carries no password', { skip }, async () => {
  const password = 'not-the-password-4711';
  await assert.rejects(
    connectClickHouse({ url: URL_, embeddedPath: root, database: DATABASE, username: 'no_such_user_lifelong', password, requestTimeoutMs: 5_000 }),
    (e) => isLifelongError(e, 'SINK_UNAVAILABLE') && !e.message.includes(password),
  );
});

test('migrate applies every file once; a second run applies nothing', { skip }, async () => {
  const first = await migrate(ch(), { logger: silentLogger() });
  assert.deepEqual(first.applied, ['001_session_metrics.sql', '002_session_returns.sql']);
  const second = await migrate(ch(), { logger: silentLogger() });
  assert.deepEqual(second.applied, []);
  assert.deepEqual(second.skipped, ['001_session_metrics.sql', '002_session_returns.sql']);
});

test('an applied migration whose file changed is MIGRATION_FAILED', { skip }, async () => {
  const dir = join(root, 'migrations');
  cpSync(join(schemasDir(), 'clickhouse'), dir, { recursive: true });
  const file = join(dir, '002_session_returns.sql');
  writeFileSync(file, readFileSync(file, 'utf8').replace('86400000', '3600000'));
  await assert.rejects(migrate(ch(), { dir, logger: silentLogger() }), (e) => isLifelongError(e, 'MIGRATION_FAILED') && /002_session_returns\.sql/.test(e.message));
});

test('session rows replayed through the sink collapse to one per session; the latest version wins', { skip }, async () => {
  const sink = clickHouseSink<Record<string, unknown>>(ch(), {
    table: 'session_metrics',
    maxBatchRows: 4,
    maxBatchDelayMs: 20,
    maxBufferedRows: 100,
    retry: { initialDelayMs: 50, maxDelayMs: 500, maxAttempts: Infinity },
    logger: silentLogger(),
  });
  await Promise.all([sink.write(SESSIONS.slice(0, 2)), sink.write(SESSIONS.slice(2, 3)), sink.write(SESSIONS.slice(3))]);
  await sink.write(SESSIONS.map((row) => (row['session_id'] === 's4' ? { ...row, clicks: 9, version: 2 } : row)));
  await sink.close();
  assert.equal(sink.healthy, true);

  const [final] = await rows<{ n: string }>('SELECT count() AS n FROM session_metrics FINAL');
  assert.equal(Number(final?.n), SESSIONS.length);
  assert.deepEqual(await rows("SELECT clicks, version FROM session_metrics FINAL WHERE session_id = 's4'"), [{ clicks: 9, version: '2' }]);
  assert.deepEqual(
    await rows("SELECT start_ms, normalized_utility, toUnixTimestamp(start_time) AS start_s FROM session_metrics FINAL WHERE session_id IN ('s1', 's2') ORDER BY session_id"),
    [
      { start_ms: String(T0), normalized_utility: 0.8, start_s: T0 / 1000 },
      { start_ms: String(T0 + HOUR), normalized_utility: null, start_s: (T0 + HOUR) / 1000 },
    ],
  );
});

test('session_returns marks sessions followed by another start of the same user within 24 h', { skip }, async () => {
  const result = await rows<{ session_id: string; user_id: string; end_ms: string; returned: number }>(
    'SELECT session_id, user_id, end_ms, returned FROM session_returns ORDER BY session_id',
  );
  assert.deepEqual(Object.fromEntries(result.map((r) => [r.session_id, r.returned])), EXPECTED_RETURNS);
  assert.deepEqual(result.find((r) => r.session_id === 's5'), { session_id: 's5', user_id: 'u3', end_ms: String(T0 + HOUR), returned: 1 });
});

test('an unknown column is rejected', { skip }, async () => {
  await assert.rejects(ch().client.insert({ table: 'session_metrics', values: [{ ...SESSIONS[0], no_such_column: 1 }], format: 'JSONEachRow' }), /Unknown field/);
});
