import type { Interaction } from './interaction-log.js';

export interface ReplayPlanOptions {
  /** A gap longer than this (event time) starts a new session of the user; each session start is a request point. */
  readonly sessionGapMs: number;
  /** Interactions after a request point (within its session) that make up its ground truth. */
  readonly horizon: number;
  /** Strength at or above which an interaction is positive (relevant); null strengths are positive. */
  readonly positiveAt: number;
  /** Interactions of the user before a request point needed for it to be evaluated. */
  readonly minHistory: number;
}

/** Where the user asks for a slate: just before the first interaction of one of their sessions. */
export interface RequestPoint {
  readonly requestId: string;
  readonly user: string;
  readonly ts: number;
  /** Positive items among the user's next `horizon` interactions of the session. */
  readonly relevant: ReadonlySet<string>;
  /** Interactions of the user before this point. */
  readonly history: number;
}

export type ReplayStep = { readonly kind: 'request'; readonly point: RequestPoint } | { readonly kind: 'interaction'; readonly interaction: Interaction };

export const isPositive = (interaction: Interaction, positiveAt: number): boolean => interaction.strength === null || interaction.strength >= positiveAt;

/**
 * The replay, in event-time order (ties keep file order): each interaction, and a request
 * point before each session's first interaction when the user has enough history and the
 * session has a positive interaction within the horizon to compare the slate with.
 */
export function planReplay(interactions: readonly Interaction[], options: ReplayPlanOptions): { steps: ReplayStep[]; points: RequestPoint[] } {
  const ordered = interactions.map((interaction, index) => ({ interaction, index })).sort((a, b) => a.interaction.ts - b.interaction.ts || a.index - b.index);
  const byUser = new Map<string, Interaction[]>();
  for (const { interaction } of ordered) {
    let list = byUser.get(interaction.user);
    if (!list) byUser.set(interaction.user, (list = []));
    list.push(interaction);
  }
  // The request points, keyed by the interaction they come before.
  const pointBefore = new Map<Interaction, RequestPoint>();
  for (const [user, list] of byUser) {
    let sessionStart = 0;
    for (let i = 0; i < list.length; i++) {
      const current = list[i]!;
      if (i > 0 && current.ts - list[i - 1]!.ts <= options.sessionGapMs) continue;
      sessionStart = i;
      if (i < options.minHistory) continue;
      const relevant = new Set<string>();
      for (let j = sessionStart; j < Math.min(list.length, sessionStart + options.horizon); j++) {
        const next = list[j]!;
        if (j > sessionStart && next.ts - list[j - 1]!.ts > options.sessionGapMs) break;
        if (isPositive(next, options.positiveAt)) relevant.add(next.item);
      }
      if (relevant.size === 0) continue;
      pointBefore.set(current, { requestId: `replay-${user}-${i}`, user, ts: Math.max(0, current.ts - 1), relevant, history: i });
    }
  }
  const steps: ReplayStep[] = [];
  const points: RequestPoint[] = [];
  for (const { interaction } of ordered) {
    const point = pointBefore.get(interaction);
    if (point) {
      steps.push({ kind: 'request', point });
      points.push(point);
    }
    steps.push({ kind: 'interaction', interaction });
  }
  return { steps, points };
}
