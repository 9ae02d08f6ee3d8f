/**
 * A bounded, decayed distribution: K slots of (name, forward-decayed weight) inside the
 * user's Float32Array and key array. Weights of one user share a landmark, so they
 * compare directly. When every slot is taken, a new name replaces the lightest one: a
 * new interest can always enter, and the K − 1 heavier ones are never pushed out by a
 * stream of one-offs.
 */
export interface TopKSlots {
  readonly values: Float32Array;
  readonly keys: Array<string | null>;
  /** First weight in `values`. */
  readonly valueOffset: number;
  /** First name in `keys`. */
  readonly keyOffset: number;
  readonly size: number;
}

/** Adds `delta` (stored scale) to a name; weights never go below 0; a negative delta never inserts. */
export function addToTopK(slots: TopKSlots, name: string, delta: number): void {
  const { values, keys, valueOffset, keyOffset, size } = slots;
  let free = -1;
  let lightest = -1;
  for (let i = 0; i < size; i++) {
    const key = keys[keyOffset + i];
    if (key === name) {
      values[valueOffset + i] = Math.max(0, values[valueOffset + i]! + delta);
      return;
    }
    if (key === null) {
      if (free < 0) free = i;
    } else if (lightest < 0 || values[valueOffset + i]! < values[valueOffset + lightest]!) {
      lightest = i;
    }
  }
  if (delta <= 0) return;
  const slot = free >= 0 ? free : lightest;
  keys[keyOffset + slot] = name;
  values[valueOffset + slot] = delta;
}

export function removeFromTopK(slots: TopKSlots, name: string): void {
  for (let i = 0; i < slots.size; i++) {
    if (slots.keys[slots.keyOffset + i] !== name) continue;
    slots.keys[slots.keyOffset + i] = null;
    slots.values[slots.valueOffset + i] = 0;
  }
}

/** The names with a positive weight, heaviest first, weights multiplied by `scale`. */
export function rankTopK(slots: TopKSlots, scale: number): Array<{ readonly name: string; readonly weight: number }> {
  const ranked: Array<{ name: string; weight: number }> = [];
  for (let i = 0; i < slots.size; i++) {
    const name = slots.keys[slots.keyOffset + i];
    const weight = slots.values[slots.valueOffset + i]!;
    if (name !== null && name !== undefined && weight > 0) ranked.push({ name, weight: weight * scale });
  }
  return ranked.sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
