import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClickHouse, type ClickHouseHandle } from '../../../src/sinks/clickhouse/connect.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { clickHouseContract, rows, SESSIONS } from '../../support/clickhouse-contract.js';

/*
 * The shared ClickHouse checks (test/support/clickhouse-contract.ts) against the embedded
 * engine (chdb), plus what is particular to it. test/integration/clickhouse-server.test.ts
 * runs the same checks against a real server.
 */

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

test('connects embedded, bound to the configured database', async () => {
  assert.equal(handle.kind, 'embedded');
  assert.match(handle.describe, /^embedded at /);
  assert.deepEqual(await rows(handle, 'SELECT currentDatabase() AS db'), [{ db: 'lifelong_test' }]);
});

test('a second embedded path in the same process is a clear configuration error', async () => {
  await assert.rejects(
    connectClickHouse({ embeddedPath: join(root, 'other'), database: 'x', username: 'default', requestTimeoutMs: 1_000 }),
    (e) => isLifelongError(e, 'CONFIG_INVALID') && /one per process/.test(e.message),
  );
});

clickHouseContract({
  handle: () => handle,
  root,
  sinkRetry: { initialDelayMs: 10, maxDelayMs: 100 },
  changedMigration: {
    file: '001_session_metrics.sql',
    edit: (sql) => sql.replace('user_id String,', 'user_id String, extra String,'),
    message: /must not change/,
  },
  async afterMigrate(first) {
    assert.deepEqual(first.skipped, []);
    const ledger = await rows<{ version: number; name: string }>(handle, 'SELECT version, name FROM lifelong_migrations ORDER BY version');
    assert.deepEqual(ledger, [{ version: 1, name: '001_session_metrics.sql' }, { version: 2, name: '002_session_returns.sql' }]);
  },
  async afterReplay(sink) {
    assert.equal(sink.pendingRows, 0);
    const [total] = await rows<{ n: string }>(handle, 'SELECT count() AS n FROM session_metrics');
    assert.equal(Number(total?.n), SESSIONS.length * 2, 'both copies stored until a merge');
    const partitions = await rows<{ p: number }>(handle, 'SELECT DISTINCT toYYYYMM(start_time) AS p FROM session_metrics ORDER BY p');
    assert.deepEqual(partitions, [{ p: 202401 }, { p: 202402 }]);
  },
});
