// Dashboard: KPI tiles, Plotly charts, period/operator filters, live updates from the stream.

import { loadPlotly } from './plotly.js';
import { api, operators } from './api.js';
import { $, clear, field, h, select, toast } from './dom.js';
import {
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPercent,
  t,
  tOr,
} from './i18n.js';
import { openStream } from './stream.js';

const CHARTS = [
  'tickets-by-day',
  'tickets-by-state',
  'tickets-by-priority',
  'operator-performance',
  'sla-compliance-trend',
  'calls-by-hour',
  'resolution-time-distribution',
];
const LINE_CHARTS = new Set(['tickets-by-day']);
// Units other than a ticket count start hidden; a click on the legend shows them.
const HIDDEN_SERIES = new Set(['avg_resolution_h', 'csat', 'calls']);
const SERIES_COLORS = { met: '#2e7d32', breached: '#c62828', created: '#0b4f8a', resolved: '#d97706' };
const LIVE_KINDS = /^(ticket|call|visit)\./;
const REFRESH_DEBOUNCE_MS = 300;

// [key, where in /metrics, how to show it]
const KPIS_NOW = [
  ['open_tickets', (m) => m.current.open_tickets, formatNumber],
  ['unassigned', (m) => m.current.unassigned, formatNumber],
  ['at_risk', (m) => m.current.at_risk, formatNumber],
  ['breached', (m) => m.current.breached, formatNumber],
  ['operators_online', (m) => m.current.operators.online, formatNumber],
];
const KPIS_PERIOD = [
  ['new_tickets', (m) => m.selected_period.new_tickets, formatNumber],
  ['resolved_tickets', (m) => m.selected_period.resolved_tickets, formatNumber],
  ['sla_compliance', (m) => m.selected_period.sla.compliance, formatPercent],
  ['avg_first_response', (m) => m.selected_period.avg_first_response_s, formatDuration],
  ['calls', (m) => m.selected_period.calls.total, formatNumber],
  ['csat', (m) => m.selected_period.csat.average, (v) => formatNumber(v, { maximumFractionDigits: 2 })],
];

let deskTimeZone = 'America/Monterrey';

/** YYYY-MM-DD of an instant, in the desk's time zone. */
function localDate(date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: deskTimeZone }).format(date);
}

function presetRange(preset) {
  const today = new Date();
  const days = preset === 'today' ? 1 : Number(preset);
  const start = new Date(today.getTime() - (days - 1) * 86400000);
  return { from: localDate(start), to: localDate(today) };
}

function kpiTile(key) {
  return h(
    'div',
    { class: 'kpi', 'data-kpi': key },
    h('div', { class: 'kpi-label', id: `kpi-label-${key}` }, t(`kpi.${key}`)),
    h('div', { class: 'kpi-value', 'aria-labelledby': `kpi-label-${key}` }, '…'),
  );
}

function traces(chart) {
  const labelOf = (name) => tOr(`series.${name}`, name);
  if (chart.meta?.kind === 'heatmap') {
    return [
      {
        type: 'heatmap',
        x: chart.labels,
        y: chart.series.map((s) => tOr(`weekday.${s.name}`, s.name)),
        z: chart.series.map((s) => s.data),
        colorscale: 'Blues',
        reversescale: true,
        hovertemplate: '%{y} %{x}:00 — %{z}<extra></extra>',
      },
    ];
  }
  const categoryLabel = (label) =>
    tOr(`state.${label}`, tOr(`priority.${label}`, label));
  const x = chart.labels.map(categoryLabel);
  if (chart.name === 'sla-compliance-trend') {
    return chart.series.map((s) =>
      s.name === 'compliance'
        ? { type: 'scatter', mode: 'lines+markers', name: labelOf(s.name), x, y: s.data, yaxis: 'y2' }
        : { type: 'bar', name: labelOf(s.name), x, y: s.data, marker: { color: SERIES_COLORS[s.name] } },
    );
  }
  const line = LINE_CHARTS.has(chart.name);
  return chart.series.map((s) => ({
    type: line ? 'scatter' : 'bar',
    mode: line ? 'lines+markers' : undefined,
    name: labelOf(s.name),
    x,
    y: s.data,
    visible: HIDDEN_SERIES.has(s.name) ? 'legendonly' : true,
    ...(SERIES_COLORS[s.name] ? { marker: { color: SERIES_COLORS[s.name] }, line: { color: SERIES_COLORS[s.name] } } : {}),
  }));
}

function layout(chart) {
  const base = {
    autosize: true,
    margin: { l: 48, r: 16, t: 8, b: 48 },
    legend: { orientation: 'h', y: -0.2 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: 'system-ui, sans-serif', size: 12, color: '#1b1f24' },
    hovermode: chart.meta?.kind === 'heatmap' ? 'closest' : 'x unified',
    xaxis: { automargin: true },
    yaxis: { automargin: true },
  };
  if (chart.name === 'sla-compliance-trend') {
    base.barmode = 'stack';
    base.yaxis2 = { overlaying: 'y', side: 'right', tickformat: '.0%', range: [0, 1] };
  }
  return base;
}

