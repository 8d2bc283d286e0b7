// The ticket inbox: my queue / unassigned / all by role, filters in the hash's query.

import { api, me, operators } from './api.js';
import { clear, field, h, select } from './dom.js';
import { formatDateTime, formatNumber, t } from './i18n.js';
import { OPEN_STATES, PRIORITIES, STATES, isLead, priorityBadge, stateBadge } from './ticket_common.js';

const PAGE_SIZE = 25;

function viewsFor() {
  return isLead() ? ['all', 'mine', 'unassigned'] : ['mine', 'unassigned', 'all'];
}

/** Inbox state lives in the hash's query (#/tickets?view=mine&state=open...) for reloads. */
export function renderInbox(root, params) {
  const view = viewsFor().includes(params.get('view')) ? params.get('view') : viewsFor()[0];
  const stateFilter = params.get('state') ?? 'open-states';
  const priorityFilter = params.get('priority') ?? '';
  const q = params.get('q') ?? '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);

  const go = (changes) => {
    const next = new URLSearchParams({ view, state: stateFilter, priority: priorityFilter, q });
    for (const [k, v] of Object.entries(changes)) next.set(k, v);
    if (!('offset' in changes)) next.delete('offset');
    location.hash = `#/tickets?${next}`;
  };

  const tabs = h(
    'div',
    { class: 'tabs', role: 'group', 'aria-label': t('inbox.views') },
    viewsFor().map((v) =>
      h(
        'button',
        { type: 'button', 'aria-pressed': String(v === view), 'data-view': v, onclick: () => go({ view: v }) },
        t(`inbox.${v}`),
      ),
    ),
  );

  const stateSelect = select(
    [
      { value: 'open-states', label: t('inbox.openStates') },
      { value: '', label: t('inbox.any') },
      ...STATES.map((s) => ({ value: s, label: t(`state.${s}`) })),
    ],
    stateFilter,
  );
  const prioritySelect = select(
    [{ value: '', label: t('inbox.any') }, ...PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))],
    priorityFilter,
  );
  const search = h('input', { type: 'search', value: q, maxlength: 100 });
  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (ev) => {
        ev.preventDefault();
        go({ state: stateSelect.value, priority: prioritySelect.value, q: search.value.trim() });
      },
    },
    field('inbox-state', t('inbox.state'), stateSelect),
    field('inbox-priority', t('inbox.priority'), prioritySelect),
    field('inbox-q', t('inbox.search'), search),
    h('button', { type: 'submit' }, t('inbox.filter')),
  );

  const body = h('div', { class: 'inbox-body', 'aria-live': 'polite', 'aria-busy': 'true' });
  clear(root).append(h('h1', {}, t('inbox.title')), tabs, filters, body);

  const query = {
    limit: PAGE_SIZE,
    offset,
    sort: '-priority,created_at',
    state: stateFilter === 'open-states' ? OPEN_STATES : stateFilter || undefined,
    priority: priorityFilter || undefined,
    q: q || undefined,
    assignee_id: view === 'mine' ? me().id : undefined,
    unassigned: view === 'unassigned' ? 'true' : undefined,
  };
  Promise.all([api('/tickets', { query }), operators().catch(() => [])])
    .then(([page, people]) => {
      const names = new Map(people.map((p) => [p.id, p.name]));
      body.setAttribute('aria-busy', 'false');
      body.append(h('p', { class: 'muted', id: 'inbox-count' }, t('inbox.count', { n: formatNumber(page.total) })));
      if (!page.items.length) {
        body.append(h('p', { class: 'empty' }, t('inbox.empty')));
        return;
      }
      body.append(ticketTable(page.items, names), pager(page, go));
    })
    .catch((err) => {
      body.setAttribute('aria-busy', 'false');
      body.append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
    });
  return () => {};
}

function ticketTable(items, names) {
  const head = ['col.id', 'col.title', 'col.state', 'col.priority', 'col.assignee', 'col.created', 'col.due'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'tickets' },
      h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
      h(
        'tbody',
        {},
        items.map((tk) =>
          h(
            'tr',
            { 'data-ticket': tk.id },
            h('td', {}, `#${tk.id}`),
            h('td', {}, h('a', { href: `#/tickets/${tk.id}` }, tk.title)),
            h('td', {}, stateBadge(tk.state)),
            h('td', {}, priorityBadge(tk.priority)),
            h('td', {}, names.get(tk.assignee_id) ?? (tk.assignee_id ? `#${tk.assignee_id}` : '—')),
            h('td', {}, formatDateTime(tk.created_at)),
            h('td', {}, formatDateTime(tk.resolution_due_at)),
          ),
        ),
      ),
    ),
  );
}

function pager(page, go) {
  const prev = page.offset > 0;
  const next = page.offset + page.limit < page.total;
  return h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', class: 'secondary', disabled: !prev, onclick: () => go({ offset: String(Math.max(0, page.offset - page.limit)) }) }, t('inbox.prev')),
    h('button', { type: 'button', class: 'secondary', disabled: !next, onclick: () => go({ offset: String(page.offset + page.limit) }) }, t('inbox.next')),
  );
}

