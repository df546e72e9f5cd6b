/**
 * Inline SVG charts for the overview, as markup strings. Every label goes
 * through escapeHtml; colours come from classes in the page's stylesheet
 * (a style attribute would need 'unsafe-inline'). Each chart carries its
 * figures as a table too, for screen readers and print.
 */
import { escapeHtml } from './escape.js';

export interface Series {
  name: string;
  /** CSS class giving the series its colour, e.g. `s-critical`. */
  cls: string;
  values: number[];
}

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/** A round upper bound for the y axis (1, 2, 5 × 10^n). */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((m) => m * p >= max) as number) * p;
}

function dataTable(caption: string, rowHeader: string, labels: string[], series: Series[], format: (n: number) => string): string {
  const head = `<tr><th scope="col">${escapeHtml(rowHeader)}</th>${series.map((s) => `<th scope="col">${escapeHtml(s.name)}</th>`).join('')}</tr>`;
  const rows = labels
    .map((l, i) => `<tr><th scope="row">${escapeHtml(l)}</th>${series.map((s) => `<td>${escapeHtml(format(s.values[i] ?? 0))}</td>`).join('')}</tr>`)
    .join('');
  return `<details class="chart-data"><summary>Figures</summary><table><caption>${escapeHtml(caption)}</caption><thead>${head}</thead><tbody>${rows}</tbody></table></details>`;
}

function legend(series: Series[]): string {
  return `<ul class="legend">${series.map((s) => `<li><span class="swatch ${escapeHtml(s.cls)}" aria-hidden="true"></span>${escapeHtml(s.name)}</li>`).join('')}</ul>`;
}

/**
 * One line per series over scans (x = scan, in order). With a single scan
 * there is no trend to draw: the chart says so and shows the figures.
 */
export function lineChart(title: string, labels: string[], series: Series[], format: (n: number) => string = String): string {
  const id = `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  if (labels.length < 2) {
    const figures = series.map((s) => `${escapeHtml(s.name)}: <strong>${escapeHtml(format(s.values[0] ?? 0))}</strong>`).join(' · ');
    return `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}</figcaption><p class="muted">1 scan so far: a trend appears from the second scan. Now: ${figures}</p></figure>`;
  }
  const max = niceMax(Math.max(...series.flatMap((s) => s.values)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (plotW * i) / (labels.length - 1);
  const y = (v: number) => PAD.top + plotH - (plotH * v) / max;
  const grid = [0, 0.5, 1]
    .map((f) => `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(max * f)}" y2="${y(max * f)}"/><text class="axis" x="${PAD.left - 6}" y="${y(max * f) + 4}" text-anchor="end">${escapeHtml(format(max * f))}</text>`)
    .join('');
  // Label the first and last scan, and a few between when there is room.
  const step = Math.max(1, Math.ceil(labels.length / 6));
  const ticks = labels
    .map((l, i) => (i % step === 0 || i === labels.length - 1 ? `<text class="axis" x="${x(i)}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(l)}</text>` : ''))
    .join('');
  const lines = series
    .map((s) => {
      const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dots = s.values.map((v, i) => `<circle class="${escapeHtml(s.cls)}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3"><title>${escapeHtml(`${s.name}, ${labels[i]}: ${format(v)}`)}</title></circle>`).join('');
      return `<polyline class="line ${escapeHtml(s.cls)}" points="${points}"/>${dots}`;
    })
    .join('');
  return (
    `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg">${grid}${ticks}${lines}</svg>` +
    legend(series) +
    dataTable(title, 'Scan', labels, series, format) +
    '</figure>'
  );
}

export interface StackedRow {
  label: string;
  parts: { name: string; cls: string; value: number }[];
}

/** Horizontal stacked bars, each row scaled to its own total (shares), with the counts in the tooltip and table. */
export function stackedBars(title: string, rowHeader: string, rows: StackedRow[]): string {
  const rowH = 22;
  const labelW = 130;
  const barW = WIDTH - labelW - 70;
  const bars = rows
    .map((row, r) => {
      const total = row.parts.reduce((n, p) => n + p.value, 0);
      let at = labelW;
      const rects = row.parts
        .filter((p) => p.value > 0)
        .map((p) => {
          const w = (barW * p.value) / total;
          const rect = `<rect class="${escapeHtml(p.cls)}" x="${at.toFixed(1)}" y="${r * rowH + 4}" width="${w.toFixed(1)}" height="${rowH - 8}"><title>${escapeHtml(`${row.label}: ${p.value} ${p.name}`)}</title></rect>`;
          at += w;
          return rect;
        })
        .join('');
      return `<text class="axis" x="${labelW - 6}" y="${r * rowH + rowH / 2 + 4}" text-anchor="end">${escapeHtml(row.label)}</text>${rects}<text class="axis" x="${labelW + barW + 6}" y="${r * rowH + rowH / 2 + 4}">${escapeHtml(String(total))}</text>`;
    })
    .join('');
  const names = rows[0]?.parts ?? [];
  const series: Series[] = names.map((p, i) => ({ name: p.name, cls: p.cls, values: rows.map((row) => row.parts[i]?.value ?? 0) }));
  return (
    `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg viewBox="0 0 ${WIDTH} ${Math.max(1, rows.length) * rowH + 4}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>` +
    legend(series) +
    dataTable(title, rowHeader, rows.map((r) => r.label), series, String) +
    '</figure>'
  );
}
