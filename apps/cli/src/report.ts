/**
 * `report.html`: a self-contained page (inline SVG, no scripts or network) with the loss,
 * metric and learning-rate curves and the per-layer gradient-norm heatmap of one or more runs,
 * and for detection sample test images with the ground truth beside the predictions.
 */

/** One line of metrics.jsonl as the report reads it. */
export interface ReportRecord {
  readonly kind: 'step' | 'epoch';
  readonly split: 'train' | 'val';
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly lr: number;
}

/** Per-layer gradient norms recorded at one step. */
export interface GradFlowRecord {
  readonly step: number;
  readonly norms: Readonly<Record<string, number>>;
}

/** One run of a report. */
export interface ReportRun {
  readonly name: string;
  readonly records: readonly ReportRecord[];
  readonly gradFlow: readonly GradFlowRecord[];
  /** Free-form facts shown in a table (model, dataset, params, final metrics, …). */
  readonly facts: Readonly<Record<string, string | number>>;
  /** Test images shown as the model sees them (detection: ground truth beside predictions). */
  readonly samples?: readonly ReportSample[];
}

/** One test image of a report: pictures side by side (PNG data URLs) with their captions. */
export interface ReportSample {
  readonly pictures: readonly { readonly src: string; readonly caption: string }[];
}

const COLORS = ['#d1495b', '#00798c', '#edae49', '#30638e', '#66a182', '#8d96a3'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}

interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  readonly dashed?: boolean;
}

