import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { packageRoot } from '../../src/config/paths.js';

/** Stops or starts one of the local services with the project's own scripts (fault tests). */
export function service(action: 'start' | 'stop', name: 'kafka' | 'clickhouse'): void {
  // Without CLICKHOUSE_URL: with it the script treats the server as external and leaves it alone.
  const { CLICKHOUSE_URL: _external, ...env } = process.env;
  const result = spawnSync('bash', [join(packageRoot(), 'deploy/local', `${name}.sh`), action], { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`${name}.sh ${action} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
