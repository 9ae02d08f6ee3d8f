import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClickHouse, type ClickHouseHandle } from '../../../src/sinks/clickhouse/connect.js';
import { migrate } from '../../../src/sinks/clickhouse/migrations.js';
import { clickHouseSink } from '../../../src/sinks/clickhouse/batched-sink.js';
import { schemasDir } from '../../../src/config/paths.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { silentLogger } from '../../../src/observability/logger.js';

// chdb allows one data directory per process, so the whole file shares one.
const root = mkdtempSync(join(tmpdir(), 'lifelong-chdb-'));
let handle: ClickHouseHandle;

before(async () => {
  handle = await connectClickHouse({ embeddedPath: join(root, 'data'), database: 'lifelong_test', username: 'default', requestTimeoutMs: 10_000 });
});

after(async () => {
  await handle.close();
  rmSync(root, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 31, 22); // crosses a month boundary: two partitions

function session(sessionId: string, userId: string, startMs: number, endMs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: sessionId,
    user_id: userId,
    // Unix seconds: parsed the same on 18.16 and 26.x, whatever the server time zone.
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

// u1: s1 then s2 an hour later (s1 returned); s3 starts 25 h after s2 ended (s2 did not).
// u2: a single session. u3: s6 starts exactly 24 h after s5 ended (inclusive bound).
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
  return (await handle.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

test('connects embedded, bound to the configured database', async () => {
  assert.equal(handle.kind, 'embedded');
  assert.match(handle.describe, /^embedded at /);
  assert.deepEqual(await rows('SELECT currentDatabase() AS db'), [{ db: 'lifelong_test' }]);
});

test('a second embedded path in the same process is a clear configuration error', async () => {
  await assert.rejects(
    connectClickHouse({ embeddedPath: join(root, 'other'), database: 'x', username: 'default', requestTimeoutMs: 1_000 }),
    (e) => isLifelongError(e, 'CONFIG_INVALID') && /one per process/.test(e.message),
  );
});

test('migrate applies every file once; a second run applies nothing', async () => {
  const first = await migrate(handle, { logger: silentLogger() });
  assert.deepEqual(first.applied, ['001_session_metrics.sql', '002_session_returns.sql']);
  assert.deepEqual(first.skipped, []);
  const second = await migrate(handle, { logger: silentLogger() });
  assert.deepEqual(second.applied, []);
  assert.deepEqual(second.skipped, ['001_session_metrics.sql', '002_session_returns.sql']);
  const ledger = await rows<{ version: number; name: string }>('SELECT version, name FROM lifelong_migrations ORDER BY version');
  assert.deepEqual(ledger, [{ version: 1, name: '001_session_metrics.sql' }, { version: 2, name: '002_session_returns.sql' }]);
});

test('an applied migration whose file changed is MIGRATION_FAILED', async () => {
  const dir = join(root, 'migrations');
  cpSync(join(schemasDir(), 'clickhouse'), dir, { recursive: true });
  const file = join(dir, '001_session_metrics.sql');
  writeFileSync(file, readFileSync(file, 'utf8').replace('user_id String,', 'user_id String, extra String,'));
  await assert.rejects(
    migrate(handle, { dir, logger: silentLogger() }),
    (e) => isLifelongError(e, 'MIGRATION_FAILED') && /001_session_metrics\.sql/.test(e.message) && /must not change/.test(e.message),
  );
});

test('session rows replayed through the sink collapse to one per session; the latest version wins', async () => {
  const sink = clickHouseSink<Record<string, unknown>>(handle, {
    table: 'session_metrics',
    maxBatchRows: 4,
    maxBatchDelayMs: 20,
    maxBufferedRows: 100,
    retry: { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: Infinity },
    logger: silentLogger(),
  });
  // Several small writes, as from several partitions, then the whole replay again with
  // one session corrected at a higher version.
  await Promise.all([sink.write(SESSIONS.slice(0, 2)), sink.write(SESSIONS.slice(2, 3)), sink.write(SESSIONS.slice(3))]);
  const replay = SESSIONS.map((row) => (row['session_id'] === 's4' ? { ...row, clicks: 9, version: 2 } : row));
  await sink.write(replay);
  await sink.close();
  assert.equal(sink.pendingRows, 0);

  const [total] = await rows<{ n: string }>('SELECT count() AS n FROM session_metrics');
  assert.equal(Number(total?.n), SESSIONS.length * 2, 'both copies stored until a merge');
  const [final] = await rows<{ n: string }>('SELECT count() AS n FROM session_metrics FINAL');
  assert.equal(Number(final?.n), SESSIONS.length);
  const s4 = await rows<{ clicks: number; version: string }>("SELECT clicks, version FROM session_metrics FINAL WHERE session_id = 's4'");
  assert.deepEqual(s4, [{ clicks: 9, version: '2' }]);
  // UInt64 reads back as a JSON string on both engines (see connect.ts), Nullable null as null.
  const s1 = await rows<{ start_ms: string; normalized_utility: number | null; start_s: number }>(
    "SELECT start_ms, normalized_utility, toUnixTimestamp(start_time) AS start_s FROM session_metrics FINAL WHERE session_id IN ('s1', 's2') ORDER BY session_id",
  );
  assert.deepEqual(s1, [
    { start_ms: String(T0), normalized_utility: 0.8, start_s: T0 / 1000 },
    { start_ms: String(T0 + HOUR), normalized_utility: null, start_s: (T0 + HOUR) / 1000 },
  ]);
  const partitions = await rows<{ p: number }>('SELECT DISTINCT toYYYYMM(start_time) AS p FROM session_metrics ORDER BY p');
  assert.deepEqual(partitions, [{ p: 202401 }, { p: 202402 }]);
});

test('session_returns marks sessions followed by another start of the same user within 24 h', async () => {
  const result = await rows<{ session_id: string; user_id: string; end_ms: string; returned: number }>(
    'SELECT session_id, user_id, end_ms, returned FROM session_returns ORDER BY session_id',
  );
  assert.deepEqual(
    Object.fromEntries(result.map((r) => [r.session_id, r.returned])),
    EXPECTED_RETURNS,
  );
  const s5 = result.find((r) => r.session_id === 's5');
  assert.deepEqual(s5, { session_id: 's5', user_id: 'u3', end_ms: String(T0 + HOUR), returned: 1 });
});

test('like the 18.16 server, an unknown column is rejected rather than dropped', async () => {
  await assert.rejects(
    handle.client.insert({ table: 'session_metrics', values: [{ ...SESSIONS[0], no_such_column: 1 }], format: 'JSONEachRow' }),
    /Unknown field/,
  );
});
