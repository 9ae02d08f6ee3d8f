/**
 * The one retry policy: exponential backoff with full jitter and a bail path for errors
 * that retrying cannot fix. Clock and randomness are injected so tests never sleep.
 */
export interface RetryPolicy {
  /** First delay before the second attempt, in milliseconds. */
  readonly initialDelayMs: number;
  /** Ceiling on any single delay, in milliseconds. */
  readonly maxDelayMs: number;
  /** Attempts in all (the first one included); Infinity retries until the signal aborts. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: Infinity };

export interface RetryHooks {
  /** Whether an error is worth another attempt; defaults to every error. */
  readonly isRetriable?: (error: unknown) => boolean;
  /** Told before each wait, for logs and metrics. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting and rethrows the last error once aborted. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

export async function retry<T>(work: (attempt: number) => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const retriable = hooks.isRetriable?.(error) ?? true;
      if (!retriable || attempt >= policy.maxAttempts || hooks.signal?.aborted) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(random() * ceiling);
      hooks.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, hooks.signal).catch(() => {
        throw error;
      });
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
