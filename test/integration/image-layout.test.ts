import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import kafkajs from 'kafkajs';
import { ROOT } from '../support/deploy.js';
import { TEST_BROKERS, TEST_CLICKHOUSE_URL, clickhouseUnreachable, kafkaUnreachable, serviceGate, waitFor } from '../support/services.js';

/*
 * The runtime stage of deploy/Dockerfile, reproduced without a Docker engine: a directory
 * holding exactly what that stage copies — package.json, schemas/, dist/ compiled by tsc
 * from tsconfig.json, and node_modules with production dependencies only (what
 * `npm prune --omit=dev` leaves, without chdb's embedded engine and without tfjs-node, as
 * when its install fails) — then `node dist/src/cli/main.js run` from it, against the real
 * Kafka and ClickHouse: it must become ready, serve /healthz, /readyz and /metrics, and
 * stop cleanly on SIGTERM. What this cannot show: the base image, apt, npm ci's network,
 * tfjs-node's native install, the uid — those need Docker.
 */
const skip = await serviceGate('image layout (runtime stage) against Kafka and ClickHouse', kafkaUnreachable(), clickhouseUnreachable());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Production packages as npm sees them (what `npm prune --omit=dev` keeps), relative to node_modules. */
function productionPackages(): string[] {
  const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const base = join(ROOT, 'node_modules') + sep;
  const paths = listed.stdout
    .split('\n')
    .filter((p) => p.startsWith(base))
    .map((p) => relative(join(ROOT, 'node_modules'), p))
    .sort();
  assert.ok(paths.length > 20, `npm ls listed ${paths.length} production packages: ${listed.stderr}`);
  // Parents first; a nested package comes along with its parent's directory.
  return paths.filter((p, i) => !paths.slice(0, i).some((q) => p.startsWith(q + sep)));
}

describe('the image\'s runtime stage, reproduced in a directory', { skip }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lifelong-image-'));
  const app = join(root, 'app');
  const prefix = `imagelayout${Date.now().toString(36)}`;
  const database = `lifelong_image_${process.pid}`;
  let child: ChildProcess | undefined;
  let output = '';

  before(() => {
    mkdirSync(app);
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    cpSync(join(ROOT, 'schemas'), join(app, 'schemas'), { recursive: true });
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', join(app, 'dist'), '--declaration', 'false', '--sourceMap', 'false'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc failed: ${tsc.stdout}${tsc.stderr}`);
    for (const pkg of productionPackages()) {
      if (pkg.startsWith('@chdb' + sep) || pkg === join('@tensorflow', 'tfjs-node')) continue; // as the Dockerfile drops them
      const target = join(app, 'node_modules', pkg);
      mkdirSync(dirname(target), { recursive: true });
      // Hard links: nothing here writes into node_modules, and it costs no copy. Outside
      // the repository on purpose (module resolution must not fall back to its node_modules);
      // across file systems, a real copy.
      let cp = spawnSync('cp', ['-al', join(ROOT, 'node_modules', pkg), target], { encoding: 'utf8' });
      if (cp.status !== 0) {
        rmSync(target, { recursive: true, force: true });
        cp = spawnSync('cp', ['-a', join(ROOT, 'node_modules', pkg), target], { encoding: 'utf8' });
      }
      assert.equal(cp.status, 0, cp.stderr);
    }
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    const admin = new kafkajs.Kafka({ clientId: 'image-layout-cleanup', brokers: TEST_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
    await fetch(new URL('/', TEST_CLICKHOUSE_URL), { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  });

  test('carries production dependencies only: no compiler, test tools, embedded engine or tfjs-node', () => {
    for (const dev of ['typescript', 'tsx', 'fast-check', 'yaml', 'kubernetes-models']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `${dev} is a dev dependency`);
    assert.ok(!existsSync(join(app, 'node_modules', '@chdb')));
    for (const needed of ['kafkajs', '@clickhouse/client', 'avsc', 'rxjs', 'prom-client', '@tensorflow/tfjs']) assert.ok(existsSync(join(app, 'node_modules', needed)), `${needed} is there`);
    assert.ok(existsSync(join(app, 'dist', 'src', 'cli', 'main.js')));
  });

  test('`lifelong describe` runs from it (schemas and topologies resolve)', () => {
    const described = spawnSync(process.execPath, ['dist/src/cli/main.js', 'describe', '--log-level', 'silent'], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    assert.equal(described.status, 0, described.stderr);
    const topologies = JSON.parse(described.stdout) as { name: string }[];
    assert.ok(topologies.some((t) => t.name === 'session-metrics'));
  });

  test('`lifelong run` becomes ready against Kafka and ClickHouse, serves metrics, and stops on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['dist/src/cli/main.js', 'run'], {
      cwd: app,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        LIFELONG_APPLICATION_ID: prefix,
        LIFELONG_BROKERS: TEST_BROKERS,
        LIFELONG_PARTITIONS: '2',
        LIFELONG_TOPICS_EVENTS: `${prefix}.events`,
        LIFELONG_TOPICS_ITEMS: `${prefix}.items`,
        LIFELONG_TOPICS_RECOMMENDATIONS: `${prefix}.recommendations`,
        LIFELONG_TOPICS_DEAD_LETTER: `${prefix}.dead-letter`,
        LIFELONG_KAFKA_CLIENT_ID: prefix,
        LIFELONG_CLICKHOUSE_URL: TEST_CLICKHOUSE_URL,
        LIFELONG_CLICKHOUSE_DATABASE: database,
        LIFELONG_HTTP_HOST: '127.0.0.1',
        LIFELONG_HTTP_PORT: String(port),
        LIFELONG_SHUTDOWN_TIMEOUT_MS: '30000',
        LIFELONG_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    const status = async (path: string): Promise<number | undefined> => {
      try {
        return (await fetch(base + path, { signal: AbortSignal.timeout(2_000) })).status;
      } catch {
        return undefined;
      }
    };
    try {
      // Ready, and started: /readyz can answer 200 a moment before `run` has installed its
      // SIGTERM handler (a SIGTERM before that ends the process the default way).
      await waitFor('/readyz to answer 200', async () => child!.exitCode === null && /"msg":"started"/.test(output) && (await status('/readyz')) === 200, 120_000, 500);
    } catch (error) {
      assert.fail(`${String(error)}; exit code ${String(child.exitCode)}; output:\n${output.slice(-4000)}`);
    }
    assert.equal(await status('/healthz'), 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^lifelong_ready 1$/m);
    assert.match(metrics, /^lifelong_assigned_partitions 2$/m, 'the single instance owns both partitions');
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 35_000).unref())]);
    assert.equal(code, 0, `exit after SIGTERM (${String(child.signalCode)}); output:\n${output.slice(-4000)}`);
  });
});
