import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';

/** What an instance hands to the services it runs. */
export interface ServiceContext {
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
}

/**
 * A process-level service that topologies depend on (the lifelong-value learner, for
 * one): started with the instance before its first record, stopped after the last batch
 * has been committed, so a service can save its final state (a checkpoint) on stop.
 * Topologies receive the service in their factory and call only its synchronous,
 * non-blocking methods from their pipelines.
 */
export interface InstanceService {
  readonly name: string;
  start(context: ServiceContext): Promise<void>;
  stop(): Promise<void>;
}
