import type { TopologyDefinition, UserEvent } from '../src/index.js';
import { sessionMetricsTopology, type SessionMetricsOptions } from './session-metrics/index.js';

export { sessionMetricsTopology } from './session-metrics/index.js';

/** The default application: every topology, over the same input. */
export function defaultTopologies(options: SessionMetricsOptions): TopologyDefinition<UserEvent>[] {
  return [sessionMetricsTopology(options)];
}
