// What the reports screens share: the reports and their columns, periods in the desk's time
// zone, value formatting, authenticated file downloads and field errors from problem+json.

import { API, ApiError, api, refreshAccess, token } from './api.js';
import { h } from './dom.js';
import { formatNumber, formatPercent, locale, t, tOr } from './i18n.js';
import './report_strings.js';

export const REPORTS = ['tickets', 'calls', 'operators'];
export const TIME_GROUPS = ['day', 'week', 'month'];
export const GROUPS = {
  tickets: TIME_GROUPS,
  calls: [...TIME_GROUPS, 'operator', 'client', 'direction', 'outcome'],
};
// The API's RANK_METRICS (summary/operators.py), in the order a supervisor asks for them.
export const RANK_METRICS = [
  'tickets_resolved',
  'tickets_assigned',
  'open_now',
  'avg_first_response_s',
  'avg_resolution_s',
  'sla_compliance',
  'csat_avg',
  'calls_handled',
  'avg_handle_time_s',
  'visits_done',
];
export const FILE_FORMATS = ['xlsx', 'csv', 'json'];
const MAX_DAYS = 400;

// Each report's columns as the API names them (summary/*.py), with how to show each value.
const CALL_METRICS = [
  ['calls', 'int'],
  ['answered', 'int'],
  ['abandoned', 'int'],
  ['answer_rate', 'percent'],
  ['abandon_rate', 'percent'],
  ['avg_duration_s', 'duration'],
  ['p90_duration_s', 'duration'],
  ['total_duration_s', 'duration'],
  ['became_tickets', 'int'],
];
export function columnsFor(report, groupBy) {
  if (report === 'tickets') {
    return [['bucket', 'bucket'], ['created', 'int'], ['resolved', 'int'], ['net', 'int']];
  }
  if (report === 'calls') {
    const head = TIME_GROUPS.includes(groupBy) ? [['bucket', 'bucket']] : [['name', 'group']];
    return [...head, ...CALL_METRICS];
  }
  return [
    ['rank', 'int'],
    ['name', 'text'],
    ['role', 'role'],
    ['tickets_assigned', 'int'],
    ['tickets_resolved', 'int'],
    ['open_now', 'int'],
    ['avg_first_response_s', 'duration'],
    ['avg_resolution_s', 'duration'],
    ['sla_compliance', 'percent'],
    ['csat_avg', 'decimal'],
    ['calls_handled', 'int'],
    ['avg_handle_time_s', 'duration'],
    ['visits_done', 'int'],
  ];
}

// The summary figures shown as tiles, per report.
export const SUMMARY_KEYS = {
  tickets: [
    ['created', 'int'],
    ['resolved', 'int'],
    ['backlog_at_end', 'int'],
    ['avg_first_response_s', 'duration'],
    ['avg_resolution_s', 'duration'],
    ['sla_compliance', 'percent'],
    ['reopen_rate', 'percent'],
    ['csat_avg', 'decimal'],
  ],
  calls: [
    ['calls', 'int'],
    ['answered', 'int'],
    ['abandoned', 'int'],
    ['answer_rate', 'percent'],
    ['avg_duration_s', 'duration'],
    ['p90_duration_s', 'duration'],
    ['became_tickets', 'int'],
  ],
  operators: [
    ['operators', 'int'],
    ['tickets_assigned', 'int'],
    ['tickets_resolved', 'int'],
    ['open_now', 'int'],
    ['calls_handled', 'int'],
    ['visits_done', 'int'],
  ],
};

// ------------------------------------------------------------------ dates and periods

let deskTimeZone = 'America/Monterrey';
export const setDeskTimeZone = (tz) => {
  if (tz) deskTimeZone = tz;
};
export const getDeskTimeZone = () => deskTimeZone;

/** Today's date (YYYY-MM-DD) on the desk's calendar. */
export function deskToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: deskTimeZone }).format(new Date());
}

const toDate = (iso) => new Date(`${iso}T00:00:00Z`);
const toIso = (date) => date.toISOString().slice(0, 10);
export const addDays = (iso, days) => toIso(new Date(toDate(iso).getTime() + days * 86400000));
export const daysBetween = (a, b) => Math.round((toDate(b) - toDate(a)) / 86400000);

export const PRESETS = ['today', 'last_7_days', 'this_month', 'last_month', 'custom'];

/** A quick choice as inclusive local dates; "last 7 days" ends today, as on the dashboard. */
export function presetRange(preset, today = deskToday()) {
  const first = `${today.slice(0, 8)}01`;
  if (preset === 'today') return { from: today, to: today };
  if (preset === 'last_7_days') return { from: addDays(today, -6), to: today };
  if (preset === 'this_month') return { from: first, to: today };
  if (preset === 'last_month') {
    const end = addDays(first, -1);
    return { from: `${end.slice(0, 8)}01`, to: end };
  }
  return null;
}

/** Client-side checks of a period, as the API would refuse it (422 naming `from`/`to`). */
export function periodErrors(from, to) {
  const errors = {};
  if (!from) errors.from = t('reports.err.required');
  if (!to) errors.to = t('reports.err.required');
  if (from && to && from > to) errors.to = t('reports.err.toBeforeFrom');
  else if (from && to && daysBetween(from, to) + 1 > MAX_DAYS) {
    errors.to = t('reports.err.tooLong', { n: formatNumber(MAX_DAYS) });
  }
  return errors;
}

