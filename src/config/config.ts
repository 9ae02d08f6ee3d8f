import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LifelongError, messageOf } from '../errors/catalog.js';
import { OPTIONS, envName, flagName, type OptionSpec, type OptionType } from './options.js';

/** The validated, frozen configuration. Its shape mirrors the paths of OPTIONS. */
export interface Config {
  readonly applicationId: string;
  readonly brokers: readonly string[];
  readonly partitions: number;
  readonly topics: { readonly events: string; readonly items: string; readonly recommendations: string; readonly deadLetter: string };
  readonly wireFormat: 'auto' | 'raw' | 'confluent';
  readonly sessionGapMs: number;
  readonly allowedLatenessMs: number;
  readonly punctuateIntervalMs: number;
  readonly dedupeWindow: number;
  readonly limits: { readonly maxRecordBytes: number; readonly maxFutureSkewMs: number; readonly maxIdLength: number };
  readonly consumer: { readonly maxBatchRecords: number; readonly concurrency: number; readonly sessionTimeoutMs: number; readonly heartbeatIntervalMs: number };
  readonly kafka: {
    readonly clientId: string;
    readonly ssl: boolean;
    readonly sslCaFile: string;
    readonly saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly saslUsername: string;
    readonly saslPassword: string;
    readonly transactionTimeoutMs: number;
    readonly connectionTimeoutMs: number;
  };
  readonly clickhouse: {
    readonly url: string;
    readonly embeddedPath: string;
    readonly database: string;
    readonly username: string;
    readonly password: string;
    readonly caFile: string;
    readonly requestTimeoutMs: number;
  };
  readonly sink: { readonly maxBatchRows: number; readonly maxBatchDelayMs: number; readonly maxBufferedRows: number };
  readonly http: { readonly port: number; readonly host: string; readonly enabled: boolean };
  readonly log: { readonly level: string };
  readonly shutdownTimeoutMs: number;
  readonly interest: {
    readonly enabled: boolean;
    readonly embeddingDim: number;
    readonly signatures: number;
    readonly bitsPerSignature: number;
    readonly hashSeed: number;
    readonly longTermHalfLifeMs: number;
    readonly shortTermHalfLifeMs: number;
    readonly topCategories: number;
    readonly topAuthors: number;
    readonly indexItemsPerBucket: number;
  };
  readonly lifelongValue: {
    readonly enabled: boolean;
    readonly gammaPerHour: number;
    readonly decayHalfLifeHours: number;
    readonly maxAuthorsPerUser: number;
    readonly maxStepHours: number;
    readonly transitions: 'sparse' | 'dense';
    readonly weights: { readonly click: number; readonly follow: number; readonly gift: number };
    readonly backend: 'auto' | 'tfjs-node' | 'wasm' | 'cpu';
    readonly checkpointDir: string;
    readonly checkpointIntervalMs: number;
    readonly batchSize: number;
    readonly targetRefreshSteps: number;
    readonly replayCapacity: number;
    readonly learningRate: number;
    readonly trainingShare: number;
    readonly trainingThread: 'worker' | 'inline';
  };
  readonly recommend: {
    readonly enabled: boolean;
    readonly arms: readonly string[];
    readonly slateSize: number;
    readonly plannedCategories: number;
    readonly exploration: number;
    readonly weights: { readonly interest: number; readonly authorValue: number; readonly freshness: number; readonly novelty: number };
    readonly maxAuthorSlateShare: number;
    readonly maxAuthorSessionShare: number;
    readonly recentlyShown: number;
    readonly notInterestedHalfLifeHours: number;
    readonly freshnessHalfLifeHours: number;
    readonly authorValue: 'critic' | 'statistics';
    readonly seed: number;
  };
  readonly demo: { readonly users: number; readonly days: number; readonly seed: number };
}

export interface ConfigSources {
  /** Parsed command-line flags keyed by option path (`clickhouse.url`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A JSON file with the same nested shape as Config. */
  readonly file?: string;
}

