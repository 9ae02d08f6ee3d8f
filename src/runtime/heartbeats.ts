/**
 * Waits for `work` while calling `heartbeat` every `intervalMs`, so that a long wait
 * (a slow sink, a restore) does not cost the group membership: kafkajs only heartbeats
 * between batches on its own. A failing heartbeat (the group is rebalancing) does not
 * interrupt the work; the caller's next commit finds out.
 */
export async function withHeartbeats<T>(work: Promise<T>, heartbeat: () => Promise<void>, intervalMs: number): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  settled.catch(() => {});
  while (!done) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, intervalMs);
    });
    await Promise.race([settled, tick]).catch(() => {});
    clearTimeout(timer);
    if (!done) await heartbeat().catch(() => {});
  }
  return settled;
}
