import { readFileSync } from 'node:fs';
import { offPolicyEstimate, type LoggedSlateLine, type OffPolicyEstimate } from '../eval/ope.js';

/** Reads a slate log (JSONL, as `lifelong simulate --slate-log` writes it), optionally only the slates served by one logging policy. */
export function readSlateLog(path: string, loggedBy?: string): LoggedSlateLine[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const slates = lines.map((line, i) => {
    try {
      return JSON.parse(line) as LoggedSlateLine;
    } catch (error) {
      throw new Error(`lifelong: ${path} line ${i + 1} is not JSON`, { cause: error });
    }
  });
  return loggedBy ? slates.filter((s) => s.policy === loggedBy) : slates;
}

/** `lifelong evaluate`: IPS and SNIPS of each target policy's top-slot click rate from a slate log. */
export function evaluateLog(path: string, targets: readonly string[], loggedBy?: string): OffPolicyEstimate[] {
  const slates = readSlateLog(path, loggedBy);
  return targets.map((policy) => offPolicyEstimate(slates, policy));
}

export function evaluationSummary(path: string, estimates: readonly OffPolicyEstimate[]): string {
  const lines = ['', `off-policy estimates of the top-slot click rate from ${path}`];
  lines.push(`  ${'policy'.padEnd(20)} ${'slates'.padStart(8)} ${'skipped'.padStart(8)} ${'logged'.padStart(8)} ${'IPS'.padStart(16)} ${'SNIPS'.padStart(8)} ${'ESS'.padStart(8)}`);
  for (const e of estimates) {
    lines.push(`  ${e.policy.padEnd(20)} ${String(e.samples).padStart(8)} ${String(e.skipped).padStart(8)} ${e.loggedRate.toFixed(4).padStart(8)} ${`${e.ips.toFixed(4)} ± ${e.ipsHalfWidth95.toFixed(4)}`.padStart(16)} ${e.snips.toFixed(4).padStart(8)} ${e.effectiveSampleSize.toFixed(0).padStart(8)}`);
  }
  lines.push('');
  return lines.join('\n');
}
