/**
 * Every setting of lifelong in one table: its path in the config object, its type, its
 * default (with units in the name and the doc), and its documentation. Flags
 * (`--session-gap-ms`), environment variables (`LIFELONG_SESSION_GAP_MS`), the file
 * format and the README reference are all derived from this table.
 */
export type OptionType =
  | { readonly kind: 'string' }
  | { readonly kind: 'secret' }
  | { readonly kind: 'int'; readonly min: number; readonly max?: number }
  /** A real number within bounds; `exclusive` leaves the bounds themselves out. */
  | { readonly kind: 'number'; readonly min: number; readonly max?: number; readonly exclusive?: { readonly min?: boolean; readonly max?: boolean } }
  | { readonly kind: 'bool' }
  | { readonly kind: 'list' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

export interface OptionSpec {
  /** Dotted path in the config object, e.g. `clickhouse.url`. */
  readonly path: string;
  readonly type: OptionType;
  readonly default?: string | number | boolean | readonly string[];
  readonly doc: string;
  /** Extra, shorter flag names users expect (`--brokers`, `--clickhouse`). */
  readonly alias?: string;
}

const MINUTE = 60_000;
const MiB = 1024 * 1024;

const int = (min: number, max?: number): OptionType => (max === undefined ? { kind: 'int', min } : { kind: 'int', min, max });

export const OPTIONS: readonly OptionSpec[] = [
  { path: 'applicationId', type: { kind: 'string' }, default: 'lifelong', doc: 'Consumer group id and prefix of changelog topics and transactional ids.' },
  { path: 'brokers', type: { kind: 'list' }, default: [], alias: 'brokers', doc: 'Kafka bootstrap servers (host:port, comma separated). Empty: the embedded in-memory log.' },
  { path: 'partitions', type: int(1, 1024), default: 4, doc: 'Partitions of the topics lifelong creates (input, dead letters, changelogs).' },
  { path: 'topics.events', type: { kind: 'string' }, default: 'lifelong.events', doc: 'Input topic of UserEvent records, keyed by userId.' },
  { path: 'topics.items', type: { kind: 'string' }, default: 'lifelong.items', doc: 'Compacted item catalog topic.' },
  { path: 'topics.recommendations', type: { kind: 'string' }, default: 'lifelong.recommendations', doc: 'Output topic of Recommendation records.' },
  { path: 'topics.deadLetter', type: { kind: 'string' }, default: 'lifelong.dead-letter', doc: 'Where undecodable or invalid records go, with the reason.' },
  { path: 'wireFormat', type: { kind: 'enum', values: ['auto', 'raw', 'confluent'] }, default: 'auto', doc: 'Avro framing of input records: raw, Confluent (magic byte + schema id), or auto-detect.' },
  { path: 'sessionGapMs', type: int(1_000), default: 30 * MINUTE, doc: 'Inactivity that ends a session, in event-time milliseconds (default 30 minutes).' },
  { path: 'allowedLatenessMs', type: int(0), default: 5 * MINUTE, doc: 'How far behind stream time an event may arrive and still count, in milliseconds (default 5 minutes).' },
  { path: 'punctuateIntervalMs', type: int(1_000), default: 1 * MINUTE, doc: 'Stream-time step at which idle sessions are checked for closing, in milliseconds (default 1 minute).' },
  { path: 'dedupeWindow', type: int(1, 100_000), default: 256, doc: 'At most this many eventIds remembered per user for de-duplication: those of events within the allowed lateness of stream time (older copies are refused as late).' },
  { path: 'limits.maxRecordBytes', type: int(64), default: 1 * MiB, doc: 'Largest accepted input record, in bytes (default 1 MiB).' },
  { path: 'limits.maxFutureSkewMs', type: int(0), default: 24 * 60 * MINUTE, doc: 'Events stamped further ahead of the wall clock are refused, in milliseconds (default 1 day).' },
  { path: 'limits.maxIdLength', type: int(1, 65_536), default: 256, doc: 'Longest accepted id or category, in characters.' },
  { path: 'consumer.maxBatchRecords', type: int(1), default: 5_000, doc: 'Records processed and committed together per partition batch.' },
  { path: 'consumer.concurrency', type: int(1, 1024), default: 4, doc: 'Partitions processed concurrently by one instance.' },
  { path: 'consumer.sessionTimeoutMs', type: int(6_000), default: 30_000, doc: 'Kafka group session timeout, in milliseconds.' },
  { path: 'consumer.heartbeatIntervalMs', type: int(100), default: 3_000, doc: 'Heartbeat cadence while a batch waits on a slow sink, in milliseconds.' },
  { path: 'kafka.clientId', type: { kind: 'string' }, default: 'lifelong', doc: 'Kafka client id.' },
  { path: 'kafka.ssl', type: { kind: 'bool' }, default: false, doc: 'Connect to Kafka over TLS.' },
  { path: 'kafka.sslCaFile', type: { kind: 'string' }, default: '', doc: 'PEM file of the CA for Kafka TLS (empty: the system CAs).' },
  { path: 'kafka.saslMechanism', type: { kind: 'enum', values: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] }, default: 'none', doc: 'Kafka SASL mechanism.' },
  { path: 'kafka.saslUsername', type: { kind: 'string' }, default: '', doc: 'Kafka SASL user.' },
  { path: 'kafka.saslPassword', type: { kind: 'secret' }, default: '', doc: 'Kafka SASL password (never logged).' },
  { path: 'kafka.transactionTimeoutMs', type: int(1_000), default: 60_000, doc: 'Kafka transaction timeout, in milliseconds.' },
  { path: 'kafka.connectionTimeoutMs', type: int(100), default: 5_000, doc: 'Kafka connection timeout, in milliseconds.' },
  { path: 'clickhouse.url', type: { kind: 'string' }, default: '', alias: 'clickhouse', doc: 'ClickHouse HTTP URL (http://host:8123). Empty: the embedded engine (chdb).' },
  { path: 'clickhouse.embeddedPath', type: { kind: 'string' }, default: '.lifelong/chdb', doc: 'Data directory of the embedded ClickHouse engine.' },
  { path: 'clickhouse.database', type: { kind: 'string' }, default: 'lifelong', doc: 'ClickHouse database (created if missing).' },
  { path: 'clickhouse.username', type: { kind: 'string' }, default: 'default', doc: 'ClickHouse user.' },
  { path: 'clickhouse.password', type: { kind: 'secret' }, default: '', doc: 'ClickHouse password (never logged).' },
  { path: 'clickhouse.caFile', type: { kind: 'string' }, default: '', doc: 'PEM file of the CA for an https:// ClickHouse URL (empty: the system CAs).' },
  { path: 'clickhouse.requestTimeoutMs', type: int(1_000), default: 10_000, doc: 'ClickHouse request timeout, in milliseconds (a timed-out insert is retried).' },
  { path: 'sink.maxBatchRows', type: int(1), default: 5_000, doc: 'Rows per ClickHouse insert at most.' },
  { path: 'sink.maxBatchDelayMs', type: int(0), default: 500, doc: 'Longest a row waits for its insert to fill up, in milliseconds.' },
  { path: 'sink.maxBufferedRows', type: int(1), default: 50_000, doc: 'Rows buffered before writers wait (back-pressure).' },
  { path: 'http.port', type: int(0, 65_535), default: 9464, doc: 'Port of /metrics, /healthz and /readyz (0: any free port).' },
  { path: 'http.host', type: { kind: 'string' }, default: '127.0.0.1', doc: 'Interface the HTTP port listens on.' },
  { path: 'http.enabled', type: { kind: 'bool' }, default: true, doc: 'Serve metrics and health over HTTP.' },
  { path: 'log.level', type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, default: 'info', doc: 'Log level.' },
  { path: 'shutdownTimeoutMs', type: int(1_000), default: 30_000, doc: 'Longest a graceful shutdown may take before the process exits anyway, in milliseconds.' },
  { path: 'interest.enabled', type: { kind: 'bool' }, default: true, doc: 'Run the interest topology (recommend reads its store, so recommend.enabled needs it).' },
  { path: 'interest.embeddingDim', type: int(1, 4096), default: 32, doc: 'Dimension d of item embeddings; catalog embeddings of another length are refused.' },
  { path: 'interest.signatures', type: int(1, 4096), default: 6, doc: 'SimHash signatures per embedding; memory per user grows linearly with them.' },
  { path: 'interest.bitsPerSignature', type: int(0, 10), default: 2, doc: 'Bits per signature (tau); memory per user doubles with each bit.' },
  { path: 'interest.hashSeed', type: int(0, 0xffffffff), default: 1, doc: 'Seed of the random hyperplanes; changing it, the dimension, signatures or bits needs a new application id.' },
  { path: 'interest.longTermHalfLifeMs', type: int(1), default: 90 * 24 * 60 * MINUTE, doc: 'Half-life of lifelong interest, in event-time milliseconds (default 90 days).' },
  { path: 'interest.shortTermHalfLifeMs', type: int(1), default: 30 * MINUTE, doc: 'Half-life of short-term interest, in event-time milliseconds (default 30 minutes).' },
  { path: 'interest.topCategories', type: int(1, 1024), default: 8, doc: 'Categories kept per user, by decayed weight.' },
  { path: 'interest.topAuthors', type: int(1, 1024), default: 8, doc: 'Authors kept per user, by decayed weight.' },
  { path: 'interest.indexItemsPerBucket', type: int(1, 1_000_000), default: 256, doc: 'Newest items kept per signature bucket of the item index (candidate retrieval).' },
  { path: 'lifelongValue.enabled', type: { kind: 'bool' }, default: true, doc: 'Run the lifelong-value topology and its online critic.' },
  { path: 'lifelongValue.gammaPerHour', type: { kind: 'number', min: 0, max: 1, exclusive: { min: true, max: true } }, default: 0.99, doc: 'Discount per hour of event time between a pair’s steps (0.99: a reward three days away counts half).' },
  { path: 'lifelongValue.decayHalfLifeHours', type: { kind: 'number', min: 0, exclusive: { min: true } }, default: 168, doc: 'Half-life of the decayed pair counts, in event-time hours (default 7 days).' },
  { path: 'lifelongValue.maxAuthorsPerUser', type: int(1, 4096), default: 64, doc: 'Authors kept per user, by value and recency (the memory bound of the pair store).' },
  { path: 'lifelongValue.maxStepHours', type: { kind: 'number', min: 0, exclusive: { min: true } }, default: 72, doc: 'A pair step open this long (event-time hours) ends at the user’s next request, so silences are learned too.' },
  { path: 'lifelongValue.transitions', type: { kind: 'enum', values: ['sparse', 'dense'] }, default: 'sparse', doc: 'Next state at the pair’s next interaction (sparse, cross-request) or at the user’s next request (dense).' },
  { path: 'lifelongValue.weights.click', type: { kind: 'number', min: 0 }, default: 1, doc: 'Weight of the click value head in the lifelong value.' },
  { path: 'lifelongValue.weights.follow', type: { kind: 'number', min: 0 }, default: 5, doc: 'Weight of the follow value head in the lifelong value.' },
  { path: 'lifelongValue.weights.gift', type: { kind: 'number', min: 0 }, default: 0.5, doc: 'Weight of the gift value head (rewards in units of 10 gift value) in the lifelong value.' },
  { path: 'lifelongValue.backend', type: { kind: 'enum', values: ['auto', 'tfjs-node', 'wasm', 'cpu'] }, default: 'auto', doc: 'TensorFlow.js backend: auto tries @tensorflow/tfjs-node, then the wasm backend, then cpu.' },
  { path: 'lifelongValue.checkpointDir', type: { kind: 'string' }, default: '.lifelong/models/lifelong-value', doc: 'Directory of the versioned critic checkpoints (restored at start).' },
  { path: 'lifelongValue.checkpointIntervalMs', type: int(1_000), default: 5 * MINUTE, doc: 'Wall time between periodic checkpoints while training, in milliseconds (default 5 minutes; one more on shutdown).' },
  { path: 'lifelongValue.batchSize', type: int(1, 65_536), default: 256, doc: 'Transitions per training micro-batch.' },
  { path: 'lifelongValue.targetRefreshSteps', type: int(1), default: 500, doc: 'Training steps between copies of the critic into its target network (K).' },
  { path: 'lifelongValue.replayCapacity', type: int(1_000, 10_000_000), default: 100_000, doc: 'Transitions kept in the replay buffer (the oldest are overwritten).' },
  { path: 'lifelongValue.learningRate', type: { kind: 'number', min: 0, max: 1, exclusive: { min: true } }, default: 0.001, doc: 'Adam learning rate of the critic.' },
  { path: 'lifelongValue.trainingShare', type: { kind: 'number', min: 0, max: 1, exclusive: { min: true } }, default: 0.5, doc: 'Largest share of its worker thread the critic training may take (it rests for the rest, leaving cores to processing).' },
  { path: 'lifelongValue.trainingThread', type: { kind: 'enum', values: ['worker', 'inline'] }, default: 'worker', doc: 'Where the critic trains: a worker thread (never stalls record processing; takes a core of its own) or inline on the event loop (one core in all; steps pause processing).' },
  { path: 'recommend.enabled', type: { kind: 'bool' }, default: true, doc: 'Run the recommend topology: one slate per FEED_REQUEST on topics.recommendations.' },
  { path: 'recommend.arms', type: { kind: 'list' }, default: ['lifelong'], doc: 'Experiment arms, [name=]policy[:weight] (policies: greedy, lifelong); users are assigned by a stable hash of their id.' },
  { path: 'recommend.slateSize', type: int(1, 200), default: 10, doc: 'Items per slate.' },
  { path: 'recommend.plannedCategories', type: int(1, 50), default: 3, doc: 'Categories the lifelong planner chooses per slate.' },
  { path: 'recommend.exploration', type: { kind: 'number', min: 0, max: 1, exclusive: { max: true } }, default: 0.1, doc: 'Per position, the chance of serving a uniformly drawn eligible item instead of the best (logged as propensities).' },
  { path: 'recommend.weights.interest', type: { kind: 'number', min: 0 }, default: 1, doc: 'Weight of interest similarity in the lifelong score.' },
  { path: 'recommend.weights.authorValue', type: { kind: 'number', min: 0 }, default: 0.5, doc: 'Weight of the lifelong author value in the lifelong score.' },
  { path: 'recommend.weights.freshness', type: { kind: 'number', min: 0 }, default: 0.2, doc: 'Weight of freshness in the lifelong score.' },
  { path: 'recommend.weights.novelty', type: { kind: 'number', min: 0 }, default: 0.6, doc: 'Weight of novelty × the user’s novelty propensity in the lifelong score.' },
  { path: 'recommend.maxAuthorSlateShare', type: { kind: 'number', min: 0, max: 1, exclusive: { min: true } }, default: 0.3, doc: 'Largest share of a slate one author may fill (1: no cap).' },
  { path: 'recommend.maxAuthorSessionShare', type: { kind: 'number', min: 0, max: 1, exclusive: { min: true } }, default: 1, doc: 'Largest share of a session’s served items one author may fill (1: no cap).' },
  { path: 'recommend.recentlyShown', type: int(0, 10_000), default: 200, doc: 'Recently served items per user that are not served again.' },
  { path: 'recommend.notInterestedHalfLifeHours', type: { kind: 'number', min: 0, exclusive: { min: true } }, default: 24, doc: 'A NOT_INTERESTED keeps its category out of slates for one half-life (event-time hours), then fades from the planner.' },
  { path: 'recommend.freshnessHalfLifeHours', type: { kind: 'number', min: 0, exclusive: { min: true } }, default: 72, doc: 'Item age at which freshness halves, in event-time hours.' },
  { path: 'recommend.authorValue', type: { kind: 'enum', values: ['critic', 'statistics'] }, default: 'critic', doc: 'Author value from the critic’s cached values when present, or from pair statistics only (slates then replay identically).' },
  { path: 'recommend.seed', type: int(0, 0xffffffff), default: 1, doc: 'Seed of the exploration draws (with the request id).' },
  { path: 'demo.users', type: int(1), default: 2_000, doc: 'Users simulated by `lifelong demo`.' },
  { path: 'demo.days', type: int(1, 365), default: 3, doc: 'Days of sessions simulated by `lifelong demo`.' },
  { path: 'demo.seed', type: int(0), default: 42, doc: 'Seed of the demo generator (same seed, same events).' },
];

/** `clickhouse.url` → `--clickhouse-url`. */
export function flagName(path: string): string {
  return path.replace(/\./g, '-').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** `clickhouse.url` → `LIFELONG_CLICKHOUSE_URL`. */
export function envName(path: string): string {
  return 'LIFELONG_' + flagName(path).replace(/-/g, '_').toUpperCase();
}
