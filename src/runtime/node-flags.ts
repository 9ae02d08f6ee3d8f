/**
 * V8 flags every lifelong process is started with: the image's entrypoint, `npm start`,
 * the processes the benchmarks and the fault tests start. Kept here so those places can
 * be checked against one list (test/unit/deploy/image.test.ts).
 *
 * `--max-semi-space-size=64` (MiB; V8's default tops out at 16 on 64-bit): the young
 * generation fills four times less often. The record path allocates a few hundred
 * kilobytes per slate, so with the default a scavenge interrupted about one request in a
 * hundred, and with the 1-2 GiB heap of a million-item catalog each took ~10 ms. Measured
 * on the recommend bench (1,000,000 items, 100,000 users, 5,000 requests, two interleaved
 * runs each): slate p99 12.6 / 12.1 ms -> 8.6 / 9.9 ms, max 257 / 261 ms -> 38 / 44 ms;
 * events per CPU-second in-process unchanged (within noise).
 */
export const NODE_V8_FLAGS = ['--max-semi-space-size=64'] as const;
