import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/config/paths.js';

/*
 * Secrets given to lifelong never reach its output: the CLI runs with credentials for
 * Kafka SASL and ClickHouse (flag, env and inside the URL) against endpoints that fail,
 * with debug logging, and the whole output is searched for them.
 */
const SECRETS = ['kafka-Secret-7d1f', 'ch-Secret-93ab', 'url-Secret-55e0', 'env-Secret-0c2d'];

function runCli(args: string[], env: NodeJS.ProcessEnv, until: (output: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/main.ts'), ...args], {
      cwd: packageRoot(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no expected output within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (until(output)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

function assertNoSecret(output: string): void {
  for (const secret of SECRETS) assert.ok(!output.includes(secret), `the output contains the secret ${secret}:\n${output.slice(0, 3000)}`);
}

test('a failing ClickHouse connection logs the redacted config and an error without any credential', { timeout: 60_000 }, async () => {
  const output = await runCli(
    [
      'run',
      '--brokers', '127.0.0.1:1',
      '--kafka-sasl-mechanism', 'scram-sha-512',
      '--kafka-sasl-username', 'svc',
      '--kafka-sasl-password', SECRETS[0]!,
      '--clickhouse', `http://svc:${SECRETS[2]}@127.0.0.1:1`,
      '--log-level', 'debug',
      '--http-enabled', 'false',
    ],
    { LIFELONG_CLICKHOUSE_PASSWORD: SECRETS[1] },
    () => false,
    45_000,
  );
  assert.match(output, /lifelong starting/);
  assert.match(output, /\[redacted\]/);
  assert.match(output, /127\.0\.0\.1:1/, 'the error names where it failed');
  assertNoSecret(output);
});

test('kafkajs connection failures with SASL credentials log no credential', { timeout: 60_000 }, async () => {
  const output = await runCli(
    ['run', '--brokers', '127.0.0.1:1', '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'svc', '--log-level', 'debug', '--http-enabled', 'false', '--clickhouse-embedded-path', join(mkdtempSync(join(tmpdir(), 'lifelong-secrets-')), 'chdb')],
    { LIFELONG_KAFKA_SASL_PASSWORD: SECRETS[3] },
    (out) => /ECONNREFUSED|Connection error/i.test(out),
    45_000,
  );
  assert.match(output, /ECONNREFUSED|Connection error/i);
  assertNoSecret(output);
});