/**
 * Resolves every option from flags, then LIFELONG_* environment variables, then the
 * file, then the default; validates each once; returns a deep-frozen Config. A bad value
 * fails with the option's name, where it came from, and what is accepted.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const fileValues = sources.file ? readConfigFile(sources.file) : {};
  const known = new Set(OPTIONS.map((o) => o.path));
  for (const path of flatten(fileValues).keys()) {
    if (!known.has(path)) throw invalid(`unknown option "${path}" in ${sources.file}; known options: ${[...known].join(', ')}`);
  }
  const fromFile = flatten(fileValues);
  const result: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const flag = sources.flags?.[option.path];
    const env = sources.env?.[envName(option.path)];
    const [raw, origin] =
      flag !== undefined ? [flag, `flag --${flagName(option.path)}`]
      : env !== undefined ? [env, `env ${envName(option.path)}`]
      : fromFile.has(option.path) ? [fromFile.get(option.path), `file ${sources.file}`]
      : [option.default, 'default'];
    setPath(result, option.path, parseOption(option, raw, origin));
  }
  const config = deepFreeze(result) as unknown as Config;
  if (config.recommend.enabled && !config.interest.enabled) throw invalid('recommend.enabled = true needs interest.enabled = true: recommend reads the interest store (set recommend.enabled = false too)');
  return config;
}

/** The config with secrets replaced, for logs and `lifelong config`. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const option of OPTIONS) {
    const value = getPath(copy, option.path);
    if (option.type.kind === 'secret' && value) setPath(copy, option.path, '[redacted]');
    // A URL may carry credentials of its own (http://user:password@host).
    else if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(value)) setPath(copy, option.path, value.replace(/\/\/[^/@]*@/, '//[redacted]@'));
  }
  return copy;
}

function parseOption(option: OptionSpec, raw: unknown, origin: string): unknown {
  const parsed = schemaFor(option.type).safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]?.message ?? 'invalid value';
  throw invalid(`${option.path} (${origin}) = ${JSON.stringify(raw)}: ${issue}; accepted: ${describeType(option.type)}`);
}

function schemaFor(type: OptionType): z.ZodType {
  switch (type.kind) {
    case 'string':
    case 'secret':
      return z.union([z.string(), z.number().transform(String)]);
    case 'int': {
      let number = z.number().int().min(type.min);
      if (type.max !== undefined) number = number.max(type.max);
      return z.union([z.number(), z.string().trim().min(1).transform(Number)]).pipe(number);
    }
    case 'bool':
      return z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes')]);
    case 'list':
      return z.union([
        z.array(z.string()),
        z.string().transform((v) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        ),
      ]);
    case 'enum':
      return z.enum(type.values as [string, ...string[]]);
    case 'number': {
      let number = type.exclusive?.min ? z.number().gt(type.min) : z.number().gte(type.min);
      if (type.max !== undefined) number = type.exclusive?.max ? number.lt(type.max) : number.lte(type.max);
      return z.union([z.number(), z.string().trim().min(1).transform(Number)]).pipe(number);
    }
  }
}

export function describeType(type: OptionType): string {
  switch (type.kind) {
    case 'string':
      return 'a string';
    case 'secret':
      return 'a string (secret)';
    case 'int':
      return `an integer ≥ ${type.min}${type.max !== undefined ? ` and ≤ ${type.max}` : ''}`;
    case 'bool':
      return 'true or false';
    case 'list':
      return 'a comma-separated list';
    case 'enum':
      return type.values.join(' | ');
    case 'number':
      return `a number ${type.exclusive?.min ? '>' : '≥'} ${type.min}${type.max !== undefined ? ` and ${type.exclusive?.max ? '<' : '≤'} ${type.max}` : ''}`;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the file must hold a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw invalid(`cannot read config file ${file}: ${messageOf(error)}`);
  }
}

function flatten(value: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) flatten(child as Record<string, unknown>, path, out);
    else out.set(path, child);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function getPath(target: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], target);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function invalid(detail: string): LifelongError {
  return new LifelongError('CONFIG_INVALID', { detail });
}
