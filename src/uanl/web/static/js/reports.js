// The Reports screen (supervisors and admins): a summary report over a period as figures, a
// chart and a table; CSV/XLSX downloads; background files; scheduled e-mails (admins).
// The choices live in the hash's query (#/reports?report=calls&from=...), so a reload or a
// shared link shows the same report.

import { api, me } from './api.js';
import { clear, field, h, select, toast } from './dom.js';
import { categoryLabel, formatDateTime, getLang, t } from './i18n.js';
import { renderReportChart, purgeChart } from './report_chart.js';
import {
  GROUPS,
  PRESETS,
  RANK_METRICS,
  REPORTS,
  SUMMARY_KEYS,
  FILE_FORMATS,
  columnsFor,
  downloadFile,
  errorField,
  explain,
  fieldErrors,
  formatDay,
  formatValue,
  isNumeric,
  periodErrors,
  presetRange,
  setDeskTimeZone,
  showFieldError,
} from './report_common.js';
import { renderJobs } from './report_jobs.js';
import { renderSchedules } from './report_schedules.js';

const TABS = ['summary', 'jobs', 'schedules'];

function tabsFor() {
  return me().role === 'admin' ? TABS : TABS.filter((tab) => tab !== 'schedules');
}

/** The report's query from the screen's choices (API parameter names). */
function queryOf(choice) {
  const query = { from: choice.from, to: choice.to };
  if (choice.report === 'operators') query.rank_by = choice.rank_by;
  else query.group_by = choice.group_by;
  return query;
}

function choiceFrom(params) {
  const report = REPORTS.includes(params.get('report')) ? params.get('report') : 'tickets';
  const preset = PRESETS.includes(params.get('preset')) ? params.get('preset') : 'last_7_days';
  const range = presetRange(preset) || { from: params.get('from') || '', to: params.get('to') || '' };
  const groups = GROUPS[report] || GROUPS.tickets;
  const groupBy = groups.includes(params.get('group_by')) ? params.get('group_by') : 'day';
  const rankBy = RANK_METRICS.includes(params.get('rank_by')) ? params.get('rank_by') : RANK_METRICS[0];
  return { report, preset, ...range, group_by: groupBy, rank_by: rankBy };
}

export function renderReports(root, params) {
  const tabs = tabsFor();
  const tab = tabs.includes(params.get('tab')) ? params.get('tab') : 'summary';
  const choice = choiceFrom(params);
  const cleanups = [];
  const panel = h('div', { class: 'report-panel', id: 'report-panel' });

  const remember = (changes = {}) => {
    const next = new URLSearchParams({ tab, ...choice, ...changes });
    if (next.get('preset') !== 'custom') {
      next.delete('from');
      next.delete('to');
    }
    history.replaceState(null, '', `#/reports?${next}`);
  };

  const tabBar = h(
    'div',
    { class: 'tabs', role: 'group', 'aria-label': t('reports.sections') },
    tabs.map((name) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(name === tab),
          'data-tab': name,
          onclick: () => {
            location.hash = `#/reports?${new URLSearchParams({ ...choice, tab: name })}`;
          },
        },
        t(`reports.tab.${name}`),
      ),
    ),
  );

  clear(root).append(
    h('div', { class: 'page-head' }, h('h1', {}, t('reports.title'))),
    tabBar,
    panel,
  );

  if (tab === 'jobs') cleanups.push(renderJobs(panel));
  else if (tab === 'schedules') cleanups.push(renderSchedules(panel));
  else cleanups.push(renderSummary(panel, choice, remember));
  return () => {
    for (const fn of cleanups) fn?.();
  };
}

// ------------------------------------------------------------------ the summary report

