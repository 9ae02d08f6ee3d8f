import type { DayMetrics } from './day-metrics.js';
import type { PolicyRun, SimulationReport } from './report.js';

/**
 * The report as one self-contained HTML page: the charts are plain SVG generated here
 * (no script, no library, no network), so the page opens anywhere, offline, and the
 * repository needs no charting dependency for a handful of line charts.
 */

interface ChartSpec {
  readonly title: string;
  readonly value: (day: DayMetrics) => number | null;
  readonly format: (v: number) => string;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const num = (digits: number) => (v: number): string => v.toFixed(digits);

const CHARTS: readonly ChartSpec[] = [
  { title: 'Active users (share of population)', value: (d) => d.activeShare, format: pct },
  { title: 'Return rate (active yesterday and today)', value: (d) => d.returnRate, format: pct },
  { title: 'CTR', value: (d) => d.ctr, format: pct },
  { title: 'Engagement (depth-weighted, total)', value: (d) => d.engagement, format: num(0) },
  { title: 'Engagement per active user', value: (d) => d.engagementPerActiveUser, format: num(2) },
  { title: 'Dwell per active user (minutes)', value: (d) => d.dwellMsPerActiveUser / 60_000, format: num(2) },
  { title: 'Session length (feed requests)', value: (d) => d.sessionLength, format: num(2) },
  { title: 'Categories shown per user', value: (d) => d.categoriesPerUser, format: num(2) },
  { title: 'Category coverage (share of categories shown)', value: (d) => d.categoryCoverage, format: pct },
  { title: 'Unfamiliar-category share of impressions', value: (d) => d.unfamiliarShare, format: pct },
  { title: 'Creators still active', value: (d) => d.creatorsActive, format: num(0) },
  { title: 'Mean session satisfaction', value: (d) => d.meanSessionSatisfaction, format: num(3) },
];

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 460;
const H = 240;
const PAD = { left: 58, right: 12, top: 28, bottom: 32 };

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function lineChartSvg(spec: ChartSpec, runs: readonly PolicyRun[]): string {
  const series = runs.map((run) => run.days.map((d) => [d.day, spec.value(d)] as const).filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1])));
  const points = series.flat();
  if (points.length === 0) return '';
  const days = points.map((p) => p[0]);
  const values = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...days), Math.max(...days, Math.min(...days) + 1)];
  let [y0, y1] = [Math.min(...values), Math.max(...values)];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5 * Math.abs(y0 || 1), y1 + 0.5 * Math.abs(y1 || 1)];
  const pad = (y1 - y0) * 0.08;
  [y0, y1] = [y0 - pad, y1 + pad];
  const x = (v: number): number => PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - ((v - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => y0 + t * (y1 - y0));
  const grid = ticks
    .map((v) => `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/><text x="${PAD.left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${escapeHtml(spec.format(v))}</text>`)
    .join('');
  const xTicks = [...new Set([x0, Math.round((x0 + x1) / 2), x1])].map((d) => `<text x="${x(d).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${d}</text>`).join('');
  const lines = series
    .map((s, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      const path = s.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
      const dots = s.length <= 40 ? s.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2" fill="${colour}"><title>${escapeHtml(`${runs[i]!.policy}, day ${p[0]}: ${spec.format(p[1])}`)}</title></circle>`).join('') : '';
      return `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(spec.title)}"><text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${escapeHtml(spec.title)}</text>${grid}<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#999"/>${xTicks}<text x="${W - PAD.right}" y="${H - 4}" text-anchor="end" font-size="10">day</text>${lines}</svg>`;
}

function legend(runs: readonly PolicyRun[]): string {
  return runs.map((run, i) => `<span class="key"><span class="swatch" style="background:${COLOURS[i % COLOURS.length]}"></span>${escapeHtml(run.policy)}</span>`).join(' ');
}

function totalsTable(report: SimulationReport): string {
  const fmt = (v: number | null, f: (n: number) => string): string => (v === null ? 'n/a' : f(v));
  const rows: ReadonlyArray<readonly [string, (run: PolicyRun) => string]> = [
    ['CTR', (r) => pct(r.totals.ctr)],
    ['top-slot CTR', (r) => pct(r.totals.topSlotCtr)],
    ['total engagement', (r) => r.totals.engagement.toFixed(0)],
    ['last-day return rate', (r) => fmt(r.totals.lastDayReturnRate, pct)],
    ['last-day active users', (r) => pct(r.totals.lastDayActiveShare)],
    ['dwell per user (min)', (r) => (r.totals.dwellMsPerUser / 60_000).toFixed(1)],
    ['session length', (r) => r.totals.meanSessionLength.toFixed(2)],
    ['categories per user-day', (r) => r.totals.meanCategoriesPerUser.toFixed(2)],
    ['follows / gifts', (r) => `${r.totals.follows} / ${r.totals.gifts}`],
    ['creators active at the end', (r) => String(r.totals.creatorsActiveAtEnd)],
    ['events sent / wall time', (r) => `${r.eventsSent} / ${r.wallSeconds.toFixed(0)} s`],
    ['ClickHouse sessions (mean CTR)', (r) => (r.clickhouse ? `${r.clickhouse.sessions} (${pct(r.clickhouse.meanCtr)})` : 'n/a')],
  ];
  const head = `<tr><th></th>${report.runs.map((r) => `<th>${escapeHtml(r.policy)}</th>`).join('')}</tr>`;
  const body = rows.map(([label, f]) => `<tr><td>${escapeHtml(label)}</td>${report.runs.map((r) => `<td>${escapeHtml(f(r))}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

function comparisonText(report: SimulationReport): string {
  const signed = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);
  return report.comparison
    .map((c) => `<p><b>${escapeHtml(c.policy)}</b> vs <b>${escapeHtml(c.baseline)}</b>: last-day return rate ${signed(c.lastDayReturnRate)}, last-day active users ${signed(c.lastDayActiveShare)}, total engagement ${signed(c.totalEngagement)}, CTR ${signed(c.ctr)}.</p>`)
    .join('');
}

export function renderReportHtml(report: SimulationReport): string {
  const charts = CHARTS.map((spec) => lineChartSvg(spec, report.runs)).filter((svg) => svg !== '').map((svg) => `<figure>${svg}</figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lifelong simulation — ${escapeHtml(report.parameters.name)}, seed ${report.seed}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}figure{display:inline-block;margin:6px;border:1px solid #ddd}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}.key{margin-right:16px}.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}pre{background:#f6f6f6;padding:8px;font-size:11px;max-height:240px;overflow:auto}</style>
</head><body>
<h1>lifelong simulation</h1>
<p>${report.users} users × ${report.days} days, seed ${report.seed}, parameter set <b>${escapeHtml(report.parameters.name)}</b> (${escapeHtml(report.parameters.doc)}), ${report.transport} transport, ${escapeHtml(report.createdAt)}. Each policy ran the same seeded world separately, through the real topologies.</p>
${comparisonText(report)}
${totalsTable(report)}
<p>${legend(report.runs)}</p>
${charts}
<h2>Parameters</h2><pre>${escapeHtml(JSON.stringify(report.parameters, null, 2))}</pre>
</body></html>
`;
}
