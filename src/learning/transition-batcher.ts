import type { Transition } from './transition.js';
import { transitionRowWidth, writeTransitionRow } from './transition-rows.js';

/** Transitions packed as rows (transition-rows.ts), ready to be posted with their buffer transferred. */
export interface TransitionBatch {
  readonly count: number;
  readonly rows: Float32Array;
}

/**
 * The main thread's side of the transition stream: `add` writes a transition into a
 * preallocated staging array (no per-transition allocation); `take` copies the filled
 * rows into an exactly sized array that the receiver may own (its buffer is transferred
 * to the worker, so the staging array is never shared). Batches that cannot be delivered
 * yet (before the engine is ready, or after it failed) wait in a queue bounded by
 * `maxQueuedRows`, dropping the oldest, as the replay buffer would have.
 */
export class TransitionBatcher {
  private readonly width: number;
  private readonly staging: Float32Array;
  private staged = 0;
  private readonly queue: TransitionBatch[] = [];
  private queuedRows = 0;
  /** Transitions dropped from the queue because it was full. */
  dropped = 0;

  constructor(
    readonly dim: number,
    readonly batchRows: number,
    private readonly maxQueuedRows: number,
  ) {
    this.width = transitionRowWidth(dim);
    this.staging = new Float32Array(batchRows * this.width);
  }

  /** Stages a transition; true when the staging batch is full and should be taken now. */
  add(transition: Transition): boolean {
    writeTransitionRow(this.staging, this.staged * this.width, transition, this.dim);
    return ++this.staged >= this.batchRows;
  }

  get stagedCount(): number {
    return this.staged;
  }

  /** The staged transitions as a batch of their own (undefined when none). */
  take(): TransitionBatch | undefined {
    if (this.staged === 0) return undefined;
    const batch = { count: this.staged, rows: this.staging.slice(0, this.staged * this.width) };
    this.staged = 0;
    return batch;
  }

  /** Keeps a batch for later delivery (bounded: the oldest batches go first). */
  hold(batch: TransitionBatch): void {
    this.queue.push(batch);
    this.queuedRows += batch.count;
    while (this.queuedRows > this.maxQueuedRows && this.queue.length > 1) {
      const oldest = this.queue.shift()!;
      this.queuedRows -= oldest.count;
      this.dropped += oldest.count;
    }
  }

  /** The held batches, oldest first, then the staged one; empties both. */
  drain(): TransitionBatch[] {
    const batches = this.queue.splice(0);
    this.queuedRows = 0;
    const staged = this.take();
    if (staged) batches.push(staged);
    return batches;
  }
}
