import { fnv1a32, SeededGaussian } from './seeded-gaussian.js';

/** The category outweighs each tag, so fallback items of one category stay close together. */
const CATEGORY_WEIGHT = 2;
/** Keeps fallback directions apart from the SimHash matrix's seed space. */
const SALT = 0x9e3779b9;

/**
 * A deterministic unit embedding for an item that has none: a random Gaussian direction
 * per category and per tag (seeded by the name's hash, so every instance derives the
 * same), the category's counted twice, summed and normalized. Random directions in d
 * dimensions are nearly orthogonal, so items sharing a category (and tags) land close
 * together and unrelated ones far apart — enough for interest to keep learning from
 * items the catalog does not describe.
 */
export function fallbackEmbedding(dim: number, category: string | null, tags: readonly string[], out: Float32Array = new Float32Array(dim)): Float32Array {
  out.fill(0);
  addDirection(out, `category:${category ?? ''}`, CATEGORY_WEIGHT);
  for (const tag of tags) addDirection(out, `tag:${tag}`, 1);
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += out[i]! * out[i]!;
  const length = Math.sqrt(sum);
  for (let i = 0; i < dim; i++) out[i] = out[i]! / length;
  return out;
}

function addDirection(out: Float32Array, name: string, weight: number): void {
  const gaussian = new SeededGaussian((fnv1a32(name) ^ SALT) >>> 0);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! + weight * gaussian.next();
}
