// Visits calendar: one week, a column per day (stacked on a phone).

import { api } from './api.js';
import { clear, h } from './dom.js';
import { formatNumber, locale, t } from './i18n.js';

const DAY_MS = 86400000;

function mondayOf(date) {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const shift = (d.getDay() + 6) % 7;
  return new Date(d.getTime() - shift * DAY_MS);
}

const isoDate = (d) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

export function renderVisits(root, params) {
  const start = params.get('week') ? mondayOf(new Date(`${params.get('week')}T00:00`)) : mondayOf(new Date());
  const end = new Date(start.getTime() + 7 * DAY_MS);
  const move = (days) => {
    location.hash = `#/visits?week=${isoDate(new Date(start.getTime() + days * DAY_MS))}`;
  };
  const dayFmt = new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'short' });
  const timeFmt = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' });

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

  api('/visits/calendar', { query: { from: start.toISOString(), to: end.toISOString() } })
    .then((cal) => {
      const byDay = new Map(cal.days.map((d) => [d.date, d.events]));
      summary.textContent = t('visits.total', { n: formatNumber(cal.total) });
      grid.setAttribute('aria-busy', 'false');
      for (let i = 0; i < 7; i += 1) {
        const day = new Date(start.getTime() + i * DAY_MS);
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