function renderSummary(root, choice, remember) {
  let alive = true;
  let request = 0;

  const reportSelect = select(
    REPORTS.map((r) => ({ value: r, label: t(`reports.report.${r}`) })),
    choice.report,
  );
  const presetSelect = select(
    PRESETS.map((p) => ({ value: p, label: t(`reports.preset.${p}`) })),
    choice.preset,
  );
  const from = errorField('report-from', t('reports.from'), h('input', { type: 'date', value: choice.from, required: true }));
  const to = errorField('report-to', t('reports.to'), h('input', { type: 'date', value: choice.to, required: true }));
  const groupSelect = h('select');
  const group = errorField('report-group', t('reports.groupBy'), groupSelect);
  const rank = errorField(
    'report-rank',
    t('reports.rankBy'),
    select(RANK_METRICS.map((m) => ({ value: m, label: t(`reports.col.${m}`) })), choice.rank_by),
  );
  const formError = h('p', { class: 'form-status', role: 'alert' });

  function fillGroups() {
    const groups = GROUPS[reportSelect.value];
    clear(groupSelect);
    for (const g of groups || []) {
      groupSelect.append(h('option', { value: g, selected: g === choice.group_by }, t(`reports.group.${g}`)));
    }
    group.wrap.hidden = !groups;
    rank.wrap.hidden = Boolean(groups);
  }
  fillGroups();
  reportSelect.addEventListener('change', fillGroups);
  presetSelect.addEventListener('change', () => {
    const range = presetRange(presetSelect.value);
    if (!range) return;
    from.control.value = range.from;
    to.control.value = range.to;
  });
  for (const entry of [from, to]) {
    entry.control.addEventListener('change', () => {
      presetSelect.value = 'custom';
    });
  }

  const form = h(
    'form',
    {
      class: 'filters report-form',
      'aria-label': t('reports.choose'),
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        Object.assign(choice, {
          report: reportSelect.value,
          preset: presetSelect.value,
          from: from.control.value,
          to: to.control.value,
          group_by: groupSelect.value || choice.group_by,
          rank_by: rank.control.value,
        });
        remember();
        run();
      },
    },
    field('report-kind', t('reports.report'), reportSelect),
    field('report-preset', t('reports.period'), presetSelect),
    from.wrap,
    to.wrap,
    group.wrap,
    rank.wrap,
    h('button', { type: 'submit', id: 'report-run' }, t('reports.run')),
  );

  const status = h('p', { class: 'report-status muted', role: 'status', 'aria-live': 'polite' });
  const result = h('div', { class: 'report-result', id: 'report-result', 'aria-busy': 'false' });
  clear(root).append(form, formError, status, result);

  function showErrors(errors) {
    showFieldError(from, errors.from);
    showFieldError(to, errors.to);
    showFieldError(group, errors.group_by);
    showFieldError(rank, errors.rank_by);
  }

  async function run() {
    const current = { ...choice };
    const local = periodErrors(current.from, current.to);
    showErrors(local);
    formError.textContent = '';
    if (Object.keys(local).length) {
      status.textContent = t('reports.fixFields');
      (local.from ? from : to).control.focus();
      return;
    }
    const mine = ++request;
    result.setAttribute('aria-busy', 'true');
    status.textContent = t('reports.loading');
    try {
      const data = await api(`/reports/${current.report}`, { query: queryOf(current) });
      if (!alive || mine !== request) return;
      setDeskTimeZone(data.timezone);
      status.textContent = t('reports.ready', { report: t(`reports.report.${current.report}`) });
      showResult(current, data);
    } catch (err) {
      if (!alive || mine !== request) return;
      const errors = fieldErrors(err);
      showErrors(errors);
      status.textContent = '';
      purgeChart(result);
      clear(result).append(
        h('div', { class: 'report-error', role: 'alert' }, h('p', {}, t('reports.failed')), h('p', {}, explain(err))),
      );
    } finally {
      if (alive && mine === request) result.setAttribute('aria-busy', 'false');
    }
  }

  function showResult(current, data) {
    purgeChart(result);
    const head = h(
      'div',
      { class: 'report-head' },
      h('h2', { id: 'report-title' }, t(`reports.report.${current.report}`)),
      h(
        'p',
        { class: 'muted', id: 'report-period' },
        t('reports.periodText', { from: formatDay(current.from), to: formatDay(current.to) }),
        ' · ',
        t('reports.generated', { time: formatDateTime(data.generated_at, data.timezone), tz: data.timezone }),
      ),
    );
    clear(result).append(head, exportBar(current));
    if (isEmpty(current.report, data)) {
      result.append(h('p', { class: 'empty report-empty' }, t(`reports.empty.${current.report}`)));
      return;
    }
    result.append(summaryTiles(current.report, data.summary));
    // A figure, not an image: Plotly puts buttons (zoom, download) inside it.
    const chartBox = h('div', { class: 'chart report-chart', id: 'report-chart', role: 'figure', 'aria-labelledby': 'report-chart-title', 'aria-describedby': 'report-chart-desc' });
    result.append(
      h(
        'section',
        { class: 'chart-card' },
        h('h3', { id: 'report-chart-title' }, t(`reports.chart.${current.report}`)),
        h('p', { class: 'visually-hidden', id: 'report-chart-desc' }, t('reports.chartOf', { report: t(`reports.report.${current.report}`) })),
        chartBox,
      ),
    );
    renderReportChart(chartBox, current, data).catch(() => {
      chartBox.textContent = t('reports.noChart');
    });
    result.append(reportTable(current, data.rows));
    if (current.report === 'tickets') result.append(ticketBreakdowns(data.summary));
    result.append(h('p', { class: 'muted report-note' }, t(`reports.note.${current.report}`)));
  }

  function exportBar(current) {
    const formatSelect = select(FILE_FORMATS.map((f) => ({ value: f, label: t(`reports.format.${f}`) })), 'xlsx');
    const busy = (button, fn) => async (ev) => {
      ev?.preventDefault();
      button.disabled = true;
      try {
        await fn();
      } catch (err) {
        toast(explain(err), 'error');
      } finally {
        button.disabled = false;
      }
    };
    const fileQuery = (format) => ({ ...queryOf(current), format, lang: getLang(), bom: format === 'csv' ? 'true' : '' });
    const csv = h('button', { type: 'button', class: 'secondary', 'data-download': 'csv' }, t('reports.download.csv'));
    const xlsx = h('button', { type: 'button', class: 'secondary', 'data-download': 'xlsx' }, t('reports.download.xlsx'));
    csv.addEventListener('click', busy(csv, async () => {
      const name = await downloadFile(`/reports/${current.report}`, fileQuery('csv'), `${current.report}.csv`);
      toast(t('reports.downloaded', { name }));
    }));
    xlsx.addEventListener('click', busy(xlsx, async () => {
      const name = await downloadFile(`/reports/${current.report}`, fileQuery('xlsx'), `${current.report}.xlsx`);
      toast(t('reports.downloaded', { name }));
    }));
    const queue = h('button', { type: 'submit', id: 'report-queue' }, t('reports.queue'));
    const queueForm = h(
      'form',
      {
        class: 'report-queue',
        'aria-label': t('reports.queueLabel'),
        onsubmit: busy(queue, async () => {
          const params = { ...queryOf(current), lang: getLang() };
          const job = await api('/reports/jobs', {
            method: 'POST',
            body: { report: current.report, format: formatSelect.value, params },
          });
          toast(t('reports.queued', { id: job.id }));
          location.hash = `#/reports?${new URLSearchParams({ ...current, tab: 'jobs', job: job.id })}`;
        }),
      },
      field('report-queue-format', t('reports.fileFormat'), formatSelect),
      queue,
    );
    return h(
      'div',
      { class: 'report-actions' },
      h('div', { class: 'report-downloads', role: 'group', 'aria-label': t('reports.downloadNow') }, csv, xlsx),
      queueForm,
    );
  }

  run();
  return () => {
    alive = false;
    purgeChart(result);
  };
}

