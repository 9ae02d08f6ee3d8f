/** Named lifecycle events of the runtime, emitted for logs, metrics and tests. */
export const LIFECYCLE = {
  STARTED: 'started',
  ASSIGNED: 'assigned',
  RESTORE_START: 'restore.start',
  RESTORE_END: 'restore.end',
  GLOBAL_TABLES_LOADED: 'global-tables.loaded',
  BATCH_END: 'batch.end',
  COMMIT: 'commit',
  SINK_UNHEALTHY: 'sink.unhealthy',
  SINK_HEALTHY: 'sink.healthy',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  CRASHED: 'crashed',
} as const;

export type LifecycleEvent = (typeof LIFECYCLE)[keyof typeof LIFECYCLE];
