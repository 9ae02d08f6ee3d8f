import type { Route } from '../observability/http-server.js';
import type { QueryDefinition } from '../topology/topology.js';

/** What an interactive query needs from the running application. */
export interface QueryableState {
  /** The input partition a key belongs to; undefined until the application has started. */
  partitionOf(key: string): number | undefined;
  /** A store value of a local, restored partition, or `local: false` when the partition lives elsewhere. */
  localValue(partition: number, store: string, key: string): { readonly local: true; readonly value: unknown } | { readonly local: false };
  readonly assignedPartitions: readonly number[];
}

/**
 * The HTTP route of an interactive query. A key whose partition is not restored here is
 * answered 421 (Misdirected Request) with the owning partition: Kafka, not lifelong,
 * knows which member owns it, so the caller (or a router in front) asks the right one.
 */
export function queryRoute(query: QueryDefinition<never>, state: QueryableState): Route {
  const answer = queryAnswerer(query, state);
  return async (request, url) => (request.method === 'GET' ? answer(url.pathname) : undefined);
}

/** Answers a path of the query (undefined: the path is not this query's), without HTTP. */
export function queryAnswerer(query: QueryDefinition<never>, state: QueryableState): (pathname: string) => QueryAnswer | undefined {
  const pattern = routePattern(query.path);
  const answer = (query as QueryDefinition<unknown>).answer;
  return (pathname) => {
    const match = pattern.exec(pathname);
    if (!match) return undefined;
    let key: string;
    try {
      key = decodeURIComponent(match[1]!);
    } catch {
      return { status: 400, body: { error: 'malformed key in the path', query: query.name } };
    }
    const partition = state.partitionOf(key);
    if (partition === undefined) return { status: 503, body: { error: 'not started yet', query: query.name, key } };
    const read = state.localValue(partition, query.store, key);
    if (!read.local) return { status: 421, body: { error: 'not here', query: query.name, key, partition, localPartitions: state.assignedPartitions } };
    return answer(read.value, key);
  };
}

export interface QueryAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** `/users/:key/interest` → a regex capturing the one parameter segment. */
export function routePattern(path: string): RegExp {
  const segments = path.split('/');
  const params = segments.filter((s) => s.startsWith(':')).length;
  if (params !== 1) throw new Error(`lifelong: query path ${path} needs exactly one :parameter segment`);
  const source = segments.map((s) => (s.startsWith(':') ? '([^/]+)' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}$`);
}