function isEmpty(report, data) {
  const s = data.summary || {};
  if (report === 'tickets') return !s.created && !s.resolved && !s.backlog_at_end;
  if (report === 'calls') return !s.calls;
  return !(data.rows || []).length;
}

function summaryTiles(report, summary) {
  return h(
    'div',
    { class: 'kpis report-kpis', id: 'report-kpis' },
    SUMMARY_KEYS[report].map(([key, kind]) =>
      h(
        'div',
        { class: 'kpi', 'data-kpi': key },
        h('div', { class: 'kpi-label', id: `report-kpi-${key}` }, t(`reports.col.${key}`)),
        h('div', { class: 'kpi-value', 'aria-labelledby': `report-kpi-${key}` }, formatValue(summary?.[key], kind)),
      ),
    ),
  );
}

function reportTable(current, rows) {
  const groupBy = current.report === 'operators' ? null : current.group_by;
  const columns = columnsFor(current.report, groupBy);
  const label = (key, kind) => (kind === 'bucket' ? t('reports.col.bucket') : kind === 'group' ? t(`reports.group.${groupBy}`) : t(`reports.col.${key}`));
  return h(
    'div',
    { class: 'table-wrap report-table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'report-table-caption' },
    h(
      'table',
      { class: 'report-table', id: 'report-table' },
      h('caption', { id: 'report-table-caption' }, t('reports.tableOf', { report: t(`reports.report.${current.report}`) })),
      h('thead', {}, h('tr', {}, columns.map(([key, kind]) => h('th', { scope: 'col', class: isNumeric(kind) ? 'num' : null, 'data-col': key }, label(key, kind))))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            columns.map(([key, kind], i) =>
              h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: isNumeric(kind) ? 'num' : null }, formatValue(row[key], kind, row, groupBy)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The tickets report's breakdowns of the tickets created in the period. */
function ticketBreakdowns(summary) {
  const list = (title, entries) =>
    h(
      'section',
      { class: 'breakdown' },
      h('h3', {}, title),
      entries.length
        ? h('dl', {}, entries.flatMap(([name, n]) => [h('dt', {}, name), h('dd', {}, formatValue(n, 'int'))]))
        : h('p', { class: 'muted' }, t('reports.none.any')),
    );
  const states = Object.entries(summary.by_state || {}).filter(([, n]) => n).map(([k, n]) => [t(`state.${k}`), n]);
  const priorities = Object.entries(summary.by_priority || {}).filter(([, n]) => n).map(([k, n]) => [t(`priority.${k}`), n]);
  const categories = (summary.by_category || []).slice(0, 8).map((c) => [c.category ? categoryLabel(c.category) : t('reports.none.category'), c.tickets]);
  const clients = (summary.by_client || []).slice(0, 8).map((c) => [c.client ?? t('reports.none.client'), c.tickets]);
  return h(
    'div',
    { class: 'breakdowns', 'aria-label': t('reports.breakdowns') },
    list(t('reports.byState'), states),
    list(t('reports.byPriority'), priorities),
    list(t('reports.byCategory'), categories),
    list(t('reports.byClient'), clients),
  );
}
