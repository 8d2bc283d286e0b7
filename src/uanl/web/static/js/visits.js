// Visits calendar: day, week and month views in the desk's time zone; book, move (form or
// drag and drop), confirm, start, complete or cancel a visit beside it; the operator's
// calendar feed link. Keyboard: arrows move between days, Enter opens a day, PageUp and
// PageDown change the period, letters switch the view (visits.keys).

import { api, operators } from './api.js';
import { clear, field, h } from './dom.js';
import { formatNumber, locale, t } from './i18n.js';
import { openStream } from './stream.js';
import { feedSection } from './visit_feed.js';
import { createForm } from './visit_form.js';
import { visitPanel } from './visit_panel.js';
import { dayView, monthView, weekView } from './visit_views.js';
import * as cal from './visit_time.js';
import './visits_strings.js';

const VIEWS = ['day', 'week', 'month'];
let deskZone = null; // the API's `timezone`, learned once per page
let lifecycle = null;

async function learnZone() {
  if (!deskZone) {
    const now = Date.now();
    const probe = { from: new Date(now).toISOString(), to: new Date(now + 60_000).toISOString() };
    deskZone = (await api('/visits/calendar', { query: probe })).timezone;
  }
  return deskZone;
}

/** The days a view shows: [first, last] inclusive. */
function range(view, date) {
  if (view === 'day') return [date, date];
  if (view === 'week') return [cal.mondayOf(date), cal.addDays(cal.mondayOf(date), 6)];
  const first = cal.mondayOf(cal.firstOfMonth(date));
  return [first, cal.addDays(first, 41)];
}

function step(view, date, n) {
  if (view === 'day') return cal.addDays(date, n);
  if (view === 'week') return cal.addDays(date, 7 * n);
  return cal.addMonths(date, n);
}

function periodLabel(view, date) {
  const utc = (opts) => new Intl.DateTimeFormat(locale(), { ...opts, timeZone: 'UTC' });
  if (view === 'day') return utc({ dateStyle: 'full' }).format(cal.dayDate(date));
  if (view === 'month') return utc({ month: 'long', year: 'numeric' }).format(cal.dayDate(date));
  const [first, last] = range(view, date);
  return utc({ day: 'numeric', month: 'short', year: 'numeric' }).formatRange(cal.dayDate(first), cal.dayDate(last));
}

