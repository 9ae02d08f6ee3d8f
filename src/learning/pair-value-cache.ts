import { CLICK_LOGIT, OUTPUT_COUNT } from './critic-network.js';
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
  private readonly pending = new Map<string, Float32Array>();
  private readonly values = new Map<string, PairValue>();

  constructor(
    readonly inputDim: number,
    readonly capacity: number,
    private readonly headWeights: HeadWeights,
  ) {}

  get size(): number {
    return this.values.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  note(key: string, state: ArrayLike<number>): void {
    if (state.length !== this.inputDim) throw new Error(`state has ${state.length} features, expected ${this.inputDim}`);
    this.pending.delete(key);
    this.pending.set(key, Float32Array.from(state));
    if (this.pending.size > this.capacity) this.pending.delete(this.pending.keys().next().value!);
  }

  get(key: string): PairValue | undefined {
    return this.values.get(key);
  }

  /** Removes up to `max` noted states, oldest first, packed for inference (undefined when none wait). */
  take(max: number): PendingStates | undefined {
    if (this.pending.size === 0) return undefined;
    const keys: string[] = [];
    const states = new Float32Array(Math.min(max, this.pending.size) * this.inputDim);
    for (const [key, state] of this.pending) {
      if (keys.length >= max) break;
      states.set(state, keys.length * this.inputDim);
      keys.push(key);
    }
    for (const key of keys) this.pending.delete(key);
    return { keys, states };
  }

  /** Stores the values of `keys` from raw network outputs (keys.length × OUTPUT_COUNT, row-major). */
  apply(keys: readonly string[], outputs: Float32Array, modelVersion: number): void {
    keys.forEach((key, row) => {
      this.values.delete(key);
      this.values.set(key, this.valueOf(outputs, row, modelVersion));
    });
    while (this.values.size > this.capacity) this.values.delete(this.values.keys().next().value!);
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
