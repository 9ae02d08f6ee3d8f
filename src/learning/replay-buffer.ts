import type { SeededRandom } from '../sim/random.js';
import type { Transition } from './transition.js';

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
 * A bounded ring buffer of transitions in preallocated typed arrays: appending copies a
 * few numbers and never allocates; when full, the oldest transition is overwritten.
 * Memory is capacity × (2 × dim + 5) × 4 bytes.
 */
export class ReplayBuffer {
  private readonly states: Float32Array;
  private readonly nexts: Float32Array;
  private readonly rewards: Float32Array;
  private readonly clicks: Float32Array;
  private readonly dtHours: Float32Array;
  private head = 0;
  private filled = 0;
  /** Transitions ever appended. */
  appended = 0;

  constructor(
    readonly capacity: number,
    readonly dim: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`replay capacity must be a positive integer, got ${capacity}`);
    this.states = new Float32Array(capacity * dim);
    this.nexts = new Float32Array(capacity * dim);
    this.rewards = new Float32Array(capacity * 3);
    this.clicks = new Float32Array(capacity);
    this.dtHours = new Float32Array(capacity);
  }

  get size(): number {
    return this.filled;
  }

  push(transition: Transition): void {
    const { dim } = this;
    if (transition.state.length !== dim || transition.next.length !== dim) throw new Error(`transition features have length ${transition.state.length}/${transition.next.length}, expected ${dim}`);
    const at = this.head;
    const base = at * dim;
    for (let i = 0; i < dim; i++) {
      this.states[base + i] = transition.state[i]!;
      this.nexts[base + i] = transition.next[i]!;
    }
    this.rewards[at * 3] = transition.rewards[0];
    this.rewards[at * 3 + 1] = transition.rewards[1];
    this.rewards[at * 3 + 2] = transition.rewards[2];
    this.clicks[at] = transition.click > 0 ? 1 : 0;
    this.dtHours[at] = Math.max(0, transition.dtHours);
    this.head = (at + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
    this.appended++;
  }

  /** A uniform sample with replacement, its discounts computed for `gammaPerHour`. */
  sample(size: number, random: SeededRandom, gammaPerHour: number): Batch {
    if (this.filled === 0) throw new Error('cannot sample an empty replay buffer');
    const { dim } = this;
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
      const at = Math.floor(random.next() * this.filled);
      batch.state.set(this.states.subarray(at * dim, at * dim + dim), row * dim);
      batch.next.set(this.nexts.subarray(at * dim, at * dim + dim), row * dim);
      batch.rewards.set(this.rewards.subarray(at * 3, at * 3 + 3), row * 3);
      batch.discount[row] = Math.exp(logGamma * this.dtHours[at]!);
      batch.click[row] = this.clicks[at]!;
    }
    return batch;
  }
}
