/**
 * Exponential decay applied lazily, by forward decay (Cormode et al., 2009): an event at
 * time t is stored with weight w·2^((t − L)/h) relative to a landmark L, and everything
 * is read at time `now` by multiplying with 2^((L − now)/h). Adding an event touches
 * only the cells it changes — never the rest of the user's table — and events may arrive
 * out of order. Ratios of decayed sums (means) need no read factor at all.
 *
 * Stored values grow as 2^((t − L)/h); before they leave float32's comfortable range the
 * state is rebased: L moves to the new event and every stored cell is scaled down once.
 */
export const REBASE_AFTER_HALF_LIVES = 24;

/** The factor an event at `ts` is stored with, relative to landmark `landmark`. */
export function growth(ts: number, landmark: number, halfLifeMs: number): number {
  return Math.pow(2, (ts - landmark) / halfLifeMs);
}

/** The factor that turns stored values into values decayed to `now`. */
export function decayTo(now: number, landmark: number, halfLifeMs: number): number {
  return Math.pow(2, (landmark - now) / halfLifeMs);
}

export function needsRebase(ts: number, landmark: number, halfLifeMs: number): boolean {
  return (ts - landmark) / halfLifeMs > REBASE_AFTER_HALF_LIVES;
}
