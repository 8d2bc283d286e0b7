// The calendar's three views, built from the API's calendar days. `ctx`: {zone, lifecycle,
// state: {date}, dayFmt, open(visitId), openDay(day), drag(event | null)}. Every day cell
// (and every hour of the day view) is a drop target: data-drop-date [, data-drop-time].

import { h } from './dom.js';
import { locale, t } from './i18n.js';
import { canChange, stateBadge } from './visit_panel.js';
import * as cal from './visit_time.js';

const MONTH_SHOWN = 3; // visits listed in a month cell; the rest behind "+N more"

function visitItem(ctx, ev, compact) {
  const { zone, lifecycle } = ctx;
  const timeFmt = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', timeZone: zone });
  const movable = lifecycle.reschedulable.includes(ev.state) && canChange(ev);
  const shown = compact
    ? timeFmt.format(new Date(ev.start))
    : `${timeFmt.format(new Date(ev.start))}–${timeFmt.format(new Date(ev.end))}`;
  const li = h(
    'li',
    { class: `visit state-${ev.state}`, draggable: movable ? 'true' : null, 'data-visit-id': ev.id },
    h(
      'button',
      { type: 'button', class: 'visit-open', 'data-visit-open': ev.id, onclick: () => ctx.open(ev.id) },
      h('time', { datetime: ev.start }, shown),
      h('span', { class: 'visit-title' }, ev.client_name),
      compact ? null : h('span', { class: 'muted visit-who' }, ev.operator_name || t('visits.panel.nobody')),
      compact ? h('span', { class: 'sr-only' }, t(`visitState.${ev.state}`)) : stateBadge(ev.state),
    ),
    !compact && ev.ticket_id ? h('a', { href: `#/tickets/${ev.ticket_id}` }, t('visits.ticketLink', { id: ev.ticket_id })) : null,
  );
  if (movable) {
    li.addEventListener('dragstart', (e) => {
      ctx.drag(ev);
      e.dataTransfer.setData('text/plain', String(ev.id));
      e.dataTransfer.effectAllowed = 'move';
      li.classList.add('dragging');
    });
    li.addEventListener('dragend', () => {
      ctx.drag(null);
      li.classList.remove('dragging');
    });
  }
  return li;
}

const list = (ctx, evs, compact) => h('ul', {}, evs.map((ev) => visitItem(ctx, ev, compact)));

function dayLink(ctx, day, label, current) {
  return h(
    'button',
    { type: 'button', class: 'link day-link', 'data-day': day, tabindex: current ? '0' : '-1', 'aria-label': ctx.dayFmt.format(cal.dayDate(day)), onclick: () => ctx.openDay(day) },
    label,
  );
}

export function weekView(ctx, byDay, days) {
  const { zone, dayFmt, state } = ctx;
  return h(
    'div',
    { class: 'week' },
    days.map((day) => {
      const evs = byDay.get(day) || [];
      return h(
        'section',
        { class: `day${day === cal.todayIn(zone) ? ' today' : ''}`, 'aria-label': dayFmt.format(cal.dayDate(day)), 'data-drop-date': day },
        h('h2', {}, dayLink(ctx, day, dayFmt.format(cal.dayDate(day)), day === state.date)),
        evs.length ? list(ctx, evs, false) : h('p', { class: 'muted' }, t('visits.none')),
      );
    }),
  );
}

export function dayView(ctx, byDay, day) {
  const { zone, dayFmt } = ctx;
  const evs = byDay.get(day) || [];
  const hours = evs.map((ev) => Number(cal.zoned(ev.start, zone).time.slice(0, 2)));
  const from = Math.min(7, ...hours);
  const to = Math.max(19, ...hours);
  const slots = [];
  for (let hour = from; hour <= to; hour += 1) {
    const time = cal.clock(hour * 60);
    const here = evs.filter((ev) => Number(cal.zoned(ev.start, zone).time.slice(0, 2)) === hour);
    slots.push(h('li', { class: 'slot', 'data-drop-date': day, 'data-drop-time': time }, h('span', { class: 'slot-time' }, time), here.length ? list(ctx, here, false) : null));
  }
  return h(
    'div',
    { class: 'dayview' },
    h('section', { class: 'day', 'aria-label': dayFmt.format(cal.dayDate(day)) }, h('h2', {}, dayLink(ctx, day, dayFmt.format(cal.dayDate(day)), true)), h('ol', { class: 'slots' }, slots)),
  );
}

export function monthView(ctx, byDay, days) {
  const { zone, dayFmt, state } = ctx;
  const month = state.date.slice(0, 7);
  const head = new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' });
  return h(
    'div',
    { class: 'month' },
    days.slice(0, 7).map((day) => h('div', { class: 'month-head', 'aria-hidden': 'true' }, head.format(cal.dayDate(day)))),
    days.map((day) => {
      const evs = byDay.get(day) || [];
      const more = evs.length - MONTH_SHOWN;
      const classes = ['month-cell', day.slice(0, 7) === month ? '' : 'other-month', day === cal.todayIn(zone) ? 'today' : ''];
      return h(
        'section',
        { class: classes.join(' ').trim(), 'aria-label': dayFmt.format(cal.dayDate(day)), 'data-drop-date': day },
        h('h2', {}, dayLink(ctx, day, String(Number(day.slice(8))), day === state.date)),
        evs.length ? list(ctx, evs.slice(0, MONTH_SHOWN), true) : null,
        more > 0 ? h('button', { type: 'button', class: 'link more', onclick: () => ctx.openDay(day) }, t('visits.more', { n: more })) : null,
      );
    }),
  );
}