export function renderVisits(root, params) {
  const state = {
    view: VIEWS.includes(params.get('view')) ? params.get('view') : 'week',
    date: [params.get('date'), params.get('week')].find(cal.isDay) || null,
    operator: params.get('operator') || '',
    visit: params.get('visit') || '',
  };
  let zone = null;
  let events = new Map(); // id -> calendar event of the shown period
  let loadSeq = 0;
  let dragged = null;
  let createFormEl = null;
  const dayFmt = new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'short', timeZone: 'UTC' });
  const keys = t('visits.keys').split(',');

  const grid = h('div', { class: 'visits-grid', 'aria-busy': 'true' });
  const summary = h('p', { class: 'muted', role: 'status' });
  const dropStatus = h('div', { class: 'panel-status', role: 'status', 'aria-live': 'polite' });
  const period = h('p', { class: 'period', 'aria-live': 'polite' });
  const side = h('div', { class: 'visits-side' });
  const viewButtons = VIEWS.map((v) => h('button', { type: 'button', 'data-view': v, onclick: () => go({ view: v }) }, t(`visits.view.${v}`)));
  const technician = h('select', { onchange: () => go({ operator: technician.value }) }, h('option', { value: '' }, t('visits.filter.all')));

  const hashFor = (s) => {
    const q = new URLSearchParams({ view: s.view, date: s.date });
    if (s.operator) q.set('operator', s.operator);
    if (s.visit) q.set('visit', s.visit);
    return `#/visits?${q}`;
  };
  /** Change view, date or filter: a new history entry, the grid reloads in place. */
  function go(change, focusDay = null) {
    Object.assign(state, change);
    history.pushState(null, '', hashFor(state));
    load(focusDay);
  }
  let gone = false; // set when the screen is left: late answers must not touch the page
  const remember = () => {
    if (!gone) history.replaceState(null, '', hashFor(state));
  };

  const screen = h('div', { class: 'visits-screen' });
  clear(root).append(screen);
  screen.append(
    h('h1', {}, t('visits.title')),
    h(
      'div',
      { class: 'visits-toolbar' },
      h('div', { class: 'tabs', role: 'group', 'aria-label': t('visits.view.label') }, viewButtons),
      h(
        'div',
        { class: 'week-nav' },
        h('button', { type: 'button', class: 'secondary', 'data-nav': 'prev', onclick: () => go({ date: step(state.view, state.date, -1) }) }, `← ${t('visits.prev')}`),
        h('button', { type: 'button', class: 'secondary', 'data-nav': 'today', onclick: () => go({ date: cal.todayIn(zone) }) }, t('visits.today')),
        h('button', { type: 'button', class: 'secondary', 'data-nav': 'next', onclick: () => go({ date: step(state.view, state.date, 1) }) }, `${t('visits.next')} →`),
      ),
      field('visits-technician', t('visits.filter.technician'), technician),
      h('button', { type: 'button', class: 'new-visit', onclick: () => openCreate() }, t('visits.new')),
    ),
    period,
    summary,
    h('p', { class: 'muted small shortcuts' }, t('visits.shortcuts')),
    dropStatus,
    h('div', { class: 'visits-layout' }, h('div', { class: 'visits-main' }, grid), side),
    feedSection(),
  );

  async function load(focusDay = null) {
    const mine = ++loadSeq;
    for (const b of viewButtons) b.setAttribute('aria-pressed', String(b.dataset.view === state.view));
    technician.value = state.operator;
    const [first, last] = range(state.view, state.date);
    period.replaceChildren(periodLabel(state.view, state.date), h('span', { class: 'zone' }, t('visits.zone', { zone })));
    grid.setAttribute('aria-busy', 'true');
    const query = {
      from: cal.toInstant(first, '00:00', zone).toISOString(),
      to: cal.toInstant(cal.addDays(last, 1), '00:00', zone).toISOString(),
      operator_id: state.operator || undefined,
    };
    let answer;
    try {
      answer = await api('/visits/calendar', { query });
    } catch (err) {
      if (mine !== loadSeq) return;
      grid.setAttribute('aria-busy', 'false');
      clear(grid).append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
      return;
    }
    if (mine !== loadSeq) return;
    const byDay = new Map(answer.days.map((d) => [d.date, d.events]));
    events = new Map(answer.days.flatMap((d) => d.events.map((ev) => [ev.id, ev])));
    const days = [];
    for (let day = first; day <= last; day = cal.addDays(day, 1)) days.push(day);
    const inView = state.view === 'month' ? days.filter((d) => d.slice(0, 7) === state.date.slice(0, 7)) : days;
    const n = inView.reduce((sum, day) => sum + (byDay.get(day) || []).length, 0);
    summary.textContent = t(`visits.total.${state.view}${n === 1 ? '.one' : ''}`, { n: formatNumber(n) });
    const ctx = {
      zone,
      lifecycle,
      state,
      dayFmt,
      open: (id) => openVisit(id),
      openDay: (day) => go({ view: 'day', date: day }, day),
      drag: (ev) => {
        dragged = ev;
      },
    };
    const build = { day: () => dayView(ctx, byDay, state.date), week: () => weekView(ctx, byDay, days), month: () => monthView(ctx, byDay, days) };
    const view = build[state.view]();
    clear(grid).append(view);
    grid.setAttribute('aria-busy', 'false');
    if (focusDay) grid.querySelector(`[data-day="${focusDay}"]`)?.focus();
  }

  // -- keyboard -----------------------------------------------------------------------------

  grid.addEventListener('keydown', (e) => {
    const link = e.target.closest?.('.day-link');
    if (!link || e.altKey || e.ctrlKey || e.metaKey) return;
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (!(e.key in moves) || state.view === 'day') return;
    e.preventDefault();
    const target = cal.addDays(link.dataset.day, moves[e.key]);
    const next = grid.querySelector(`[data-day="${target}"]`);
    if (next) {
      for (const b of grid.querySelectorAll('.day-link')) b.tabIndex = -1;
      next.tabIndex = 0;
      state.date = target;
      remember();
      next.focus();
    } else {
      go({ date: target }, target); // past the shown days: the next period, same day focused
    }
  });

  screen.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || !zone) return;
    if (e.target.closest?.('input, select, textarea, form, .visit-panel, summary, details')) return;
    const [kDay, kWeek, kMonth, kToday, kNew] = keys;
    const key = e.key.toLowerCase();
    const to = (change) => () => {
      go(change, change.date || state.date); // the keyboard stays on the (new) day
    };
    const actions = {
      pageup: to({ date: step(state.view, state.date, -1) }),
      pagedown: to({ date: step(state.view, state.date, 1) }),
      [kDay]: to({ view: 'day' }),
      [kWeek]: to({ view: 'week' }),
      [kMonth]: to({ view: 'month' }),
      [kToday]: to({ date: cal.todayIn(zone) }),
      [kNew]: () => openCreate(),
    };
    if (!actions[key]) return;
    e.preventDefault();
    actions[key]();
  });

  // -- drag and drop: a visit dropped on a day keeps its time; on an hour of the day view,
  // it starts at that hour. Keyboard users move visits with the form in the panel. ---------

  const dropTarget = (e) => (dragged ? e.target.closest?.('[data-drop-date]') : null);
  grid.addEventListener('dragover', (e) => {
    const target = dropTarget(e);
    if (!target) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    for (const el of grid.querySelectorAll('.drop-target')) if (el !== target) el.classList.remove('drop-target');
    target.classList.add('drop-target');
  });
  grid.addEventListener('dragleave', (e) => e.target.closest?.('[data-drop-date]')?.classList.remove('drop-target'));
  grid.addEventListener('drop', async (e) => {
    const target = dropTarget(e);
    const ev = dragged;
    if (!target) return;
    e.preventDefault();
    target.classList.remove('drop-target');
    dragged = null;
    const from = cal.zoned(ev.start, zone);
    const minutes = Math.round((Date.parse(ev.end) - Date.parse(ev.start)) / 60_000);
    const day = target.dataset.dropDate;
    const time = target.dataset.dropTime || from.time;
    if (day === from.day && time === from.time) return;
    const start = cal.toInstant(day, time, zone);
    const end = new Date(start.getTime() + minutes * 60_000);
    const slot = { day, start: time, end: cal.zoned(end, zone).time };
    try {
      await api(`/visits/${ev.id}/reschedule`, { method: 'POST', body: { scheduled_start: start.toISOString(), scheduled_end: end.toISOString() } });
      dropStatus.textContent = t('visits.dropped', { id: ev.id, when: new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(start) });
      await load();
      if (state.visit === String(ev.id)) openVisit(ev.id, { message: t('visits.done.moved') });
    } catch (err) {
      dropStatus.textContent = t('visits.dropRefused', { id: ev.id });
      openVisit(ev.id, { slot, slotError: err });
    }
  });

  // -- the side: one visit, or the booking form ---------------------------------------------

  function closeSide() {
    const id = state.visit;
    createFormEl?.stop?.();
    createFormEl = null;
    clear(side);
    screen.classList.remove('with-side');
    state.visit = '';
    remember();
    (grid.querySelector(`[data-visit-open="${id}"]`) || screen.querySelector('.new-visit'))?.focus();
  }

  async function openVisit(id, outcome = {}) {
    let visit;
    try {
      visit = await api(`/visits/${id}`);
    } catch (err) {
      dropStatus.textContent = t('error.generic', { detail: err.message });
      return;
    }
    const people = await operators().catch(() => []);
    const ev = events.get(visit.id);
    const client = ev?.client_name || (await api(`/clients/${visit.client_id}`).then((c) => c.name, () => null));
    const names = { client, operator: ev?.operator_name || people.find((p) => p.id === visit.operator_id)?.name };
    const ctx = {
      zone,
      lifecycle,
      close: closeSide,
      refresh: async (vid, next) => {
        await load();
        await openVisit(vid, next);
      },
    };
    createFormEl = null;
    side.replaceChildren(visitPanel({ visit, names, ctx, ...outcome }));
    screen.classList.add('with-side');
    state.visit = String(visit.id);
    remember();
    side.querySelector('#visit-panel-title')?.focus();
  }

  function openCreate() {
    const start = state.view === 'day' || state.date >= cal.todayIn(zone) ? state.date : cal.todayIn(zone);
    createFormEl = createForm({
      zone,
      slot: { day: start, start: '09:00', end: '10:00' },
      onClose: closeSide,
      onDone: async (visit) => {
        const day = cal.zoned(visit.scheduled_start, zone).day;
        const [first, last] = range(state.view, state.date);
        if (day < first || day > last) {
          state.date = day;
          history.pushState(null, '', hashFor(state));
        }
        await load();
        const who = (await operators().catch(() => [])).find((p) => p.id === visit.operator_id)?.name || '';
        openVisit(visit.id, { message: t('visits.done.created', { id: visit.id, who }) });
      },
    });
    side.replaceChildren(createFormEl);
    screen.classList.add('with-side');
    state.visit = '';
    remember();
    side.querySelector('#visit-client-q')?.focus();
  }

  // -- start, live updates, cleanup ----------------------------------------------------------

  let reloadTimer = 0;
  const stream = openStream((event) => {
    if (!event.kind.startsWith('visit.') || !zone) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => load(), 400);
  });

  (async () => {
    try {
      [zone, lifecycle] = await Promise.all([learnZone(), lifecycle ? Promise.resolve(lifecycle) : api('/visits/lifecycle')]);
    } catch (err) {
      grid.setAttribute('aria-busy', 'false');
      grid.append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
      return;
    }
    // Left already (another route while the zone was being learned): this screen must not
    // write its own hash over the new route's, nor load.
    if (gone) return;
    state.date = state.date || cal.todayIn(zone);
    remember();
    operators()
      .then((people) => {
        for (const p of people) technician.append(h('option', { value: p.id }, p.name));
        technician.value = state.operator;
      })
      .catch(() => {});
    await load();
    if (state.visit) openVisit(state.visit);
  })();

  return () => {
    gone = true;
    stream.close();
    clearTimeout(reloadTimer);
    createFormEl?.stop?.();
    loadSeq += 1; // answers still on their way find nothing to draw
  };
}
