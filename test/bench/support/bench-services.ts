import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../../src/config/paths.js';

const SCRIPT = join(packageRoot(), 'deploy/local/services.sh');
const SERVICES = ['kafka', 'clickhouse'] as const;

function services(action: 'start' | 'stop' | 'status', name: string, quiet = false): boolean {
  return spawnSync('bash', [SCRIPT, action, name], { stdio: quiet ? 'ignore' : ['ignore', 2, 2] }).status === 0;
}

/**
 * Starts the local services that are not already running (installing them on first use)
 * and returns a function that stops exactly those, leaving a developer's own running.
 */
export function ensureServices(): () => void {
  const started: string[] = [];
  for (const name of SERVICES) {
    if (services('status', name, true)) continue;
    if (!services('start', name)) throw new Error(`bench: deploy/local/services.sh start ${name} failed`);
    started.push(name);
  }
  return () => {
    for (const name of started.reverse()) services('stop', name);
  };
}
