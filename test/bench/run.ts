/**
 * `npm run bench [-- name …]`: runs every test/bench/*.bench.ts (or the named ones) in
 * its own Node process — with --expose-gc, so memory figures start from a collected heap
 * — and collects { bench name: that bench's JSON result (its last stdout line) }, with
 * the seconds each took. The JSON goes to stdout and to bench-results/latest.json, a
 * short table to stderr. Benches that need the real services (kafka; recommend's Kafka
 * part) get them: the ones not already answering are started with
 * deploy/local/services.sh (installed first on a fresh machine) and stopped at the end.
 * Benchmarks are never timed tests; they report figures, and ratios against a ceiling
 * measured in the same run, for a human or a CI job to compare.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServices } from './support/bench-services.js';
import { formatTable, summaryRows } from './support/summary.js';
import { NODE_V8_FLAGS } from '../../src/runtime/node-flags.js';

const NEEDS_SERVICES = new Set(['kafka', 'recommend']);
const dir = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(dir, '../../bench-results');
const wanted = new Set(process.argv.slice(2));
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.size === 0 || wanted.has(name))
  .sort();

const results: Record<string, unknown> = {};
const seconds: Record<string, number> = {};
const started = performance.now();
let failed = false;
const stopServices = benches.some((name) => NEEDS_SERVICES.has(name)) ? await ensureServices() : () => {};
const servicesSeconds = Math.round((performance.now() - started) / 1000);
try {
  for (const name of benches) {
    process.stderr.write(`bench ${name}…\n`);
    const benchStarted = performance.now();
    // The V8 flags lifelong ships with, so the figures are those of the shipped processes.
    const child = spawnSync(process.execPath, [...NODE_V8_FLAGS, '--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(dir, `${name}.bench.ts`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
    seconds[name] = Math.round((performance.now() - benchStarted) / 1000);
    process.stderr.write(`bench ${name}: ${seconds[name]} s${child.status === 0 ? '' : ` (exit ${child.status ?? child.signal})`}\n`);
    const last = child.stdout.trim().split('\n').pop() ?? '';
    try {
      results[name] = JSON.parse(last) as unknown;
    } catch {
      results[name] = { error: `exit ${child.status ?? child.signal}; no JSON result`, output: child.stdout.slice(-2_000) };
      failed = true;
    }
    if (child.status !== 0) failed = true;
  }
} finally {
  stopServices();
}

const report = { at: new Date().toISOString(), node: process.version, totalSeconds: Math.round((performance.now() - started) / 1000), servicesSeconds, seconds, results };
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
const rows = benches.flatMap((name) => summaryRows(name, results[name]).map(([figure, value, against], i) => [i === 0 ? `${name} (${seconds[name]} s)` : '', figure, value, against] as [string, string, string, string]));
process.stderr.write(`\n${formatTable(rows)}\n\ntotal ${report.totalSeconds} s (services ${servicesSeconds} s); JSON in bench-results/latest.json\n`);
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
process.exit(failed ? 1 : 0);