export function formatDay(iso, options = { dateStyle: 'medium' }) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { ...options, timeZone: 'UTC' }).format(toDate(iso));
}

/** A bucket's label: the day, "week of <Monday>" or the month. */
export function formatBucket(iso, groupBy) {
  if (groupBy === 'week') return t('reports.weekOf', { day: formatDay(iso, { day: 'numeric', month: 'short' }) });
  if (groupBy === 'month') return formatDay(iso, { month: 'long', year: 'numeric' });
  return formatDay(iso, { weekday: 'short', day: 'numeric', month: 'short' });
}

/** What a job's or schedule's parameters ask for, in words: the period and the grouping. */
export function describeParams(report, params = {}) {
  let period = null;
  if (params.period) period = t(`reports.relative.${params.period}`);
  else if (params.from || params.to) period = `${formatDay(params.from)} – ${formatDay(params.to)}`;
  else if (REPORTS.includes(report)) period = t('reports.relative.default');
  const by = params.rank_by ? t(`reports.col.${params.rank_by}`) : params.group_by ? t(`reports.group.${params.group_by}`) : null;
  return [period, by].filter(Boolean).join(' · ') || '—';
}

// ------------------------------------------------------------------ values

/** Seconds in words a supervisor reads at a glance: 45 s, 4 min 39 s, 3 h 5 min, 2 d 4 h. */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, { maximumFractionDigits: 1 })} KB`;
  return `${formatNumber(bytes / 1024 / 1024, { maximumFractionDigits: 1 })} MB`;
}

/** A row's group label (calls by operator/client/direction/outcome), never a raw enum. */
export function groupLabel(row, groupBy) {
  if (groupBy === 'direction') return tOr(`reports.direction.${row.key}`, row.key);
  if (groupBy === 'outcome') return tOr(`reports.outcome.${row.key}`, row.key);
  if (row.key === null || row.key === undefined) return t(`reports.none.${groupBy}`);
  return row.name || `#${row.key}`;
}

export function formatValue(value, kind, row, groupBy) {
  if (kind === 'group') return groupLabel(row, groupBy);
  if (value === null || value === undefined) return '—';
  switch (kind) {
    case 'bucket':
      return formatBucket(value, groupBy);
    case 'int':
      return formatNumber(value);
    case 'decimal':
      return formatNumber(value, { maximumFractionDigits: 2 });
    case 'percent':
      return formatPercent(value);
    case 'duration':
      return formatSeconds(value);
    case 'role':
      return tOr(`reports.role.${value}`, value);
    default:
      return String(value);
  }
}

export const isNumeric = (kind) => ['int', 'decimal', 'percent', 'duration'].includes(kind);

// ------------------------------------------------------------------ downloads

export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    params.append(key, value);
  }
  const qs = params.toString();
  return `${API}${path}${qs ? `?${qs}` : ''}`;
}

function filenameOf(disposition) {
  const match = /filename="?([^";]+)"?/i.exec(disposition || '');
  return match ? match[1] : null;
}

/** Fetch a file with the bearer token and save it: a link cannot carry the token, so the
 *  bytes become a blob URL that a temporary <a download> saves. */
export async function downloadFile(path, query, fallbackName) {
  const send = () => fetch(apiUrl(path, query), { headers: { Authorization: `Bearer ${token()}` } });
  let resp = await send();
  if (resp.status === 401 && (await refreshAccess())) resp = await send();
  // The session is over: let the API client's own 401 handling take the console to log-in.
  if (resp.status === 401) api('/auth/me').catch(() => {});
  if (!resp.ok) {
    let problem = {};
    try {
      problem = await resp.json();
    } catch {
      problem = { detail: resp.statusText };
    }
    throw new ApiError(resp.status, problem);
  }
  const blob = await resp.blob();
  const name = filenameOf(resp.headers.get('Content-Disposition')) || fallbackName;
  const href = URL.createObjectURL(blob);
  const link = h('a', { href, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the bytes once the click is handled; free them a little later.
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  return name;
}

// ------------------------------------------------------------------ errors in words

/** A failure explained in words: no connection, not allowed, the server failed, or the API's
 *  own detail. */
export function explain(err) {
  if (!(err instanceof ApiError)) return t('reports.err.network');
  if (err.status === 401) return t('reports.err.session');
  if (err.status === 403) return t('reports.err.forbidden');
  if (err.status === 404) return t('reports.err.notFound');
  if (err.status === 429) return t('reports.err.busy');
  if (err.status >= 500) return t('reports.err.server');
  return t('error.generic', { detail: err.message });
}

/** The field errors of a 422 problem+json as {field: reason}. */
export function fieldErrors(err) {
  const out = {};
  if (!(err instanceof ApiError) || err.status !== 422) return out;
  for (const item of err.problem.errors || []) {
    if (item.field && !(item.field in out)) out[item.field] = item.reason || '';
  }
  return out;
}

/** An input with its label and a slot for its error (aria-describedby, aria-invalid). */
export function errorField(id, label, control, hint) {
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, 'data-error-for': id });
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-error`].join(' ').trim());
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, error);
  return { wrap, control, error };
}

export function showFieldError(entry, message) {
  entry.error.textContent = message || '';
  if (message) entry.control.setAttribute('aria-invalid', 'true');
  else entry.control.removeAttribute('aria-invalid');
}
