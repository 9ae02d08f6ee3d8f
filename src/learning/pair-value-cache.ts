import { CLICK_LOGIT, OUTPUT_COUNT } from './critic-network.js';
import { OldestFirst } from './oldest-first.js';
import type { PairValue } from './transition.js';

export interface HeadWeights {
  readonly click: number;
  readonly follow: number;
  readonly gift: number;
}

/** States taken for one inference request: their keys in row order, the states row-major. */
export interface PendingStates {
  readonly keys: readonly string[];
  readonly states: Float32Array;
}

/**
 * The main thread's view of the critic: the latest state noted per pair (waiting for a
 * value) and the values computed so far, both bounded by `capacity` (the least recently
 * touched pairs go first). Reads never wait for the engine.
 */
export class PairValueCache {
  /** Pairs waiting for a value → their slot in `slab`, oldest first (a Map keeps insertion order). */
  private readonly pending = new Map<string, number>();
  /**
   * The noted states, one slot of inputDim floats per waiting pair, reused: noting runs
   * once per step start on the per-record path, and a typed array per note was garbage
   * for the collector. Grows by doubling up to `capacity` slots.
   */
  private slab: Float32Array;
  private readonly freeSlots: number[] = [];
  private usedSlots = 0;
  private readonly values = new Map<string, PairValue>();
  private readonly oldestPending = new OldestFirst(this.pending);
  private readonly oldestValue = new OldestFirst(this.values);

  constructor(
    readonly inputDim: number,
    readonly capacity: number,
    private readonly headWeights: HeadWeights,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`the value cache needs a capacity of at least 1 pair, got ${capacity}`);
    this.slab = new Float32Array(Math.min(capacity, 1_024) * inputDim);
  }

  get size(): number {
    return this.values.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  note(key: string, state: ArrayLike<number>): void {
    const dim = this.inputDim;
    if (state.length !== dim) throw new Error(`state has ${state.length} features, expected ${dim}`);
    let slot = this.pending.get(key);
    if (slot !== undefined) {
      // Noted again: it moves to the newest end, in the same slot.
      this.pending.delete(key);
    } else if (this.pending.size >= this.capacity) {
      // Full: the least recently noted pair gives up its slot.
      const [oldest, oldestSlot] = this.oldestPending.take();
      this.pending.delete(oldest);
      slot = oldestSlot;
    } else {
      slot = this.freeSlots.pop() ?? this.newSlot();
    }
    this.pending.set(key, slot);
    const base = slot * dim;
    for (let i = 0; i < dim; i++) this.slab[base + i] = state[i]!;
  }

  get(key: string): PairValue | undefined {
    return this.values.get(key);
  }

  /** Removes up to `max` noted states, oldest first, packed for inference (undefined when none wait). */
  take(max: number): PendingStates | undefined {
    if (this.pending.size === 0) return undefined;
    const dim = this.inputDim;
    const keys: string[] = [];
    const states = new Float32Array(Math.min(max, this.pending.size) * dim);
    // Through the same cursor as eviction: a fresh iterator would step over every slot deleted since the table was rebuilt.
    while (keys.length < max && this.pending.size > 0) {
      const [key, slot] = this.oldestPending.take();
      this.pending.delete(key);
      states.set(this.slab.subarray(slot * dim, (slot + 1) * dim), keys.length * dim);
      keys.push(key);
      this.freeSlots.push(slot);
    }
    return { keys, states };
  }

  private newSlot(): number {
    const slot = this.usedSlots++;
    if ((slot + 1) * this.inputDim > this.slab.length) {
      const grown = new Float32Array(Math.min(this.capacity, 2 * (this.slab.length / this.inputDim)) * this.inputDim);
      grown.set(this.slab);
      this.slab = grown;
    }
    return slot;
  }

  /** Stores the values of `keys` from raw network outputs (keys.length × OUTPUT_COUNT, row-major). */
  apply(keys: readonly string[], outputs: Float32Array, modelVersion: number): void {
    keys.forEach((key, row) => {
      this.values.delete(key);
      this.values.set(key, this.valueOf(outputs, row, modelVersion));
    });
    while (this.values.size > this.capacity) this.values.delete(this.oldestValue.take()[0]);
  }

  /** Row `row` of raw outputs as a PairValue: the lifelong value is Σ weight × V_head. */
  valueOf(outputs: Float32Array, row: number, modelVersion: number): PairValue {
    const base = row * OUTPUT_COUNT;
    const click = outputs[base]!;
    const follow = outputs[base + 1]!;
    const gift = outputs[base + 2]!;
    const logit = outputs[base + CLICK_LOGIT]!;
    const w = this.headWeights;
    return { value: w.click * click + w.follow * follow + w.gift * gift, click, follow, gift, clickProbability: 1 / (1 + Math.exp(-logit)), modelVersion };
  }
}
