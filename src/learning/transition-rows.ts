import type { Transition } from './transition.js';

/**
 * One transition as a row of float32s: the layout shared by the main thread's batches
 * (posted to the training worker with their buffers transferred) and the replay buffer,
 * so a batch is appended with one copy per row and no per-transition objects.
 *
 *   [state × dim | next × dim | reward click, follow, gift | click | dtHours]
 */
export const REWARDS_AT = (dim: number): number => 2 * dim;
export const CLICK_AT = (dim: number): number => 2 * dim + 3;
export const DT_HOURS_AT = (dim: number): number => 2 * dim + 4;

export function transitionRowWidth(dim: number): number {
  return 2 * dim + 5;
}

/** Writes `transition` as the row starting at `offset` of `rows`; throws when its features are not `dim` long. */
export function writeTransitionRow(rows: Float32Array, offset: number, transition: Transition, dim: number): void {
  const { state, next, rewards } = transition;
  if (state.length !== dim || next.length !== dim) throw new Error(`transition features have length ${state.length}/${next.length}, expected ${dim}`);
  for (let i = 0; i < dim; i++) {
    rows[offset + i] = state[i]!;
    rows[offset + dim + i] = next[i]!;
  }
  const r = offset + REWARDS_AT(dim);
  rows[r] = rewards[0];
  rows[r + 1] = rewards[1];
  rows[r + 2] = rewards[2];
  rows[offset + CLICK_AT(dim)] = transition.click > 0 ? 1 : 0;
  rows[offset + DT_HOURS_AT(dim)] = Math.max(0, transition.dtHours);
}
