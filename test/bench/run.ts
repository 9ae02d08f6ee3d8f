/**
 * `npm run bench [-- name …]`: runs every test/bench/*.bench.ts (or the named ones) in
 * its own Node process — with --expose-gc, so memory figures start from a collected heap
 * — and prints one JSON object: { bench name: that bench's JSON result }. Benchmarks are
 * never timed tests; they report figures (and ratios against a ceiling measured in the
 * same run) for a human or a CI job to compare.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = new Set(process.argv.slice(2));
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.size === 0 || wanted.has(name))
  .sort();

const results: Record<string, unknown> = {};
let failed = false;
for (const name of benches) {
  process.stderr.write(`bench ${name}…\n`);
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(dir, `${name}.bench.ts`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  try {
    results[name] = JSON.parse(last) as unknown;
  } catch {
    results[name] = { error: `exit ${child.status ?? child.signal}; no JSON result`, output: child.stdout.slice(-2_000) };
    failed = true;
  }
  if (child.status !== 0) failed = true;
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
process.exit(failed ? 1 : 0);
