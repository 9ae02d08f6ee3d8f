import { CLICK_LOGIT, OUTPUT_COUNT, VALUE_HEADS, type CriticNetwork } from './critic-network.js';
import type { Batch } from './replay-buffer.js';
import type { Optimizer, TF, Tensor } from './tf.js';

export interface TdTrainerOptions {
  readonly learningRate: number;
  /**
   * Loss weight of each output: V_click, V_follow, V_gift, then the auxiliary click
   * head. A zero removes a head from training (a gift-only model is [0, 0, 1, 0]).
   */
  readonly lossWeights: readonly [number, number, number, number];
  /** Huber loss threshold on the value heads (squared error below it, linear above). */
  readonly huberDelta: number;
}

export const DEFAULT_LOSS_WEIGHTS: readonly [number, number, number, number] = [1, 1, 1, 0.5];

/**
 * Temporal-difference training of a critic against a target network. For each value
 * head h the target is y_h = r_h + γ^Δt · V_target,h(s′), with Δt the event time between
 * the step and the next one (the batch carries γ^Δt); the loss is the Huber loss of
 * V_h(s) − y_h plus the cross-entropy of the auxiliary click head on the step's click.
 * Only the online network's variables move; `refreshTarget` copies them into the target.
 */
export class TdTrainer {
  private readonly optimizer: Optimizer;
  private readonly weights: Tensor;
  private readonly valueMask: Tensor;
  private readonly clickMask: Tensor;
  steps = 0;

  constructor(
    private readonly tf: TF,
    readonly online: CriticNetwork,
    readonly target: CriticNetwork,
    private readonly options: TdTrainerOptions,
  ) {
    this.optimizer = tf.train.adam(options.learningRate);
    this.weights = tf.tensor2d([[...options.lossWeights]], [1, OUTPUT_COUNT]);
    const valueMask = Array.from({ length: OUTPUT_COUNT }, (_, i) => (i < VALUE_HEADS.length ? 1 : 0));
    this.valueMask = tf.tensor2d([valueMask], [1, OUTPUT_COUNT]);
    this.clickMask = tf.tensor2d([valueMask.map((_, i) => (i === CLICK_LOGIT ? 1 : 0))], [1, OUTPUT_COUNT]);
    target.copyFrom(online);
  }

  /**
   * One gradient step on a micro-batch. The kernels run synchronously on the calling
   * thread (a few milliseconds for small models); reading the loss back is awaited.
   */
  async step(batch: Batch): Promise<number> {
    const loss = this.tf.tidy(() => this.lossAndUpdate(batch));
    const [value] = await loss.data();
    loss.dispose();
    this.steps++;
    return value ?? Number.NaN;
  }

  refreshTarget(): void {
    this.target.copyFrom(this.online);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.weights.dispose();
    this.valueMask.dispose();
    this.clickMask.dispose();
  }

  private lossAndUpdate(batch: Batch): Tensor {
    const tf = this.tf;
    const { size } = batch;
    const dim = this.online.architecture.inputDim;
    const heads = VALUE_HEADS.length;
    const state = tf.tensor2d(batch.state, [size, dim]);
    const next = tf.tensor2d(batch.next, [size, dim]);
    const rewards = tf.tensor2d(batch.rewards, [size, heads]);
    const discount = tf.tensor2d(batch.discount, [size, 1]);
    const click = tf.tensor2d(batch.click, [size, 1]);
    // Targets from the target network: computed outside the gradient, so nothing flows into it.
    const nextValues = tf.slice(this.target.forward(next), [0, 0], [size, heads]);
    const targets = tf.concat([tf.add(rewards, tf.mul(discount, nextValues)), click], 1);
    const { huberDelta } = this.options;
    const cost = this.optimizer.minimize(
      () => {
        const predicted = this.online.forward(state);
        const error = tf.sub(predicted, targets);
        const absolute = tf.abs(error);
        const clipped = tf.minimum(absolute, huberDelta);
        const huber = tf.add(tf.mul(tf.square(clipped), 0.5), tf.mul(tf.sub(absolute, clipped), huberDelta));
        // Sigmoid cross-entropy in its stable form: max(x, 0) − x·y + log(1 + e^−|x|).
        const crossEntropy = tf.add(tf.sub(tf.relu(predicted), tf.mul(predicted, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(predicted)))));
        const perOutput = tf.add(tf.mul(huber, this.valueMask), tf.mul(crossEntropy, this.clickMask));
        return tf.div(tf.sum(tf.mul(perOutput, this.weights)), size);
      },
      true,
      this.online.trainableVariables,
    );
    if (!cost) throw new Error('the optimizer returned no cost');
    return cost;
  }
}
