import type { SeededRandom } from '../sim/random.js';
import type { Transition } from './transition.js';
import { CLICK_AT, DT_HOURS_AT, REWARDS_AT, transitionRowWidth, writeTransitionRow } from './transition-rows.js';

/** A training micro-batch, laid out for tensors (row-major). */
export interface Batch {
  readonly size: number;
  /** size × dim */
  readonly state: Float32Array;
  /** size × dim */
  readonly next: Float32Array;
  /** size × 3: click, follow, gift rewards */
  readonly rewards: Float32Array;
  /** size: γ^dtHours, the discount of the next state's value */
  readonly discount: Float32Array;
  /** size: 1 when the step had a click */
  readonly click: Float32Array;
}

/**
 * A bounded ring buffer of transitions in one preallocated typed array of rows (the
 * layout of transition-rows.ts): appending copies a few numbers and never allocates;
 * when full, the oldest transition is overwritten. Memory is capacity × (2 × dim + 5) × 4 bytes.
 */
export class ReplayBuffer {
  private readonly rows: Float32Array;
  private readonly width: number;
  private head = 0;
  private filled = 0;
  /** Transitions ever appended. */
  appended = 0;

  constructor(
    readonly capacity: number,
    readonly dim: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`replay capacity must be a positive integer, got ${capacity}`);
    this.width = transitionRowWidth(dim);
    this.rows = new Float32Array(capacity * this.width);
  }

  get size(): number {
    return this.filled;
  }

  push(transition: Transition): void {
    writeTransitionRow(this.rows, this.head * this.width, transition, this.dim);
    this.advance();
  }

  /** Appends the first `count` rows of `rows` (already in the row layout, as a TransitionBatcher packs them). */
  pushRows(rows: Float32Array, count: number): void {
    const { width } = this;
    if (rows.length < count * width) throw new Error(`a batch of ${count} transitions needs ${count * width} floats, got ${rows.length}`);
    // Only the newest `capacity` rows can survive: skip the rest.
    for (let row = Math.max(0, count - this.capacity); row < count; row++) {
      this.rows.set(rows.subarray(row * width, row * width + width), this.head * width);
      this.advance();
    }
    if (count > this.capacity) this.appended += count - this.capacity;
  }

  /** A uniform sample with replacement, its discounts computed for `gammaPerHour`. */
  sample(size: number, random: SeededRandom, gammaPerHour: number): Batch {
    if (this.filled === 0) throw new Error('cannot sample an empty replay buffer');
    const { dim, width } = this;
    const batch: Batch = {
      size,
      state: new Float32Array(size * dim),
      next: new Float32Array(size * dim),
      rewards: new Float32Array(size * 3),
      discount: new Float32Array(size),
      click: new Float32Array(size),
    };
    const logGamma = Math.log(gammaPerHour);
    for (let row = 0; row < size; row++) {
      const at = Math.floor(random.next() * this.filled) * width;
      batch.state.set(this.rows.subarray(at, at + dim), row * dim);
      batch.next.set(this.rows.subarray(at + dim, at + 2 * dim), row * dim);
      batch.rewards.set(this.rows.subarray(at + REWARDS_AT(dim), at + REWARDS_AT(dim) + 3), row * 3);
      batch.discount[row] = Math.exp(logGamma * this.rows[at + DT_HOURS_AT(dim)]!);
      batch.click[row] = this.rows[at + CLICK_AT(dim)]!;
    }
    return batch;
  }

  private advance(): void {
    this.head = (this.head + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
    this.appended++;
  }
}
