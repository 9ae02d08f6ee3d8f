import { test } from 'node:test';
import assert from 'node:assert/strict';

/**
 * Integration tests run against the services `npm test` starts (test/run.mjs). When one
 * is missing: under CI=true the test fails, elsewhere it is skipped with a loud reason.
 */
export const IN_CI = process.env['CI'] === 'true';
export const TEST_BROKERS = process.env['LIFELONG_TEST_BROKERS'] ?? '127.0.0.1:19092';
export const TEST_CLICKHOUSE_URL = process.env['LIFELONG_TEST_CLICKHOUSE_URL'] ?? process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';

export async function clickhouseUnreachable(url = TEST_CLICKHOUSE_URL): Promise<string | undefined> {
  try {
    const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(3_000) });
    return response.ok ? undefined : `GET ${url}/ping answered HTTP ${response.status}`;
  } catch (error) {
    return `ClickHouse at ${url} unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export async function kafkaUnreachable(brokers = TEST_BROKERS): Promise<string | undefined> {
  const { Socket } = await import('node:net');
  const [host, port] = brokers.split(',')[0]!.split(':');
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(3_000, () => done(`Kafka at ${brokers} did not answer within 3 s`));
    socket.once('error', (error) => done(`Kafka at ${brokers} unreachable: ${error.message}`));
    socket.connect(Number(port), host!, () => done(undefined));
  });
}

/**
 * Returns false (skip) or a reason string; in CI an unreachable service becomes a
 * failing test instead of a skip.
 */
export async function serviceGate(name: string, ...reasons: Array<Promise<string | undefined>>): Promise<false | string> {
  const missing = (await Promise.all(reasons)).filter((r): r is string => r !== undefined);
  if (missing.length === 0) return false;
  const reason = missing.join('; ');
  if (IN_CI) {
    test(`${name}: services reachable`, () => assert.fail(`CI=true and a required service is down: ${reason}`));
  } else {
    console.warn(`\n!!! SKIPPING ${name}: ${reason}. Run \`npm test\` (it starts them) or \`bash deploy/local/services.sh start\`.\n`);
  }
  return reason;
}

/** Polls a condition until it holds or the timeout passes (a wait on state, never a fixed sleep). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
