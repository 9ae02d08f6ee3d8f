/** Rounding and rates shared by the benches' JSON figures. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function perSecond(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}

/** CPU seconds (user + system, every thread of this process) spent by `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

export const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

/**
 * Heap figures need collections on demand: without --expose-gc (which `npm run bench`
 * passes) they are noise, negative bytes per user included, so a memory bench refuses.
 */
export function requireExposedGc(bench: string): void {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error(`${bench}: run it with node --expose-gc (npm run bench does); without it the heap figures are noise`);
}

/** The bench's result: the last line of stdout, as test/bench/run.ts reads it. */
export function emit(result: unknown): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}
