/**
 * The public surface of the engine. Topologies import only from here.
 */
export { LifelongError, isLifelongError, messageOf, type ErrorCode } from './errors/catalog.js';
export type { Logger } from './observability/logger.js';
export { EVENT_TYPES, userEvent, type EventType, type UserEvent, type Item, type Recommendation, type RecommendedItem, type DeadLetter } from './serde/records.js';
export { AvroCodec, LocalSchemaRegistry, type WireFormat } from './serde/avro.js';
export { jsonCodec, type KeyValueStore, type ValueCodec } from './state/store.js';
export { binaryCodec, BinaryReader, BinaryWriter, fitsSvarint } from './state/binary-codec.js';
export { avroState, avroStoreCodec } from './state/avro-store-codec.js';
export { defineGlobalTable, type GlobalTable, type GlobalTableDefinition, type GlobalIndex, type GlobalIndexDefinition } from './state/global-table.js';
export {
  defineTopology,
  defineStore,
  defineQuery,
  describeTopology,
  changelogTopic,
  type TopologyDefinition,
  type TopologyDescription,
  type PartitionContext,
  type StreamItem,
  type StreamRecord,
  type StreamTick,
  type Emission,
  type StoreDefinition,
  type SinkDefinition,
  type TopicSinkDefinition,
  type ClickHouseSinkDefinition,
  type ReadableStore,
  type QueryDefinition,
} from './topology/topology.js';
export { sessionSlotSchema, sessionWindows, type SessionSlot, type SessionWindow, type ClosedSession, type CloseReason, type SessionWindowSpec } from './operators/session-windows.js';
export { TopologyTestDriver, type TestDriverOptions } from './testing/test-driver.js';
export { pairKey, pairKeyUserLength, type Transition, type TransitionSink, type PairValue, type PairValueReader } from './learning/transition.js';
export type { InstanceService, ServiceContext } from './runtime/service.js';
export { Learner, type LearnerOptions, type HeadWeights, type LearnerStats } from './learning/learner.js';
export type { BackendPreference, BackendName } from './learning/backend.js';
