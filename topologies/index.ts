import type { TopologyDefinition, UserEvent } from '../src/index.js';
import type { Config } from '../src/config/config.js';
import type { InstanceService } from '../src/runtime/service.js';
import { sessionMetricsTopology, type SessionMetricsOptions } from './session-metrics/index.js';
import { interestTopology, type InterestOptions } from './interest/index.js';
import { lifelongValueFromSettings, lifelongValueTopology, type LifelongValueOptions } from './lifelong-value/index.js';
import { assignArm, parseArms, recommendTopology, type RecommendTopologyOptions } from './recommend/index.js';

export { sessionMetricsTopology } from './session-metrics/index.js';
export { interestTopology } from './interest/index.js';
export { lifelongValueTopology, lifelongValueFromSettings } from './lifelong-value/index.js';
export { recommendTopology } from './recommend/index.js';

export interface DefaultTopologyOptions extends SessionMetricsOptions {
  /** Options of the interest topology, the defaults where absent; false leaves it out (recommend needs it). */
  readonly interest?: Partial<InterestOptions> | false;
  /** The lifelong-value topology and its learner (lifelongValueFromSettings); left out when absent. */
  readonly lifelongValue?: LifelongValueOptions;
  /** The recommend topology (it reads the interest store, and lifelong-value's when that runs); left out when absent. */
  readonly recommend?: Omit<RecommendTopologyOptions, 'interest' | 'lifelongValue'>;
}

/**
 * The default application: every topology, over the same input. The order matters:
 * recommend reads the stores of interest and lifelong-value, which have seen every
 * event before the request that follows it.
 */
export function defaultTopologies(options: DefaultTopologyOptions): TopologyDefinition<UserEvent>[] {
  const { lifelongValue, recommend, interest } = options;
  if (recommend && interest === false) throw new Error('the recommend topology reads the interest store: it cannot run without the interest topology');
  const armOf = recommend ? (userId: string) => assignArm(recommend.arms, userId) : undefined;
  return [
    sessionMetricsTopology({ ...options, ...(armOf ? { armOf } : {}) }),
    ...(interest === false ? [] : [interestTopology(interest)]),
    ...(lifelongValue ? [lifelongValueTopology(lifelongValue)] : []),
    ...(recommend
      ? [
          recommendTopology({
            ...recommend,
            ...(interest ? { interest } : {}),
            ...(lifelongValue ? { lifelongValue: { weights: lifelongValue.headWeights, decayHalfLifeHours: lifelongValue.decayHalfLifeHours } } : {}),
          }),
        ]
      : []),
  ];
}

/**
 * The default application as the config describes it. Process-level services the
 * topologies need (the lifelong-value learner) are appended to `services`, for the
 * instance to start and stop; the same call serves `run`, `demo`, `describe` and the
 * tests' uninterrupted reference runs.
 */
export function topologiesFromConfig(config: Config, services: InstanceService[] = []): TopologyDefinition<UserEvent>[] {
  const lifelongValue = config.lifelongValue.enabled ? lifelongValueFromSettings(config.lifelongValue) : undefined;
  if (lifelongValue) services.push(lifelongValue.learner);
  const { enabled, arms, ...recommend } = config.recommend;
  const { enabled: interestEnabled, ...interest } = config.interest;
  return defaultTopologies({
    sessionGapMs: config.sessionGapMs,
    allowedLatenessMs: config.allowedLatenessMs,
    interest: interestEnabled ? { itemsTopic: config.topics.items, ...interest } : false,
    ...(lifelongValue ? { lifelongValue } : {}),
    ...(enabled
      ? {
          recommend: {
            ...recommend,
            topic: config.topics.recommendations,
            arms: parseArms(arms),
            sessionGapMs: config.sessionGapMs,
            ...(lifelongValue ? { critic: lifelongValue.learner } : {}),
          },
        }
      : {}),
  });
}
