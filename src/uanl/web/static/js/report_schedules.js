// Scheduled e-mailed reports (admins; /reports/schedules): the list, pause/resume, delete with
// a confirmation, and one form to create or edit, showing the API's 422 errors by each field.

import { api } from './api.js';
import { clear, h, select, toast } from './dom.js';
import { formatDateTime, t, tOr } from './i18n.js';
import {
  FILE_FORMATS,
  GROUPS,
  RANK_METRICS,
  REPORTS,
  describeParams,
  errorField,
  explain,
  fieldErrors,
  getDeskTimeZone,
  showFieldError,
} from './report_common.js';

// The API's relative periods (sources.RELATIVE_PERIODS), resolved when each run starts.
const PERIODS = ['yesterday', 'last_7_days', 'last_week', 'last_month', 'this_month'];
const CADENCES = ['day', 'week', 'month', 'cron'];
const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]; // 0 = Monday, as the API counts

/** A recurrence in words: every day at 08:00, every Monday at 08:00, ... */
export function describeRecurrence(rec) {
  if (!rec) return '—';
  if (rec.cron) return t('reports.sched.every.cronText', { cron: rec.cron });
  const at = rec.at || '08:00';
  if (rec.every === 'week') return t('reports.sched.every.weekText', { day: t(`reports.weekday.${rec.weekday}`), at });
  if (rec.every === 'month') return t('reports.sched.every.monthText', { day: rec.day, at });
  return t('reports.sched.every.dayText', { at });
}

