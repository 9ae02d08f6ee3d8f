import { decayFactor } from '../lifelong-value/pair-state.js';
import type { RecommendUser } from './user-state.js';

const DAY_MS = 86_400_000;

/** The stable part forgets slowly: evidence halves every 30 days of event time. */
export const STABLE_NOVELTY_HALF_LIFE_MS = 30 * DAY_MS;
/** Prior of the stable part: Beta(1, 4), a mean of 0.2 before any evidence. */
export const NOVELTY_PRIOR = { successes: 1, failures: 4 } as const;
/** How many responses of this session weigh as much as the stable estimate. */
export const SESSION_PRIOR_STRENGTH = 4;

export interface NoveltyPropensity {
  /** The user's stable novelty-seeking rate (posterior mean of a Beta over decayed evidence). */
  readonly stable: number;
  /** This session's rate: the session's evidence shrunk toward the stable rate. */
  readonly session: number;
}

/**
 * How willing the user is to engage with categories unfamiliar to them, in two parts
 * (the novelty-seeking HRL idea): a stable per-user rate and a per-session rate that
 * starts at it and moves with what the user does in this session. The slate uses the
 * session rate.
 */
export function noveltyPropensity(user: RecommendUser, now: number): NoveltyPropensity {
  const factor = decayFactor(user.noveltyAt, now, STABLE_NOVELTY_HALF_LIFE_MS);
  const successes = user.noveltySuccesses * factor;
  const trials = user.noveltyTrials * factor;
  const stable = (NOVELTY_PRIOR.successes + successes) / (NOVELTY_PRIOR.successes + NOVELTY_PRIOR.failures + trials);
  const { session } = user;
  return { stable, session: (stable * SESSION_PRIOR_STRENGTH + session.successes) / (SESSION_PRIOR_STRENGTH + session.trials) };
}

/** Counts one unfamiliar item served (a trial) or engaged with (a success), in both parts. */
export function noteNovelty(user: RecommendUser, now: number, outcome: 'trial' | 'success'): void {
  const factor = decayFactor(user.noveltyAt, now, STABLE_NOVELTY_HALF_LIFE_MS);
  user.noveltyTrials *= factor;
  user.noveltySuccesses *= factor;
  user.noveltyAt = Math.max(user.noveltyAt, now);
  if (outcome === 'trial') {
    user.noveltyTrials++;
    user.session.trials++;
  } else {
    user.noveltySuccesses++;
    user.session.successes++;
  }
}
