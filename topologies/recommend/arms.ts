import { LifelongError } from '../../src/index.js';

export const POLICIES = ['greedy', 'lifelong'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** One arm of an experiment: a name (logged with every slate and session), its policy and its share of users. */
export interface Arm {
  readonly name: string;
  readonly policy: PolicyName;
  readonly weight: number;
}

/**
 * Parses `recommend.arms` entries: `lifelong` (an arm named after its policy, weight 1),
 * `control=greedy` or `control=greedy:20` (weight 20). An unknown policy, a repeated arm
 * name or a weight that is not a positive number fails with the entry named.
 */
export function parseArms(entries: readonly string[]): Arm[] {
  if (entries.length === 0) throw armsInvalid('at least one arm is needed, e.g. "lifelong" or "control=greedy:50,treatment=lifelong:50"');
  const arms = entries.map((entry) => {
    const match = /^(?:([A-Za-z0-9_.-]+)=)?([a-z]+)(?::([0-9.]+))?$/.exec(entry.trim());
    if (!match) throw armsInvalid(`"${entry}" is not [name=]policy[:weight]`);
    const [, name, policy, weight] = match;
    if (!(POLICIES as readonly string[]).includes(policy!)) throw armsInvalid(`"${entry}": unknown policy ${policy}; known: ${POLICIES.join(', ')}`);
    const share = weight === undefined ? 1 : Number(weight);
    if (!(share > 0) || !Number.isFinite(share)) throw armsInvalid(`"${entry}": the weight must be a positive number`);
    return { name: name ?? policy!, policy: policy as PolicyName, weight: share };
  });
  const names = new Set<string>();
  for (const arm of arms) {
    if (names.has(arm.name)) throw armsInvalid(`arm ${arm.name} is named twice`);
    names.add(arm.name);
  }
  return arms;
}

/**
 * The arm of a user: a stable hash of the user id (FNV-1a, salted by the experiment)
 * placed on the arms' cumulative weights. Every instance, partition and restart agrees,
 * and the session-metrics topology labels sessions with the same answer.
 */
export function assignArm(arms: readonly Arm[], userId: string, salt = 'lifelong-experiment'): Arm {
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  const point = (stableHash(`${salt}:${userId}`) / 0x1_0000_0000) * total;
  let cumulative = 0;
  for (const arm of arms) {
    cumulative += arm.weight;
    if (point < cumulative) return arm;
  }
  return arms[arms.length - 1]!;
}

/**
 * FNV-1a over UTF-16 code units, then murmur3's finalizer: FNV alone leaves the high
 * bits of ids that differ only in their last characters (user-1, user-2, …) alike, and
 * the arm is read from the high bits. 32 bits unsigned.
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function armsInvalid(detail: string): LifelongError {
  return new LifelongError('CONFIG_INVALID', { detail: `recommend.arms: ${detail}` });
}
