/**
 * The short human table `npm run bench` prints on stderr: per bench, the figures that
 * are ratios against their ceiling or a target. Every figure is also in the JSON.
 */
type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const num = (value: unknown): string => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value ?? '—'));

/** Rows of [figure, value, against] for one bench's result. */
export function summaryRows(bench: string, result: unknown): Array<[string, string, string]> {
  const r = obj(result);
  if ('error' in r) return [['error', String(r['error']), '']];
  switch (bench) {
    case 'in-process': {
      const p = obj(r['pipeline']);
      return [
        ['Avro decode-only loop (ceiling)', `${num(r['decodeCeilingEventsPerSecond'])} ev/s`, ''],
        ['3 topologies, in-memory transport', `${num(p['eventsPerSecond'])} ev/s`, `${num(p['ratioToDecodeCeiling'])} of decode`],
        ['  per CPU-second (per core)', `${num(p['eventsPerCpuSecond'])} ev/s`, `target ${num(r['targetEventsPerCpuSecond'])}`],
      ];
    }
    case 'kafka': {
      const p = obj(r['pipeline']);
      const s = obj(r['scaleOut']);
      const peer = obj(r['kafkaStreamsPeer']);
      return [
        [`bare kafkajs consumer, ${num(r['events'])} events (ceiling)`, `${num(r['bareKafkajsConsumerEventsPerSecond'])} ev/s`, ''],
        ['full pipeline, exactly-once, 1 instance', `${num(p['eventsPerSecond'])} ev/s`, `${num(p['ratioToBareConsumer'])} of bare (target ${num(p['targetRatio'])})`],
        ['same application in memory (processing alone)', `${num(obj(p['processingAlone'])['eventsPerSecond'])} ev/s`, `${num(obj(p['processingAlone'])['ratioToBareConsumer'])} of bare; pipeline ${num(obj(p['processingAlone'])['pipelineRatioToIt'])} of it`],
        ['2 instances together', `${num(s['two'])} ev/s`, `×${num(s['speedup'])} of 1`],
        ['Kafka Streams peer (sessions only)', `${num(peer['eventsPerSecond'])} ev/s`, `lifelong ${num(peer['lifelongRatioToPeer'])} of it`],
        ['lifelong, sessions only (like the peer)', `${num(obj(peer['lifelongSessionsOnly'])['eventsPerSecond'])} ev/s`, `${num(peer['lifelongSessionsOnlyRatioToPeer'])} of the peer`],
      ];
    }
    case 'recommend': {
      const local = obj(r['inProcess']);
      const kafka = obj(r['kafka']);
      const rows: Array<[string, string, string]> = [];
      if (!('skipped' in local)) {
        const ms = obj(local['recordMs']);
        rows.push([`slate, ${num(local['items'])} items, ${num(local['users'])} users (p50 / p99)`, `${num(ms['p50'])} / ${num(ms['p99'])} ms`, `target p99 ${num(local['targetP99Ms'])} ms; decode ${num(obj(local['ceiling'])['decodeMsPerRequest'])} ms`]);
      }
      for (const [label, run] of [['with critic', kafka['withCritic']], ['without critic', kafka['withoutCritic']]] as const) {
        if (run === undefined) continue;
        const ms = obj(obj(run)['endToEndMs']);
        const warmUp = obj(obj(obj(run)['warmUp'])['endToEndMs']);
        rows.push([`through Kafka, ${label} (p50 / p99)`, `${num(ms['p50'])} / ${num(ms['p99'])} ms`, `target p99 ${num(obj(run)['targetP99Ms'])} ms; warm-up p99 ${num(warmUp['p99'])} ms`]);
      }
      return rows.length > 0 ? rows : [['(figures in the JSON)', '', '']];
    }
    case 'lifelong-value': {
      const t = obj(r['topology']);
      const sparse = obj(obj(r['quality'])['sparse']);
      const rows: Array<[string, string, string]> = [['topology, training off', `${num(obj(t['trainingOff'])['eventsPerSecond'])} ev/s`, `${num(obj(t['trainingOff'])['ratioToBare'])} of bare engine`], ['topology, training on', `${num(obj(t['trainingOn'])['eventsPerSecond'])} ev/s`, `×${num(obj(t['trainingOn'])['ratioToOff'])} of off`]];
      if ('spearmanCritic' in sparse) rows.push(['held-out Spearman, critic', num(sparse['spearmanCritic']), `past engagements ${num(sparse['spearmanPastEngagements'])}`]);
      return rows;
    }
    case 'interest': {
      const c = obj(r['costs']);
      const m = obj(r['memory']);
      return [
        ['read at 100k history over 10', `×${num(c['readFlatness100kOver10'])}`, `brute force ×${num(c['bruteForceOverReadAt100k'])} of read`],
        [`resident bytes per user, ${num(m['users'])} users`, `${num(m['residentBytesPerUser'])} B`, `target ${num(m['targetKiB'])} KiB`],
      ];
    }
    case 'memory':
      return [[`resident bytes per user, ${num(r['users'])} users`, `${num(r['residentBytesPerUser'])} B`, `target ${num(r['targetKiB'])} KiB`]];
    default:
      return [['(figures in the JSON)', '', '']];
  }
}

export function formatTable(rows: Array<[string, string, string, string]>): string {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