export function renderSchedules(root) {
  let alive = true;
  let editing = null; // the schedule being edited, or null for a new one

  const list = h('div', { class: 'schedules-body', id: 'schedules-body' });
  const form = scheduleForm();
  clear(root).append(
    h('h2', {}, t('reports.sched.title')),
    h('p', { class: 'muted' }, t('reports.sched.intro')),
    list,
    form.el,
  );

  async function load() {
    try {
      const page = await api('/reports/schedules', { query: { limit: 100 } });
      if (alive) drawList(page.items);
    } catch (err) {
      if (alive) clear(list).append(h('div', { class: 'report-error', role: 'alert' }, h('p', {}, t('reports.sched.failed')), h('p', {}, explain(err))));
    }
  }

  function drawList(items) {
    if (!items.length) {
      clear(list).append(h('p', { class: 'empty', id: 'schedules-empty' }, t('reports.sched.empty')));
      return;
    }
    const head = ['name', 'report', 'period', 'cadence', 'recipients', 'next', 'last', 'state', 'actions'];
    clear(list).append(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'schedules-table', id: 'schedules-table' },
          h('caption', { class: 'visually-hidden' }, t('reports.sched.title')),
          h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(`reports.sched.col.${k}`))))),
          h('tbody', {}, items.map(scheduleRow)),
        ),
      ),
    );
  }

  function scheduleRow(s) {
    const actions = h('td', { class: 'row-actions' });
    const showActions = () => {
      clear(actions).append(
        h('button', { type: 'button', class: 'secondary', 'data-action': 'edit', 'aria-label': t('reports.sched.editOf', { name: s.name }), onclick: () => form.edit(s) }, t('reports.sched.edit')),
        h(
          'button',
          { type: 'button', class: 'secondary', 'data-action': 'toggle', 'aria-label': t(s.is_active ? 'reports.sched.pauseOf' : 'reports.sched.resumeOf', { name: s.name }), onclick: () => toggle(s) },
          t(s.is_active ? 'reports.sched.pause' : 'reports.sched.resume'),
        ),
        h('button', { type: 'button', class: 'secondary danger', 'data-action': 'delete', 'aria-label': t('reports.sched.deleteOf', { name: s.name }), onclick: askDelete }, t('reports.sched.delete')),
      );
    };
    function askDelete() {
      const yes = h('button', { type: 'button', class: 'danger', 'data-action': 'confirm-delete', onclick: () => remove(s) }, t('reports.sched.confirmYes'));
      const no = h('button', { type: 'button', class: 'secondary', onclick: () => { showActions(); actions.querySelector('[data-action="delete"]').focus(); } }, t('reports.sched.confirmNo'));
      clear(actions).append(h('span', { class: 'confirm', role: 'alert' }, t('reports.sched.confirm', { name: s.name })), yes, no);
      yes.focus();
    }
    showActions();
    const tz = s.timezone || getDeskTimeZone();
    return h(
      'tr',
      { 'data-schedule': s.id, 'data-active': String(s.is_active) },
      h('th', { scope: 'row' }, s.name),
      h('td', {}, tOr(`reports.report.${s.report_type}`, s.report_type), ' · ', t(`reports.format.${s.format}`)),
      h('td', {}, describeParams(s.report_type, s.params)),
      h('td', {}, describeRecurrence(s.recurrence), h('div', { class: 'meta' }, tz)),
      h('td', { class: 'recipients' }, s.recipients.length ? s.recipients.map((r) => h('span', {}, r)) : h('span', { class: 'muted' }, t('reports.sched.noRecipients'))),
      h('td', {}, s.is_active ? formatDateTime(s.next_run_at, tz) : '—'),
      h('td', {}, s.last_run_at ? formatDateTime(s.last_run_at, tz) : t('reports.sched.never')),
      h('td', {}, h('span', { class: `badge sched-${s.is_active ? 'active' : 'paused'}` }, t(s.is_active ? 'reports.sched.active' : 'reports.sched.paused'))),
      actions,
    );
  }

  async function toggle(s) {
    try {
      await api(`/reports/schedules/${s.id}`, { method: 'PATCH', body: { is_active: !s.is_active } });
      toast(t(s.is_active ? 'reports.sched.paused.toast' : 'reports.sched.resumed.toast', { name: s.name }));
      await load();
      list.querySelector(`[data-schedule="${s.id}"] [data-action="toggle"]`)?.focus();
    } catch (err) {
      toast(explain(err), 'error');
    }
  }

  async function remove(s) {
    try {
      await api(`/reports/schedules/${s.id}`, { method: 'DELETE' });
      toast(t('reports.sched.deleted', { name: s.name }));
      if (editing?.id === s.id) form.reset();
      await load();
      form.focusName();
    } catch (err) {
      toast(explain(err), 'error');
    }
  }

  // ---------------------------------------------------------------- the form

  function scheduleForm() {
    const title = h('h3', { id: 'sched-form-title' }, t('reports.sched.new'));
    const name = errorField('sched-name', t('reports.sched.name'), h('input', { type: 'text', maxlength: 120, required: true }));
    const report = errorField('sched-report', t('reports.report'), select(REPORTS.map((r) => ({ value: r, label: t(`reports.report.${r}`) })), 'tickets'));
    const format = errorField('sched-format', t('reports.fileFormat'), select(FILE_FORMATS.map((f) => ({ value: f, label: t(`reports.format.${f}`) })), 'xlsx'));
    const period = errorField('sched-period', t('reports.period'), select(PERIODS.map((p) => ({ value: p, label: t(`reports.relative.${p}`) })), 'last_week'), t('reports.sched.periodHint'));
    const group = errorField('sched-group', t('reports.groupBy'), h('select'));
    const rank = errorField('sched-rank', t('reports.rankBy'), select(RANK_METRICS.map((m) => ({ value: m, label: t(`reports.col.${m}`) })), RANK_METRICS[0]));
    const lang = errorField('sched-lang', t('reports.sched.lang'), select([{ value: 'es', label: 'Español' }, { value: 'en', label: 'English' }], 'es'));
    const every = errorField('sched-every', t('reports.sched.every'), select(CADENCES.map((c) => ({ value: c, label: t(`reports.sched.every.${c}`) })), 'week'));
    const at = errorField('sched-at', t('reports.sched.at'), h('input', { type: 'time', value: '08:00', required: true }), t('reports.sched.tzHint', { tz: getDeskTimeZone() }));
    const weekday = errorField('sched-weekday', t('reports.sched.weekday'), select(WEEKDAYS.map((d) => ({ value: d, label: t(`reports.weekday.${d}`) })), 0));
    const day = errorField('sched-day', t('reports.sched.day'), h('input', { type: 'number', min: 1, max: 28, value: 1, required: true }));
    const cron = errorField('sched-cron', t('reports.sched.cron'), h('input', { type: 'text', value: '0 8 * * 1', spellcheck: 'false', autocomplete: 'off' }), t('reports.sched.cronHint'));
    const recipients = errorField('sched-recipients', t('reports.sched.recipients'), h('textarea', { rows: 3 }), t('reports.sched.recipientsHint'));
    const active = h('input', { type: 'checkbox', id: 'sched-active', checked: true });
    const status = h('p', { class: 'form-status', role: 'alert', id: 'sched-form-error' });
    const submit = h('button', { type: 'submit', id: 'sched-submit' }, t('reports.sched.create'));
    const cancel = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => reset() }, t('reports.sched.cancel'));
    const entries = { name, report_type: report, format, 'params.period': period, 'params.group_by': group, 'params.rank_by': rank, 'params.lang': lang, 'recurrence.every': every, 'recurrence.at': at, 'recurrence.weekday': weekday, 'recurrence.day': day, 'recurrence.cron': cron, recipients };

    function fillGroups(value) {
      const groups = GROUPS[report.control.value];
      clear(group.control);
      for (const g of groups || []) group.control.append(h('option', { value: g, selected: g === value }, t(`reports.group.${g}`)));
      group.wrap.hidden = !groups;
      rank.wrap.hidden = Boolean(groups);
    }
    function showCadence() {
      const c = every.control.value;
      at.wrap.hidden = c === 'cron';
      weekday.wrap.hidden = c !== 'week';
      day.wrap.hidden = c !== 'month';
      cron.wrap.hidden = c !== 'cron';
    }
    report.control.addEventListener('change', () => fillGroups(group.control.value));
    every.control.addEventListener('change', showCadence);

    function body() {
      const params = { period: period.control.value, lang: lang.control.value };
      if (report.control.value === 'operators') params.rank_by = rank.control.value;
      else params.group_by = group.control.value;
      const c = every.control.value;
      const recurrence = c === 'cron' ? { cron: cron.control.value.trim() } : { every: c, at: at.control.value };
      if (c === 'week') recurrence.weekday = Number(weekday.control.value);
      if (c === 'month') recurrence.day = Number(day.control.value);
      return {
        name: name.control.value.trim(),
        report_type: report.control.value,
        format: format.control.value,
        params,
        recurrence,
        recipients: recipients.control.value.split(/[\s,;]+/).filter(Boolean),
        is_active: active.checked,
      };
    }

    /** The API's field errors beside their fields; one it names that no field shows goes on top. */
    function showErrors(errors, sent) {
      for (const entry of Object.values(entries)) showFieldError(entry, '');
      const unplaced = [];
      for (const [where, reason] of Object.entries(errors)) {
        const m = /^recipients\.(\d+)$/.exec(where);
        if (m) {
          const n = Number(m[1]);
          showFieldError(recipients, t('reports.err.email', { n: n + 1, email: sent.recipients[n] ?? '' }));
          continue;
        }
        const key = where === 'recurrence' || where === 'recurrence.every' ? 'recurrence.every' : where === 'params' ? 'params.period' : where;
        const entry = entries[key];
        if (entry && !entry.wrap.hidden) showFieldError(entry, translateReason(key, reason));
        else unplaced.push(`${where}: ${reason}`);
      }
      status.textContent = Object.keys(errors).length ? [t('reports.fixFields'), ...unplaced].join(' ') : '';
      const first = Object.values(entries).find((e) => e.control.getAttribute('aria-invalid') === 'true');
      first?.control.focus();
    }

    const el = h(
      'form',
      {
        class: 'card schedule-form',
        id: 'schedule-form',
        'aria-labelledby': 'sched-form-title',
        novalidate: true,
        onsubmit: async (ev) => {
          ev.preventDefault();
          const sent = body();
          if (!sent.name) {
            showErrors({ name: t('reports.err.required') }, sent);
            return;
          }
          submit.disabled = true;
          try {
            const path = editing ? `/reports/schedules/${editing.id}` : '/reports/schedules';
            const saved = await api(path, { method: editing ? 'PATCH' : 'POST', body: sent });
            toast(t(editing ? 'reports.sched.saved' : 'reports.sched.created', { name: saved.name }));
            reset();
            await load();
          } catch (err) {
            const errors = fieldErrors(err);
            if (Object.keys(errors).length) showErrors(errors, sent);
            else status.textContent = explain(err);
          } finally {
            submit.disabled = false;
          }
        },
      },
      title,
      h('div', { class: 'form-grid' }, name.wrap, report.wrap, format.wrap, period.wrap, group.wrap, rank.wrap, lang.wrap),
      h('fieldset', { class: 'cadence' }, h('legend', {}, t('reports.sched.cadence')), h('div', { class: 'form-grid' }, every.wrap, at.wrap, weekday.wrap, day.wrap, cron.wrap)),
      recipients.wrap,
      h('div', { class: 'check' }, active, h('label', { for: 'sched-active' }, t('reports.sched.activeLabel'))),
      status,
      h('div', { class: 'form-actions' }, submit, cancel),
    );

    function reset() {
      editing = null;
      title.textContent = t('reports.sched.new');
      submit.textContent = t('reports.sched.create');
      cancel.hidden = true;
      name.control.value = '';
      report.control.value = 'tickets';
      format.control.value = 'xlsx';
      period.control.value = 'last_week';
      lang.control.value = 'es';
      every.control.value = 'week';
      at.control.value = '08:00';
      weekday.control.value = '0';
      day.control.value = '1';
      cron.control.value = '0 8 * * 1';
      recipients.control.value = '';
      active.checked = true;
      fillGroups('day');
      showCadence();
      showErrors({}, {});
    }

    function edit(s) {
      reset();
      editing = s;
      title.textContent = t('reports.sched.editing', { name: s.name });
      submit.textContent = t('reports.sched.save');
      cancel.hidden = false;
      const p = s.params || {};
      name.control.value = s.name;
      report.control.value = s.report_type;
      format.control.value = s.format;
      if (PERIODS.includes(p.period)) period.control.value = p.period;
      lang.control.value = p.lang === 'en' ? 'en' : 'es';
      if (p.rank_by) rank.control.value = p.rank_by;
      fillGroups(p.group_by || 'day');
      const rec = s.recurrence || {};
      every.control.value = rec.cron ? 'cron' : rec.every || 'day';
      if (rec.cron) cron.control.value = rec.cron;
      if (rec.at) at.control.value = rec.at.padStart(5, '0');
      if (rec.weekday !== undefined) weekday.control.value = String(rec.weekday);
      if (rec.day !== undefined) day.control.value = String(rec.day);
      recipients.control.value = (s.recipients || []).join('\n');
      active.checked = s.is_active;
      showCadence();
      name.control.focus();
    }

    reset();
    return { el, reset, edit, focusName: () => name.control.focus() };
  }

  load();
  return () => {
    alive = false;
  };
}

/** Known API reasons in the reader's language; any other is shown as the API wrote it. */
function translateReason(key, reason) {
  if (/at least 1 character|required|missing/i.test(reason)) return t('reports.err.required');
  if (key === 'recurrence.at') return t('reports.err.at');
  if (key === 'recurrence.cron') return t('reports.err.cron', { detail: reason });
  if (key === 'recurrence.day') return t('reports.err.day');
  return reason;
}
