import { SeededRandom } from '../sim/random.js';
import type { TF, Tensor, Tensor2D, Variable } from './tf.js';

/** The value heads, from the densest signal to the sparsest (click → follow → gift). */
export const VALUE_HEADS = ['click', 'follow', 'gift'] as const;
export type ValueHead = (typeof VALUE_HEADS)[number];
/** Outputs of the network, in column order: the three values, then the logit of an immediate click. */
export const OUTPUTS = [...VALUE_HEADS, 'click_logit'] as const;
export const OUTPUT_COUNT = OUTPUTS.length;
/** Column of the auxiliary immediate-click logit. */
export const CLICK_LOGIT = 3;

/** The shape of the critic; two checkpoints are compatible only when these are equal. */
export interface CriticArchitecture {
  readonly inputDim: number;
  /** Units of each shared trunk layer (ReLU). */
  readonly trunkUnits: readonly number[];
  /** Units of each head's own hidden layer (ReLU) before its linear output. */
  readonly headUnits: number;
}

export type NamedTensors = Record<string, Tensor>;

/** Variable names are global in a TensorFlow.js engine: each network gets its own prefix. */
let networks = 0;

interface Dense {
  readonly kernel: Variable;
  readonly bias: Variable;
}

/**
 * A multi-task critic written with TensorFlow.js core ops: a shared trunk of dense ReLU
 * layers, then one small dense ReLU layer and one linear output per head (V_click,
 * V_follow, V_gift and the auxiliary click logit). The four head layers are packed into
 * one kernel of shape [trunk, 4 × headUnits] (block-wise they are four separate layers;
 * packing costs one matmul instead of four), and the outputs into a [4, headUnits]
 * matrix applied per head. Core ops rather than tf.layers: at these sizes the layers
 * API's bookkeeping dominated (the same network trained about half as fast).
 *
 * Weights are named (`trunk_0/kernel`, `heads_hidden/kernel`, `heads_out/kernel`, …) so
 * checkpoints are matched by name and shape.
 */
export class CriticNetwork {
  readonly trunk: Dense[] = [];
  readonly headsHidden: Dense;
  /** [outputs, headUnits] and [outputs]. */
  readonly headsOut: Dense;
  private readonly variables = new Map<string, Variable>();
  private readonly prefix = `critic_${++networks}`;

  constructor(
    private readonly tf: TF,
    readonly architecture: CriticArchitecture,
    seed: number,
  ) {
    const random = new SeededRandom(seed);
    let fanIn = architecture.inputDim;
    architecture.trunkUnits.forEach((units, i) => {
      this.trunk.push(this.dense(`trunk_${i}`, [fanIn, units], [units], random, 1));
      fanIn = units;
    });
    this.headsHidden = this.dense('heads_hidden', [fanIn, OUTPUT_COUNT * architecture.headUnits], [OUTPUT_COUNT * architecture.headUnits], random, 1);
    this.headsOut = this.dense('heads_out', [OUTPUT_COUNT, architecture.headUnits], [OUTPUT_COUNT], random, 0.1);
  }

  /** The weights in a stable order (for the optimizer and checkpoints). */
  get weights(): ReadonlyMap<string, Variable> {
    return this.variables;
  }

  get trainableVariables(): Variable[] {
    return [...this.variables.values()];
  }

  /** [batch, inputDim] → [batch, 4]: V_click, V_follow, V_gift, click logit. */
  forward(x: Tensor2D): Tensor2D {
    const tf = this.tf;
    let h: Tensor2D = x;
    for (const layer of this.trunk) h = tf.relu(tf.add(tf.matMul(h, layer.kernel), layer.bias)) as Tensor2D;
    const hidden = tf.relu(tf.add(tf.matMul(h, this.headsHidden.kernel), this.headsHidden.bias));
    const perHead = tf.reshape(hidden, [-1, OUTPUT_COUNT, this.architecture.headUnits]);
    return tf.add(tf.sum(tf.mul(perHead, this.headsOut.kernel), 2), this.headsOut.bias) as Tensor2D;
  }

  /** Synchronous batched inference: `count` rows of `states` → count × 4 outputs, row-major. */
  predict(states: Float32Array, count: number): Float32Array {
    if (count === 0) return new Float32Array(0);
    const tf = this.tf;
    return tf.tidy(() => this.forward(tf.tensor2d(states.subarray(0, count * this.architecture.inputDim), [count, this.architecture.inputDim])).dataSync() as Float32Array);
  }

  /** Copies every weight of `other` (same architecture) into this network: the target-network refresh. */
  copyFrom(other: CriticNetwork): void {
    for (const [name, variable] of this.variables) variable.assign(other.variables.get(name)!);
  }

  /** Current weights as fresh tensors (the caller disposes them). */
  snapshot(): NamedTensors {
    const out: NamedTensors = {};
    for (const [name, variable] of this.variables) out[name] = this.tf.clone(variable);
    return out;
  }

  /**
   * Assigns weights read from a checkpoint. Every weight must be present with its exact
   * shape, and nothing else may be there; otherwise nothing is assigned and an Error says
   * what differs.
   */
  load(weights: NamedTensors): void {
    const problems: string[] = [];
    for (const [name, variable] of this.variables) {
      const tensor = weights[name];
      if (!tensor) problems.push(`missing weight ${name}`);
      else if (tensor.shape.join('x') !== variable.shape.join('x')) problems.push(`${name} has shape [${tensor.shape.join(', ')}], expected [${variable.shape.join(', ')}]`);
      else if (tensor.dtype !== 'float32') problems.push(`${name} is ${tensor.dtype}, expected float32`);
    }
    for (const name of Object.keys(weights)) if (!this.variables.has(name)) problems.push(`unexpected weight ${name}`);
    if (problems.length > 0) throw new Error(problems.join('; '));
    for (const [name, variable] of this.variables) variable.assign(weights[name]!);
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }

  private dense(name: string, kernelShape: [number, number], biasShape: [number], random: SeededRandom, gain: number): Dense {
    // Glorot-uniform from a seeded generator, so the same seed gives the same network on every backend.
    const [fanIn, fanOut] = kernelShape;
    const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
    const values = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < values.length; i++) values[i] = (random.next() * 2 - 1) * limit;
    const tf = this.tf;
    const kernel = tf.tidy(() => tf.variable(tf.tensor2d(values, kernelShape), true, `${this.prefix}/${name}/kernel`));
    const bias = tf.tidy(() => tf.variable(tf.zeros(biasShape), true, `${this.prefix}/${name}/bias`));
    this.variables.set(`${name}/kernel`, kernel);
    this.variables.set(`${name}/bias`, bias);
    return { kernel, bias };
  }
}
