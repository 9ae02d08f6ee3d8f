/** Small dense-vector helpers over typed arrays; none of them allocates. */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function norm(a: ArrayLike<number>, length = a.length): number {
  return Math.sqrt(dot(a, a, length));
}

/** Writes a / ‖a‖ into `out` and returns ‖a‖ (out is left untouched when ‖a‖ is 0 or not finite). */
export function normalizeInto(a: ArrayLike<number>, out: Float32Array): number {
  const length = norm(a, out.length);
  if (!(length > 0) || !Number.isFinite(length)) return length;
  for (let i = 0; i < out.length; i++) out[i] = a[i]! / length;
  return length;
}

/** Cosine of the angle between a and b; 0 when either is the zero vector. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length): number {
  const denominator = norm(a, length) * norm(b, length);
  return denominator > 0 ? dot(a, b, length) / denominator : 0;
}
