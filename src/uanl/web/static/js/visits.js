// Visits calendar: one week, a column per day (stacked on a phone).

import { api } from './api.js';
import { clear, h } from './dom.js';
import { formatNumber, locale, t } from './i18n.js';

// Days are calendar dates (Y-M-D); visits are grouped and their times shown in the desk's
// time zone (the API's `timezone`), never the browser's: a browser on UTC or in Tokyo must
// still show a 09:00 Monterrey visit at 09:00 on its Monterrey day.

function mondayOf(date) {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const shift = (d.getDay() + 6) % 7;
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - shift);
}

const addDays = (d, days) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);

const isoDate = (d) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

// A UTC midnight `days` after the date `d`: with a day of margin on each side the window
// holds the whole week in any time zone (UTC offsets stay within ±14 h).
const utcMidnight = (d, days) => new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate() + days));

export function renderVisits(root, params) {
  const start = params.get('week') ? mondayOf(new Date(`${params.get('week')}T00:00`)) : mondayOf(new Date());
  const move = (days) => {
    location.hash = `#/visits?week=${isoDate(addDays(start, days))}`;
  };
  const dayFmt = new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'short' });

  const grid = h('div', { class: 'week', 'aria-busy': 'true' });
  const summary = h('p', { class: 'muted', role: 'status' });
  clear(root).append(
    h('h1', {}, t('visits.title')),
    h(
      'div',
      { class: 'week-nav' },
      h('button', { type: 'button', class: 'secondary', onclick: () => move(-7) }, `← ${t('visits.prev')}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => { location.hash = '#/visits'; } }, t('visits.today')),
      h('button', { type: 'button', class: 'secondary', onclick: () => move(7) }, `${t('visits.next')} →`),
    ),
    summary,
    grid,
  );

  api('/visits/calendar', { query: { from: utcMidnight(start, -1).toISOString(), to: utcMidnight(start, 8).toISOString() } })
    .then((cal) => {
      const timeFmt = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', timeZone: cal.timezone });
      const byDay = new Map(cal.days.map((d) => [d.date, d.events]));
      const week = Array.from({ length: 7 }, (_, i) => addDays(start, i));
      const shown = week.reduce((n, day) => n + (byDay.get(isoDate(day)) || []).length, 0);
      summary.textContent = t('visits.total', { n: formatNumber(shown) });
      grid.setAttribute('aria-busy', 'false');
      for (const day of week) {
        const events = byDay.get(isoDate(day)) || [];
        grid.append(
          h(
            'section',
            { class: 'day', 'aria-label': dayFmt.format(day) },
            h('h2', {}, dayFmt.format(day)),
            events.length
              ? h(
                  'ul',
                  {},
                  events.map((ev) =>
                    h(
                      'li',
                      { class: `visit state-${ev.state}` },
                      h('time', { datetime: ev.start }, `${timeFmt.format(new Date(ev.start))}–${timeFmt.format(new Date(ev.end))}`),
                      h('div', { class: 'visit-title' }, ev.title),
                      h('div', { class: 'muted' }, [ev.client_name, ev.operator_name].filter(Boolean).join(' · ')),
                      ev.ticket_id ? h('a', { href: `#/tickets/${ev.ticket_id}` }, `#${ev.ticket_id}`) : null,
                    ),
                  ),
                )
              : h('p', { class: 'muted' }, t('visits.none')),
          ),
        );
      }
    })
    .catch((err) => {
      grid.setAttribute('aria-busy', 'false');
      grid.append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
    });
  return () => {};
}
