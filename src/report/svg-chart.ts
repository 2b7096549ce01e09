/** A series drawn on a time chart: bars or a line, against the left or the right axis. */
export interface ChartSeries {
  name: string;
  color: string;
  kind: 'bar' | 'line';
  axis: 'left' | 'right';
  /** A dashed line: a limit rather than a measurement. */
  dashed?: boolean;
  /** y per x (second); null leaves a gap. */
  values: ReadonlyArray<{ x: number; y: number | null }>;
}

export interface TimeChart {
  title: string;
  leftLabel: string;
  rightLabel?: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Said after each x tick (default `s`: seconds); e.g. `/s` for arrival rates. */
  xUnit?: string;
  /** The left axis stops here; higher values are drawn at the top (one page far past its budget would flatten the rest). */
  leftCap?: number;
  /** Vertical dashed lines across the plot, labelled at the top: a capacity, an expected peak. */
  markers?: ReadonlyArray<{ x: number; label: string; color: string }>;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round upper bound and tick step for an axis from 0 to `max`. */
export function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const rough = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  return { top: Math.ceil(max / step) * step, step };
}

const label = (value: number) => (value >= 1000 ? `${Number((value / 1000).toFixed(1))}k` : String(Number(value.toFixed(2))));

/**
 * A time chart as inline SVG: seconds on x, bars and lines on a left axis and
 * optionally a right one. No script, no fonts to fetch: it renders anywhere.
 */
export function renderTimeChart(chart: TimeChart): string {
  const width = chart.width ?? 900;
  const height = chart.height ?? 260;
  const margin = { top: 48, right: chart.rightLabel ? 56 : 16, bottom: 34, left: 56 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const xs = chart.series.flatMap((series) => series.values.map((value) => value.x));
  const xMax = Math.max(1, ...xs, ...(chart.markers ?? []).map((marker) => marker.x));
  const axisMax = (axis: 'left' | 'right') => Math.max(0, ...chart.series.filter((series) => series.axis === axis).flatMap((series) => series.values.map((value) => value.y ?? 0)));
  const left = niceScale(Math.min(axisMax('left'), chart.leftCap ?? Number.POSITIVE_INFINITY));
  const right = niceScale(Math.max(1, axisMax('right')));
  const x = (value: number) => margin.left + (value / xMax) * plotWidth;
  const y = (value: number, axis: 'left' | 'right') => margin.top + plotHeight - (Math.min(value, axis === 'left' ? left.top : right.top) / (axis === 'left' ? left.top : right.top)) * plotHeight;
  const parts: string[] = [];
  parts.push(`<text x="${margin.left}" y="16" class="chart-title">${escape(chart.title)}</text>`);
  for (let tick = 0; tick <= left.top + 1e-9; tick += left.step) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(tick, 'left')}" y2="${y(tick, 'left')}" class="grid"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(tick, 'left') + 4}" text-anchor="end" class="tick">${label(tick)}</text>`);
  }
  if (chart.rightLabel) {
    for (let tick = 0; tick <= right.top + 1e-9; tick += right.step) {
      parts.push(`<text x="${margin.left + plotWidth + 6}" y="${y(tick, 'right') + 4}" class="tick">${label(tick)}</text>`);
    }
    parts.push(`<text transform="translate(${width - 12},${margin.top + plotHeight / 2}) rotate(90)" text-anchor="middle" class="axis-label">${escape(chart.rightLabel)}</text>`);
  }
  const xStep = Math.max(1, Math.ceil(niceScale(xMax, 10).step));
  for (let tick = 0; tick <= xMax + 1e-9; tick += xStep) {
    parts.push(`<text x="${x(tick)}" y="${margin.top + plotHeight + 16}" text-anchor="middle" class="tick">${label(tick)}${escape(chart.xUnit ?? 's')}</text>`);
  }
  // Each marker's label one line below the one before, so two markers close together (capacity just under the peak) stay readable.
  for (const [index, marker] of (chart.markers ?? []).entries()) {
    parts.push(`<line x1="${x(marker.x).toFixed(1)}" x2="${x(marker.x).toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="${marker.color}" stroke-dasharray="4 3" class="marker"/>`);
    parts.push(`<text x="${(x(marker.x) + 4).toFixed(1)}" y="${margin.top + 10 + index * 12}" class="legend" fill="${marker.color}">${escape(marker.label)}</text>`);
  }
  parts.push(`<text transform="translate(14,${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escape(chart.leftLabel)}</text>`);
  parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" class="axis"/>`);
  const bars = chart.series.filter((series) => series.kind === 'bar');
  const barWidth = Math.max(1, (plotWidth / (xMax + 1)) * 0.8 / Math.max(1, bars.length));
  bars.forEach((series, index) => {
    for (const value of series.values) {
      if (value.y === null || value.y <= 0) continue;
      const top = y(value.y, series.axis);
      parts.push(`<rect x="${(x(value.x) - (barWidth * bars.length) / 2 + index * barWidth).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(margin.top + plotHeight - top).toFixed(1)}" fill="${series.color}" class="series" data-series="${escape(series.name)}"><title>${escape(`${series.name} at ${value.x}s: ${value.y}`)}</title></rect>`);
    }
  });
  for (const series of chart.series.filter((entry) => entry.kind === 'line')) {
    let path = '';
    let pen = false;
    for (const value of series.values) {
      if (value.y === null) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${x(value.x).toFixed(1)},${y(value.y, series.axis).toFixed(1)} `;
      pen = true;
    }
    if (path) parts.push(`<path d="${path.trim()}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''} class="series" data-series="${escape(series.name)}"/>`);
  }
  let legendX = margin.left;
  const legend = chart.series.map((series) => {
    const item = `<g transform="translate(${legendX},26)"><rect width="10" height="10" fill="${series.color}"/><text x="14" y="9" class="legend">${escape(series.name)}</text></g>`;
    legendX += 24 + series.name.length * 6.5;
    return item;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escape(chart.title)}" class="chart">${parts.join('')}${legend.join('')}</svg>`;
}
