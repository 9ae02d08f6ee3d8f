import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClickHouse, type ClickHouseHandle } from '../../src/sinks/clickhouse/connect.js';
import { isLifelongError } from '../../src/errors/catalog.js';
import { clickHouseContract, rows } from '../support/clickhouse-contract.js';
import { TEST_CLICKHOUSE_URL } from '../support/services.js';

/*
 * The shared ClickHouse checks (test/support/clickhouse-contract.ts), as in
 * test/unit/sinks/clickhouse-embedded.test.ts, against a real server over HTTP (locally
 * the Debian clickhouse-server 18.16 from deploy/local/clickhouse.sh), plus what is
 * particular to it. Each run uses its own database and drops it afterwards.
 */
const URL_ = TEST_CLICKHOUSE_URL;
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

test('connects over HTTP, creating and binding the database', { skip }, async () => {
  assert.equal(ch().kind, 'server');
  assert.equal(ch().describe, new URL(URL_).origin);
  assert.deepEqual(await rows(ch(), 'SELECT currentDatabase() AS db'), [{ db: DATABASE }]);
});

test('a failed connection is SINK_UNAVAILABLE and its message carries no password', { skip }, async () => {
  const password = 'not-the-password-4711';
  await assert.rejects(
    connectClickHouse({ url: URL_, embeddedPath: root, database: DATABASE, username: 'no_such_user_lifelong', password, requestTimeoutMs: 5_000 }),
    (e) => isLifelongError(e, 'SINK_UNAVAILABLE') && !e.message.includes(password),
  );
});

clickHouseContract({
  handle: ch,
  root,
  skip,
  sinkRetry: { initialDelayMs: 50, maxDelayMs: 500 },
  changedMigration: { file: '002_session_returns.sql', edit: (sql) => sql.replace('86400000', '3600000') },
  async afterReplay(sink) {
    assert.equal(sink.healthy, true);
  },
});
