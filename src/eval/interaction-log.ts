import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

/** One row of a real interaction log. */
export interface Interaction {
  readonly user: string;
  readonly item: string;
  readonly author: string | null;
  readonly category: string | null;
  /** Epoch milliseconds. */
  readonly ts: number;
  /** Rating or other strength; null when the log has none (every interaction then counts as positive). */
  readonly strength: number | null;
}

export const INTERACTION_FIELDS = ['user', 'item', 'author', 'category', 'timestamp', 'strength'] as const;
export type InteractionField = (typeof INTERACTION_FIELDS)[number];
/** Which column of the file holds each field (by header name, or by JSON key). */
export type ColumnMapping = Readonly<Record<InteractionField, string>>;

export const DEFAULT_COLUMNS: ColumnMapping = { user: 'user', item: 'item', author: 'author', category: 'category', timestamp: 'timestamp', strength: 'strength' };

/** `user=userId,item=movieId` over the defaults; unknown fields fail with the list of known ones. */
export function parseColumnMapping<F extends string = InteractionField>(flag: string | undefined, defaults: Readonly<Record<F, string>> = DEFAULT_COLUMNS as Readonly<Record<F, string>>): Record<F, string> {
  const mapping: Record<F, string> = { ...defaults };
  if (!flag) return mapping;
  for (const pair of flag.split(',')) {
    const [field, column] = pair.split('=').map((s) => s.trim());
    if (!field || !column || !(field in defaults)) throw new Error(`lifelong: bad column mapping "${pair}"; expected field=column with field one of ${Object.keys(defaults).join(', ')}`);
    mapping[field as F] = column;
  }
  return mapping;
}

export type LogFormat = 'tsv' | 'csv' | 'jsonl';

export function formatOf(path: string): LogFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  return 'csv';
}

/** Rows of a TSV/CSV (header line first) or JSONL file, as records of strings. */
export function readRows(path: string, format: LogFormat = formatOf(path)): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  if (format === 'jsonl') {
    return lines.map((line) => Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)])));
  }
  const split = format === 'tsv' ? (line: string) => line.split('\t') : splitCsvLine;
  const [header, ...body] = lines;
  if (header === undefined) return [];
  const names = split(header);
  return body.map((line) => {
    const cells = split(line);
    return Object.fromEntries(names.map((name, i) => [name, cells[i] ?? '']));
  });
}

/** One CSV line (RFC 4180 quoting: "a, b" and "" for a quote). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** Numbers below 10^11 are seconds (10^11 s is the year 5138), larger ones milliseconds; other text is parsed as a date. */
export function timestampMs(text: string): number {
  const n = Number(text);
  if (text.trim() !== '' && Number.isFinite(n)) return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new Error(`lifelong: cannot read "${text}" as a timestamp`);
  return parsed;
}

/** Reads a log into interactions, in file order; rows without a user, item or timestamp are refused with their line. */
export function readInteractions(path: string, columns: ColumnMapping = DEFAULT_COLUMNS, format: LogFormat = formatOf(path)): Interaction[] {
  return readRows(path, format).map((row, i) => {
    const user = row[columns.user] ?? '';
    const item = row[columns.item] ?? '';
    const ts = row[columns.timestamp] ?? '';
    if (user === '' || item === '' || ts === '') throw new Error(`lifelong: ${path} row ${i + 1} lacks ${columns.user}, ${columns.item} or ${columns.timestamp}`);
    const strength = row[columns.strength];
    return {
      user,
      item,
      author: row[columns.author] || null,
      category: row[columns.category] || null,
      ts: timestampMs(ts),
      strength: strength === undefined || strength === '' ? null : Number(strength),
    };
  });
}

/** item → categories, from a side file (e.g. MovieLens movies.csv, `genres` separated by |). */
export function readItemCategories(path: string, itemColumn: string, categoryColumn: string, separator = '|'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of readRows(path)) {
    const item = row[itemColumn];
    const categories = (row[categoryColumn] ?? '').split(separator).map((c) => c.trim()).filter((c) => c !== '' && c !== '(no genres listed)');
    if (item) out.set(item, categories);
  }
  return out;
}