/** A line chart as inline SVG. */
export function lineChart(title: string, series: readonly Series[], options: { logY?: boolean; xLabel?: string } = {}): string {
  const W = 460;
  const H = 260;
  const m = { l: 56, r: 12, t: 28, b: 40 };
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!options.logY || y > 0));
  if (pts.length === 0) return `<figure class="chart"><figcaption>${esc(title)}</figcaption><p class="empty">no data</p></figure>`;
  const ty = (y: number) => (options.logY ? Math.log10(y) : y);
  const x0 = Math.min(...pts.map((p) => p[0]));
  let x1 = Math.max(...pts.map((p) => p[0]));
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((ty(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const ticks = (lo: number, hi: number, n: number) => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  const grid = ticks(y0, y1, 4)
    .map((v) => {
      const y = H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
      const label = options.logY ? fmtNum(10 ** v) : fmtNum(v);
      return `<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" class="grid"/><text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${label}</text>`;
    })
    .join('');
  const xt = ticks(x0, x1, 4)
    .map((v) => `<text x="${sx(v)}" y="${H - m.b + 16}" text-anchor="middle">${fmtNum(Math.round(v))}</text>`)
    .join('');
  const lines = series
    .map((s) => {
      const p = s.points.filter(([, y]) => Number.isFinite(y) && (!options.logY || y > 0));
      if (p.length === 0) return '';
      const d = p.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      const dots = p.length < 40 ? p.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`).join('') : '';
      return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>${dots}`;
    })
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<g transform="translate(${m.l + 8 + (i % 3) * 130},${m.t + 4 + Math.floor(i / 3) * 14})"><line x1="0" x2="16" y1="0" y2="0" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="20" y="4">${esc(s.label)}</text></g>`,
    )
    .join('');
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<text x="${m.l}" y="16" class="title">${esc(title)}</text>${grid}${xt}
<text x="${(W + m.l) / 2}" y="${H - 6}" text-anchor="middle">${esc(options.xLabel ?? 'step')}</text>${lines}${legend}</svg></figure>`;
}

/**
 * Gradient-norm heatmap: one row per parameter (in network order), one column per recorded
 * step, colour = log10 of the norm. Vanishing gradients show as dark early rows.
 */
export function heatmap(title: string, flow: readonly GradFlowRecord[], range?: readonly [number, number]): string {
  if (flow.length === 0) return `<figure class="chart"><figcaption>${esc(title)}</figcaption><p class="empty">no gradient-flow records</p></figure>`;
  const names = Object.keys(flow[0]!.norms).filter((n) => !/(^|\.)bias$|running_|num_batches/.test(n));
  const rows = names.length ? names : Object.keys(flow[0]!.norms);
  const cols = flow.length;
  const cell = Math.max(2, Math.min(14, Math.floor(420 / cols)));
  const rowH = Math.max(3, Math.min(12, Math.floor(420 / rows.length)));
  const logs = flow.flatMap((f) => rows.map((r) => Math.log10(Math.max(f.norms[r] ?? 0, 1e-30))));
  const [lo, hi] = range ?? [Math.min(...logs), Math.max(...logs)];
  const span = hi - lo || 1;
  const color = (v: number) => {
    const t = Math.min(1, Math.max(0, (v - lo) / span));
    // dark blue (vanished) → yellow (large)
    const r = Math.round(20 + 235 * t);
    const g = Math.round(30 + 200 * t);
    const b = Math.round(90 - 60 * t);
    return `rgb(${r},${g},${b})`;
  };
  const labelW = 190;
  const W = Math.max(labelW + cols * cell + 70, 560);
  const H = 30 + rows.length * rowH + 30;
  const cells: string[] = [];
  flow.forEach((f, c) => {
    rows.forEach((r, i) => {
      const v = Math.log10(Math.max(f.norms[r] ?? 0, 1e-30));
      cells.push(
        `<rect x="${labelW + c * cell}" y="${24 + i * rowH}" width="${cell}" height="${rowH}" fill="${color(v)}"><title>${esc(r)} @ step ${f.step}: ${fmtNum(f.norms[r] ?? 0)}</title></rect>`,
      );
    });
  });
  // Label every k-th row so labels stay at least 10 px apart.
  const every = Math.max(1, Math.ceil(10 / rowH));
  const labels = rows
    .map((r, i) => (i % every === 0 ? `<text x="${labelW - 4}" y="${24 + i * rowH + rowH - 1}" text-anchor="end" class="small">${esc(r)}</text>` : ''))
    .join('');
  const scale = Array.from(
    { length: 20 },
    (_, i) => `<rect x="${W - 50}" y="${24 + (19 - i) * 10}" width="12" height="10" fill="${color(lo + (span * i) / 19)}"/>`,
  ).join('');
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${Math.max(H, 240)}" width="${W}" height="${Math.max(H, 240)}" role="img" aria-label="${esc(title)}">
<text x="4" y="16" class="title">${esc(title)}</text>${cells.join('')}${labels}${scale}
<text x="${W - 34}" y="22" class="small">1e${hi.toFixed(0)}</text><text x="${W - 34}" y="${24 + 200}" class="small">1e${lo.toFixed(0)}</text>
<text x="${labelW}" y="${Math.max(H, 240) - 6}" class="small">steps ${flow[0]!.step}–${flow[flow.length - 1]!.step} →   rows: parameters, input side on top</text></svg></figure>`;
}

/** Builds the whole page for one run or several (compared side by side). */
export function renderReport(title: string, runs: readonly ReportRun[]): string {
  const seriesOf = (pick: (r: ReportRecord) => number, filter: (r: ReportRecord) => boolean, dashed = false) =>
    runs.map((run, i): Series => ({
      label: `${run.name}${dashed ? ' (val)' : ''}`,
      color: COLORS[i % COLORS.length]!,
      dashed,
      points: run.records.filter(filter).map((r) => [r.step, pick(r)] as const),
    }));
  const charts: string[] = [];
  charts.push(
    lineChart(
      'training loss',
      [
        ...seriesOf(
          (r) => r.loss,
          (r) => r.kind === 'step' && r.split === 'train',
        ),
        ...seriesOf(
          (r) => r.loss,
          (r) => r.kind === 'epoch' && r.split === 'val',
          true,
        ),
      ],
      { logY: true },
    ),
  );
  const metricNames = [...new Set(runs.flatMap((r) => r.records.flatMap((x) => Object.keys(x.metrics))))];
  for (const metric of metricNames) {
    charts.push(
      lineChart(metric, [
        ...seriesOf(
          (r) => r.metrics[metric] ?? NaN,
          (r) => r.kind === 'epoch' && r.split === 'train',
        ),
        ...seriesOf(
          (r) => r.metrics[metric] ?? NaN,
          (r) => r.kind === 'epoch' && r.split === 'val',
          true,
        ),
      ]),
    );
  }
  charts.push(
    lineChart(
      'learning rate',
      seriesOf(
        (r) => r.lr,
        (r) => r.kind === 'step',
      ),
    ),
  );
  // One colour scale for every heatmap so runs compare directly.
  const all = runs
    .flatMap((r) => r.gradFlow.flatMap((f) => Object.values(f.norms)))
    .filter((v) => v > 0)
    .map(Math.log10);
  const range: [number, number] | undefined = all.length ? [Math.min(...all), Math.max(...all)] : undefined;
  const heatmaps = runs.map((r) => heatmap(`gradient norm per layer — ${r.name}`, r.gradFlow, range)).join('');
  const factKeys = [...new Set(runs.flatMap((r) => Object.keys(r.facts)))];
  const facts = `<table><thead><tr><th></th>${runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr></thead><tbody>${factKeys
    .map((k) => `<tr><th>${esc(k)}</th>${runs.map((r) => `<td>${esc(String(r.facts[k] ?? ''))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const samples = runs
    .filter((r) => r.samples?.length)
    .map(
      (r) =>
        `<h2>Sample predictions — ${esc(r.name)}</h2><div class="samples">${r
          .samples!.map(
            (s) =>
              `<div class="sample">${s.pictures.map((p) => `<figure><img src="${p.src}" alt="${esc(p.caption)}"><figcaption>${esc(p.caption)}</figcaption></figure>`).join('')}</div>`,
          )
          .join('')}</div>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} .charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;border:1px solid #ddd;border-radius:6px;padding:6px;background:#fff}
svg text{font-size:11px;fill:#333} svg text.title{font-size:13px;font-weight:600} svg text.small{font-size:9px}
line.grid{stroke:#eee} table{border-collapse:collapse;margin:12px 0} td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
.empty{color:#888} .samples{display:flex;flex-wrap:wrap;gap:16px} .sample{display:flex;gap:4px}
.sample figure{margin:0} .sample img{width:256px;image-rendering:pixelated;border:1px solid #ddd} figcaption{font-size:12px;color:#555}
</style></head><body>
<h1>${esc(title)}</h1>
${facts}
<div class="charts">${charts.join('\n')}</div>
<h2>Gradient flow</h2>
<div class="charts">${heatmaps}</div>
${samples}
</body></html>
`;
}
