// The inbox's table: sortable headers (the API's sort parameter), a row per ticket with a
// selection checkbox, client, SLA urgency and assignee. Rows can be replaced in place.

import { h } from './dom.js';
import { formatDateTime, t } from './i18n.js';
import { priorityBadge, slaBadge, stateBadge } from './ticket_common.js';
import './workspace_i18n.js';

// Column -> the API's sort key (absent: not sortable).
const COLUMNS = [
  ['col.id', 'id'],
  ['col.title', 'title'],
  ['col.client', null],
  ['col.state', 'state'],
  ['col.priority', 'priority'],
  ['col.sla', 'resolution_due_at'],
  ['col.assignee', null],
  ['col.created', 'created_at'],
  ['col.due', 'resolution_due_at'],
];

/** The first key of a sort string: {key, desc}. */
export function primarySort(sort) {
  const first = (sort || '').split(',')[0] || '';
  return { key: first.replace(/^-/, ''), desc: first.startsWith('-') };
}

function headerCell([label, key], sort, onSort) {
  if (!key) return h('th', { scope: 'col' }, t(label));
  const current = primarySort(sort);
  // The SLA column sorts by the same deadline as "Due"; only "Due" carries aria-sort.
  const active = current.key === key && label !== 'col.sla';
  const next = active && !current.desc ? `-${key}` : key;
  return h(
    'th',
    { scope: 'col', 'aria-sort': active ? (current.desc ? 'descending' : 'ascending') : null },
    h(
      'button',
      {
        type: 'button',
        class: 'sort',
        'data-sort': key,
        onclick: () => onSort(next),
        'aria-label': t('inbox.sortBy', { col: t(label) }),
      },
      t(label),
      h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (current.desc ? ' ▼' : ' ▲') : ' ↕'),
    ),
  );
}

/** ctx: {names: Map, clients: Map, selected: Set, onToggle(id, on), now} */
export function ticketRow(tk, ctx) {
  const box = h('input', {
    type: 'checkbox',
    class: 'row-select',
    checked: ctx.selected.has(tk.id),
    'aria-label': t('inbox.selectRow', { id: tk.id, title: tk.title }),
    onchange: (ev) => ctx.onToggle(tk.id, ev.target.checked),
  });
  const assignee = ctx.names.get(tk.assignee_id) ?? (tk.assignee_id ? `#${tk.assignee_id}` : t('ticket.nobody'));
  return h(
    'tr',
    { 'data-ticket': tk.id, 'data-selected': String(ctx.selected.has(tk.id)) },
    h('td', { class: 'select-cell' }, box),
    h('td', {}, `#${tk.id}`),
    h('td', {}, h('a', { href: `#/tickets/${tk.id}`, class: 'ticket-link' }, tk.title)),
    h('td', { class: 'client-cell' }, tk.client_id ? ctx.clients.get(tk.client_id) ?? `#${tk.client_id}` : '—'),
    h('td', {}, stateBadge(tk.state)),
    h('td', {}, priorityBadge(tk.priority)),
    h('td', { class: 'sla-cell' }, slaBadge(tk, ctx.now())),
    h('td', { class: tk.assignee_id ? '' : 'muted' }, assignee),
    h('td', {}, formatDateTime(tk.created_at)),
    h('td', {}, formatDateTime(tk.resolution_due_at)),
  );
}

/** The table; `selectAll` is the header checkbox (its state kept by the caller). */
export function ticketTable(items, ctx, sort, onSort, selectAll) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'tickets workspace', 'aria-describedby': 'inbox-count' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col', class: 'select-cell' }, selectAll), COLUMNS.map((c) => headerCell(c, sort, onSort))),
      ),
      h('tbody', {}, items.map((tk) => ticketRow(tk, ctx))),
    ),
  );
}
