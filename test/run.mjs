#!/usr/bin/env node
// `npm test`: type-check, bring up the real services the integration tests need (Kafka
// and ClickHouse, installed by deploy/local on first use), run every test in one node
// test run, and stop what it started. In CI (CI=true) a service that cannot start fails
// the run; elsewhere the integration tests are skipped with a loud message.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ci = process.env.CI === 'true';
const run = (command, args, options = {}) => spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });

const typecheck = run('npx', ['tsc', '-p', 'tsconfig.test.json']);
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);

const env = { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' };
// Services that were already up (a developer's, or LIFELONG_KEEP_SERVICES) are left running.
const wasRunning = run('bash', ['deploy/local/services.sh', 'status'], { stdio: 'ignore' }).status === 0;
let started = false;
const services = run('bash', ['deploy/local/services.sh', 'start']);
if (services.status === 0) {
  started = !wasRunning;
  env.LIFELONG_TEST_BROKERS ??= `127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`;
  env.LIFELONG_TEST_CLICKHOUSE_URL ??= process.env.CLICKHOUSE_URL ?? `http://127.0.0.1:${process.env.CLICKHOUSE_HTTP_PORT ?? 18123}`;
  console.log(`\n>>> integration tests run against real services: Kafka ${env.LIFELONG_TEST_BROKERS}, ClickHouse ${env.LIFELONG_TEST_CLICKHOUSE_URL}\n`);
} else if (ci) {
  console.error('\n!!! CI=true and the local services did not start: failing (see the messages above).\n');
  if (!wasRunning) run('bash', ['deploy/local/services.sh', 'stop']);
  process.exit(1);
} else {
  console.warn('\n!!! The local Kafka/ClickHouse services could not start (no Java or apt here?): integration tests will be SKIPPED.\n');
}

// Node 20's test runner does not expand globs itself, so the files are listed here.
const files = ['unit', 'topologies', 'integration'].flatMap((dir) =>
  existsSync(join(root, 'test', dir))
    ? readdirSync(join(root, 'test', dir), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join('test', dir, f))
    : [],
);
const tests = run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { env });

if (started && process.env.LIFELONG_KEEP_SERVICES !== '1') run('bash', ['deploy/local/services.sh', 'stop']);
process.exit(tests.status ?? 1);
