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
        ['2 instances together', `${num(s['two'])} ev/s`, `×${num(s['speedup'])} of 1`],
        ['Kafka Streams peer (sessions only)', `${num(peer['eventsPerSecond'])} ev/s`, `lifelong ${num(peer['lifelongRatioToPeer'])} of it`],
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
