import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseHandle } from '../../src/sinks/clickhouse/connect.js';
import { migrate, type MigrateResult } from '../../src/sinks/clickhouse/migrations.js';
import { clickHouseSink, type RowSink } from '../../src/sinks/clickhouse/batched-sink.js';
import { schemasDir } from '../../src/config/paths.js';
import { isLifelongError } from '../../src/errors/catalog.js';
import { silentLogger } from '../../src/observability/logger.js';

/*
 * The checks every ClickHouse engine lifelong supports must pass: the migrations, the
 * session sink and the session_returns view. Registered by
 * test/unit/sinks/clickhouse-embedded.test.ts (chdb) and
 * test/integration/clickhouse-server.test.ts (a real server over HTTP), which connect,
 * gate and clean up themselves.
 */

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
export const SESSIONS = [
  session('s1', 'u1', T0, T0 + 10 * 60_000, { normalized_utility: 0.8 }),
  session('s2', 'u1', T0 + HOUR, T0 + 2 * HOUR),
  session('s3', 'u1', T0 + 2 * HOUR + DAY + HOUR, T0 + 2 * HOUR + DAY + 2 * HOUR),
  session('s4', 'u2', T0, T0 + HOUR),
  session('s5', 'u3', T0, T0 + HOUR),
  session('s6', 'u3', T0 + HOUR + DAY, T0 + 2 * HOUR + DAY),
];
const EXPECTED_RETURNS = { s1: 1, s2: 0, s3: 0, s4: 0, s5: 1, s6: 0 };

const MIGRATIONS = ['001_session_metrics.sql', '002_session_returns.sql'];

export async function rows<T>(handle: ClickHouseHandle, query: string): Promise<T[]> {
  return (await handle.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export interface ClickHouseContract {
  /** The handle under test; the test file connects it in its before() hook. */
  handle(): ClickHouseHandle;
  /** A scratch directory the test file owns (and removes). */
  root: string;
  /** node:test's skip option for every test: false runs them, a string skips them with that reason. */
  skip?: string | false;
  /** The sink's retry delays (a server over HTTP wants longer ones). */
  sinkRetry: { initialDelayMs: number; maxDelayMs: number };
  /** The applied migration file to change and how; the error must name the file (and match `message`, if given). */
  changedMigration: { file: string; edit(sql: string): string; message?: RegExp };
  /** Engine-specific checks added to the migrate test, after a first and a second run. */
  afterMigrate?(first: MigrateResult): Promise<void>;
  /** Engine-specific checks added to the sink test, once the replay is written and the sink closed. */
  afterReplay?(sink: RowSink<Record<string, unknown>>): Promise<void>;
}

/** Registers the shared tests, in this order: they build on each other's tables and rows. */
export function clickHouseContract(engine: ClickHouseContract): void {
  const { skip = false } = engine;
  const query = <T>(sql: string): Promise<T[]> => rows<T>(engine.handle(), sql);

  test('migrate applies every file once; a second run applies nothing', { skip }, async () => {
    const first = await migrate(engine.handle(), { logger: silentLogger() });
    assert.deepEqual(first.applied, MIGRATIONS);
    const second = await migrate(engine.handle(), { logger: silentLogger() });
    assert.deepEqual(second.applied, []);
    assert.deepEqual(second.skipped, MIGRATIONS);
    await engine.afterMigrate?.(first);
  });

  test('an applied migration whose file changed is MIGRATION_FAILED', { skip }, async () => {
    const { file, edit, message } = engine.changedMigration;
    const dir = join(engine.root, 'migrations');
    cpSync(join(schemasDir(), 'clickhouse'), dir, { recursive: true });
    const path = join(dir, file);
    writeFileSync(path, edit(readFileSync(path, 'utf8')));
    await assert.rejects(
      migrate(engine.handle(), { dir, logger: silentLogger() }),
      (e) => isLifelongError(e, 'MIGRATION_FAILED') && e.message.includes(file) && (message === undefined || message.test(e.message)),
    );
  });

  test('session rows replayed through the sink collapse to one per session; the latest version wins', { skip }, async () => {
    const sink = clickHouseSink<Record<string, unknown>>(engine.handle(), {
      table: 'session_metrics',
      maxBatchRows: 4,
      maxBatchDelayMs: 20,
      maxBufferedRows: 100,
      retry: { ...engine.sinkRetry, maxAttempts: Infinity },
      logger: silentLogger(),
    });
    // Several small writes, as from several partitions, then the whole replay again with
    // one session corrected at a higher version.
    await Promise.all([sink.write(SESSIONS.slice(0, 2)), sink.write(SESSIONS.slice(2, 3)), sink.write(SESSIONS.slice(3))]);
    await sink.write(SESSIONS.map((row) => (row['session_id'] === 's4' ? { ...row, clicks: 9, version: 2 } : row)));
    await sink.close();
    await engine.afterReplay?.(sink);

    const [final] = await query<{ n: string }>('SELECT count() AS n FROM session_metrics FINAL');
    assert.equal(Number(final?.n), SESSIONS.length);
    const s4 = await query<{ clicks: number; version: string }>("SELECT clicks, version FROM session_metrics FINAL WHERE session_id = 's4'");
    assert.deepEqual(s4, [{ clicks: 9, version: '2' }]);
    // UInt64 reads back as a JSON string on both engines (see connect.ts), Nullable null as null.
    const s1 = await query<{ start_ms: string; normalized_utility: number | null; start_s: number }>(
      "SELECT start_ms, normalized_utility, toUnixTimestamp(start_time) AS start_s FROM session_metrics FINAL WHERE session_id IN ('s1', 's2') ORDER BY session_id",
    );
    assert.deepEqual(s1, [
      { start_ms: String(T0), normalized_utility: 0.8, start_s: T0 / 1000 },
      { start_ms: String(T0 + HOUR), normalized_utility: null, start_s: (T0 + HOUR) / 1000 },
    ]);
  });

  test('session_returns marks sessions followed by another start of the same user within 24 h', { skip }, async () => {
    const result = await query<{ session_id: string; user_id: string; end_ms: string; returned: number }>(
      'SELECT session_id, user_id, end_ms, returned FROM session_returns ORDER BY session_id',
    );
    assert.deepEqual(Object.fromEntries(result.map((r) => [r.session_id, r.returned])), EXPECTED_RETURNS);
    const s5 = result.find((r) => r.session_id === 's5');
    assert.deepEqual(s5, { session_id: 's5', user_id: 'u3', end_ms: String(T0 + HOUR), returned: 1 });
  });

  test('an unknown column is rejected rather than dropped', { skip }, async () => {
    await assert.rejects(
      engine.handle().client.insert({ table: 'session_metrics', values: [{ ...SESSIONS[0], no_such_column: 1 }], format: 'JSONEachRow' }),
      /Unknown field/,
    );
  });
}
