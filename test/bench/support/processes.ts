import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a live process has used, from /proc (Linux). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** The value of a counter summed over its labels, from a Prometheus /metrics page. */
export async function scrapeCounter(port: number, name: string): Promise<number> {
  let sum = 0;
  for (const line of await metricsLines(port)) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Rejects when the child exits: raced against a wait so a crashed run fails at once, not at the timeout. */
export function failOnExit(child: import('node:child_process').ChildProcess, what: string): Promise<never> {
  return new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`bench: ${what} exited (${code ?? signal})`))));
}

/** A histogram's count, sum and observations within `le`, summed over its labels, from a Prometheus /metrics page. */
export interface HistogramScrape {
  readonly count: number;
  readonly sum: number;
  readonly within: number;
}

export async function scrapeHistogram(port: number, name: string, le: number): Promise<HistogramScrape> {
  let count = 0;
  let sum = 0;
  let within = 0;
  const value = (line: string): number => Number(line.slice(line.lastIndexOf(' ') + 1));
  for (const line of await metricsLines(port)) {
    if (line.startsWith(`${name}_count`)) count += value(line);
    else if (line.startsWith(`${name}_sum`)) sum += value(line);
    else if (line.startsWith(`${name}_bucket`) && line.includes(`le="${le}"`)) within += value(line);
  }
  return { count, sum, within };
}

async function metricsLines(port: number): Promise<string[]> {
  return (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n');
}
