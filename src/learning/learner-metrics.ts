import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the learner exposes on /metrics besides the backend gauge of RuntimeMetrics. */
export interface LearnerGauges {
  replaySize(): number;
  transitionsAppended(): number;
  cachedPairs(): number;
  modelVersion(): number;
}

export class LearnerMetrics {
  readonly steps: Counter;
  readonly stepSeconds: Histogram;
  readonly loss: Gauge;
  readonly checkpoints: Counter<'outcome'>;
  readonly engineFailures: Counter;
  readonly engineRestarts: Counter;

  constructor(registry: Registry, gauges: LearnerGauges) {
    const registers = [registry];
    this.steps = new Counter({ name: 'lifelong_learner_steps_total', help: 'Training micro-batches of the lifelong-value critic', registers });
    this.stepSeconds = new Histogram({ name: 'lifelong_learner_step_duration_seconds', help: 'Duration of one training micro-batch', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers });
    this.loss = new Gauge({ name: 'lifelong_learner_loss', help: 'TD loss of the last training micro-batch', registers });
    this.checkpoints = new Counter({ name: 'lifelong_learner_checkpoints_total', help: 'Checkpoints per outcome (saved, save_failed, restored, refused)', labelNames: ['outcome'], registers });
    this.engineFailures = new Counter({ name: 'lifelong_learner_engine_failures_total', help: 'Deaths of the training engine (a worker error or unexpected exit): training pauses, records are still processed', registers });
    this.engineRestarts = new Counter({ name: 'lifelong_learner_engine_restarts_total', help: 'Training workers started again after a death (from the newest checkpoint, after a backoff)', registers });
    new Gauge({ name: 'lifelong_learner_replay_transitions', help: 'Transitions held in the replay buffer', registers, collect() { this.set(gauges.replaySize()); } });
    new Gauge({ name: 'lifelong_learner_transitions_appended', help: 'Transitions appended since start (the buffer keeps the newest)', registers, collect() { this.set(gauges.transitionsAppended()); } });
    new Gauge({ name: 'lifelong_learner_cached_pairs', help: 'Pairs in the batched-inference value cache', registers, collect() { this.set(gauges.cachedPairs()); } });
    new Gauge({ name: 'lifelong_learner_model_version', help: 'Version of the last checkpoint saved or restored', registers, collect() { this.set(gauges.modelVersion()); } });
  }
}
