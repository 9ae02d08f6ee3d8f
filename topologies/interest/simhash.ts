import { SeededGaussian } from './seeded-gaussian.js';

/**
 * Random-hyperplane hashing (SimHash) as SDIM uses it: a fixed Gaussian matrix R of
 * m = signatures × bits rows over d columns; the sign bits of R·x, taken `bits` at a time,
 * form one code per signature. Two unit vectors at angle θ agree on one bit with
 * probability 1 − θ/π, so on a whole code with probability (1 − θ/π)^bits: bucketing by
 * code is a soft attention whose weight decays with the angle, at the cost of one
 * matrix-vector product (O(m·d)).
 *
 * The matrix is precomputed once from the seed; every instance derives the same one.
 */
export class SimHasher {
  /** Row-major, (signatures × bits) rows of `dim` floats. */
  readonly matrix: Float32Array;
  /** Buckets per signature: 2^bits. */
  readonly codesPerSignature: number;

  constructor(
    readonly dim: number,
    readonly signatures: number,
    readonly bits: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`SimHasher: dim must be a positive integer, got ${dim}`);
    if (!Number.isInteger(signatures) || signatures < 1) throw new RangeError(`SimHasher: signatures must be a positive integer, got ${signatures}`);
    if (!Number.isInteger(bits) || bits < 0 || bits > 16) throw new RangeError(`SimHasher: bits must be an integer in [0, 16], got ${bits}`);
    this.codesPerSignature = 1 << bits;
    const gaussian = new SeededGaussian(seed);
    this.matrix = new Float32Array(signatures * bits * dim);
    for (let i = 0; i < this.matrix.length; i++) this.matrix[i] = gaussian.next();
  }

  /** The code of each signature of x (bit b of signature s is the sign of row s·bits + b). */
  codes(x: ArrayLike<number>, out: Uint16Array = new Uint16Array(this.signatures)): Uint16Array {
    const { dim, bits, matrix } = this;
    let row = 0;
    for (let s = 0; s < this.signatures; s++) {
      let code = 0;
      for (let b = 0; b < bits; b++, row++) {
        const base = row * dim;
        let projection = 0;
        for (let k = 0; k < dim; k++) projection += matrix[base + k]! * x[k]!;
        if (projection >= 0) code |= 1 << b;
      }
      out[s] = code;
    }
    return out;
  }
}
