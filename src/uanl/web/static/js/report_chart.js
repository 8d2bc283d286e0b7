// The report's chart (Plotly, served from the wheel as window.Plotly, as on the dashboard).

import { t } from './i18n.js';
import { loadPlotly } from './plotly.js';
import { TIME_GROUPS, formatBucket, groupLabel } from './report_common.js';

const COLORS = { created: '#0b4f8a', resolved: '#d97706', answered: '#2e7d32', abandoned: '#c62828', metric: '#0b4f8a' };
const LOWER_IS_BETTER = new Set(['avg_first_response_s', 'avg_resolution_s', 'avg_handle_time_s']);

function layout(extra = {}) {
  return {
    autosize: true,
    margin: { l: 56, r: 16, t: 8, b: 56 },
    legend: { orientation: 'h', y: -0.25 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: 'system-ui, sans-serif', size: 12, color: '#1b1f24' },
    hovermode: 'x unified',
    xaxis: { automargin: true },
    yaxis: { automargin: true, rangemode: 'tozero' },
    ...extra,
  };
}

function ticketTraces(rows, groupBy) {
  const x = rows.map((r) => formatBucket(r.bucket, groupBy));
  return [
    { type: 'scatter', mode: 'lines+markers', name: t('reports.col.created'), x, y: rows.map((r) => r.created), line: { color: COLORS.created }, marker: { color: COLORS.created } },
    { type: 'scatter', mode: 'lines+markers', name: t('reports.col.resolved'), x, y: rows.map((r) => r.resolved), line: { color: COLORS.resolved }, marker: { color: COLORS.resolved } },
  ];
}

function callTraces(rows, groupBy) {
  const x = TIME_GROUPS.includes(groupBy)
    ? rows.map((r) => formatBucket(r.bucket, groupBy))
    : rows.map((r) => groupLabel(r, groupBy));
  return [
    { type: 'bar', name: t('reports.col.answered'), x, y: rows.map((r) => r.answered), marker: { color: COLORS.answered } },
    { type: 'bar', name: t('reports.col.abandoned'), x, y: rows.map((r) => r.abandoned), marker: { color: COLORS.abandoned } },
  ];
}

function operatorTraces(rows, metric) {
  // Best first from the top: Plotly draws a horizontal bar chart's first category at the bottom.
  const ranked = rows.filter((r) => r[metric] !== null && r[metric] !== undefined).reverse();
  const percent = metric === 'sla_compliance';
  const hours = LOWER_IS_BETTER.has(metric);
  return [
    {
      type: 'bar',
      orientation: 'h',
      name: t(`reports.col.${metric}`) + (hours ? ` (${t('reports.unit.hours')})` : ''),
      y: ranked.map((r) => r.name),
      x: ranked.map((r) => (hours ? r[metric] / 3600 : r[metric])),
      marker: { color: COLORS.metric },
      hovertemplate: percent ? '%{y}: %{x:.1%}<extra></extra>' : '%{y}: %{x:,.2f}<extra></extra>',
    },
  ];
}

/** Draw the chart of a report result into `el`. */
export async function renderReportChart(el, choice, data) {
  let Plotly;
  try {
    Plotly = await loadPlotly();
  } catch {
    el.textContent = t('reports.noChart');
    return;
  }
  if (!el.isConnected) return; // another report replaced this one meanwhile
  let traces;
  let extra = {};
  if (choice.report === 'tickets') traces = ticketTraces(data.rows, choice.group_by);
  else if (choice.report === 'calls') {
    traces = callTraces(data.rows, choice.group_by);
    extra = { barmode: 'stack' };
  } else {
    traces = operatorTraces(data.rows, choice.rank_by);
    const height = Math.max(320, 28 * traces[0].y.length + 80);
    el.classList.add('report-chart-tall');
    extra = {
      hovermode: 'closest',
      showlegend: false,
      height,
      xaxis: { automargin: true, rangemode: 'tozero', tickformat: choice.rank_by === 'sla_compliance' ? '.0%' : undefined, title: { text: traces[0].name } },
    };
  }
  await Plotly.react(el, traces, layout(extra), {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ['lasso2d', 'select2d'],
  });
  el.dataset.rendered = 'true';
}

/** Free every chart Plotly drew under `root`. */
export function purgeChart(root) {
  if (!window.Plotly) return;
  for (const el of root.querySelectorAll('.js-plotly-plot')) window.Plotly.purge(el);
}