export function renderDashboard(root) {
  const state = { preset: '30', operatorId: '', ...presetRange('30') };
  let timer = 0;
  let stream = null;

  const periodSelect = select(
    ['today', '7', '30', '90', 'custom'].map((v) => ({
      value: v,
      label: t(`period.${v}`),
    })),
    state.preset,
  );
  const fromInput = h('input', { type: 'date', value: state.from, required: true });
  const toInput = h('input', { type: 'date', value: state.to, required: true });
  const operatorSelect = select([{ value: '', label: t('dash.allOperators') }], '');
  const liveBadge = h('span', { class: 'live', 'data-live': 'off' }, t('live.off'));
  const lastEvent = h('span', { class: 'last-event', role: 'status', 'aria-live': 'polite' });
  const updated = h('span', { class: 'muted', id: 'dash-updated' });

  periodSelect.addEventListener('change', () => {
    if (periodSelect.value === 'custom') return;
    const range = presetRange(periodSelect.value);
    fromInput.value = range.from;
    toInput.value = range.to;
  });
  for (const input of [fromInput, toInput]) {
    input.addEventListener('change', () => {
      periodSelect.value = 'custom';
    });
  }

  const filters = h(
    'form',
    {
      class: 'filters',
      'aria-label': t('dash.filters'),
      onsubmit: (ev) => {
        ev.preventDefault();
        state.from = fromInput.value;
        state.to = toInput.value;
        state.operatorId = operatorSelect.value;
        refresh();
      },
    },
    field('dash-period', t('dash.period'), periodSelect),
    field('dash-from', t('dash.from'), fromInput),
    field('dash-to', t('dash.to'), toInput),
    field('dash-operator', t('dash.operator'), operatorSelect),
    h('button', { type: 'submit' }, t('dash.apply')),
  );

  const chartBoxes = CHARTS.map((name) =>
    h(
      'section',
      { class: 'chart-card', 'aria-labelledby': `chart-title-${name}` },
      h('h3', { id: `chart-title-${name}` }, t(`chart.${name}`)),
      h('div', {
        class: 'chart',
        id: `chart-${name}`,
        'data-chart': name,
        // A figure, not an image: Plotly puts buttons (zoom, download) inside it.
        role: 'figure',
        'aria-labelledby': `chart-title-${name}`,
      }),
    ),
  );

  clear(root).append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('dash.title')),
      h('div', { class: 'live-row' }, liveBadge, lastEvent, updated),
    ),
    filters,
    h('h2', { class: 'section-title' }, t('dash.now')),
    h('div', { class: 'kpis', id: 'kpis-now' }, KPIS_NOW.map(([k]) => kpiTile(k))),
    h('h2', { class: 'section-title' }, t('dash.inPeriod')),
    h('div', { class: 'kpis', id: 'kpis-period' }, KPIS_PERIOD.map(([k]) => kpiTile(k))),
    h('h2', { class: 'section-title' }, t('dash.charts')),
    h('div', { class: 'charts' }, chartBoxes),
  );

  operators()
    .then((people) => {
      for (const op of people) operatorSelect.append(h('option', { value: op.id }, op.name));
    })
    .catch(() => {});

  async function loadMetrics() {
    const metrics = await api('/dashboards/metrics', { query: { from: state.from, to: state.to } });
    deskTimeZone = metrics.timezone || deskTimeZone;
    for (const [key, get, fmt] of [...KPIS_NOW, ...KPIS_PERIOD]) {
      const tile = $(`[data-kpi="${key}"] .kpi-value`, root);
      if (tile) tile.textContent = fmt(get(metrics));
    }
    updated.textContent = t('dash.updated', { time: formatDateTime(metrics.generated_at) });
  }

  async function loadChart(name) {
    const chart = await api(`/dashboards/charts/${name}`, {
      query: { from: state.from, to: state.to, operator_id: state.operatorId },
    });
    const el = document.getElementById(`chart-${name}`);
    const Plotly = await loadPlotly();
    if (!el || !el.isConnected) return;
    await Plotly.react(el, traces(chart), layout(chart), {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ['lasso2d', 'select2d'],
    });
    el.dataset.rendered = 'true';
  }

  async function refresh() {
    try {
      await Promise.all([loadMetrics(), ...CHARTS.map(loadChart)]);
    } catch (err) {
      toast(t('error.generic', { detail: err.message }), 'error');
    }
  }

  function scheduleRefresh() {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFRESH_DEBOUNCE_MS);
  }

  refresh();

  stream = openStream(
    (event) => {
      if (!LIVE_KINDS.test(event.kind)) return;
      lastEvent.textContent = t('live.event', { kind: event.kind });
      scheduleRefresh();
    },
    (connected) => {
      liveBadge.dataset.live = connected ? 'on' : 'off';
      liveBadge.textContent = t(connected ? 'live.on' : 'live.off');
      // Whatever happened while disconnected is replayed, but refresh the totals too.
      if (connected) scheduleRefresh();
    },
  );

  return () => {
    stream?.close();
    clearTimeout(timer);
    for (const name of CHARTS) {
      const el = document.getElementById(`chart-${name}`);
      if (el && window.Plotly) window.Plotly.purge(el);
    }
  };
}
