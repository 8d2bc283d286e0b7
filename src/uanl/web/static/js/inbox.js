// The ticket inbox: queues by role, filters and sort in the hash's query, saved views, SLA
// urgency per row, bulk actions, keyboard shortcuts and live row updates.

import { ApiError, api, me, operators } from './api.js';
import { bulkBar } from './bulk.js';
import { clear, field, h, select, toast } from './dom.js';
import { formatNumber, t } from './i18n.js';
import { ticketRow, ticketTable } from './inbox_table.js';
import { bindShortcuts, shortcutsButton } from './shortcuts.js';
import { openStream } from './stream.js';
import { replyNext } from './ticket.js';
import { OPEN_STATES, PRIORITIES, STATES, canWork, clientsById, isLead } from './ticket_common.js';
import { newTicketDialog } from './ticket_form.js';
import { savedViewsBar } from './views.js';
import './workspace_i18n.js';

const PAGE_SIZE = 25;
const DEFAULT_SORT = '-priority,created_at';
const SLA_TICK_MS = 60_000;
const TICKET_EVENTS = new Set(['ticket.updated', 'ticket.state_changed', 'ticket.assigned', 'ticket.escalated']);

function viewsFor() {
  return isLead() ? ['all', 'mine', 'unassigned'] : ['mine', 'unassigned', 'all'];
}

const HELP = () => [
  ['j', t('keys.next')],
  ['k', t('keys.prev')],
  ['Enter', t('keys.open')],
  ['x', t('keys.select')],
  ['r', t('keys.reply')],
  ['a', t('keys.assignMe')],
  ['n', t('keys.new')],
  ['/', t('keys.search')],
  ['?', t('keys.help')],
];

/** Inbox state lives in the hash's query (#/tickets?view=mine&state=open&sort=...) for reloads. */
export function renderInbox(root, params) {
  const f = {
    view: viewsFor().includes(params.get('view')) ? params.get('view') : viewsFor()[0],
    state: params.get('state') ?? 'open-states',
    priority: params.get('priority') ?? '',
    q: params.get('q') ?? '',
    sort: params.get('sort') || DEFAULT_SORT,
  };
  const offset = Math.max(0, Number(params.get('offset')) || 0);

  const go = (changes) => {
    const next = new URLSearchParams({ ...f, ...changes });
    if (!next.get('view')) next.set('view', viewsFor()[0]);
    if (!next.get('sort')) next.set('sort', DEFAULT_SORT);
    if (!('offset' in changes)) next.delete('offset');
    location.hash = `#/tickets?${next}`;
  };

  // What the page holds: the rows' tickets (with the versions bulk PATCHes send), selection, cursor.
  const tickets = new Map();
  let order = [];
  const selected = new Set();
  let cursor = -1;
  let names = new Map();
  let clients = new Map();
  const ctx = {
    get names() {
      return names;
    },
    get clients() {
      return clients;
    },
    selected,
    now: () => Date.now(),
    onToggle: (id, on) => toggle(id, on),
  };

  const dialog = newTicketDialog((ticket) => {
    location.hash = `#/tickets/${ticket.id}`;
  });
  const newButton = h('button', { type: 'button', class: 'new-ticket', 'aria-keyshortcuts': 'n', onclick: () => dialog.open() }, t('inbox.new'));
  const live = h('span', { class: 'live', 'data-live': 'off', role: 'status' }, t('live.connecting'));
  const announce = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const notice = h('div', { class: 'live-notice', hidden: true });

  const tabs = h(
    'div',
    { class: 'tabs', role: 'group', 'aria-label': t('inbox.views') },
    viewsFor().map((v) =>
      h('button', { type: 'button', 'aria-pressed': String(v === f.view), 'data-view': v, onclick: () => go({ view: v }) }, t(`inbox.${v}`)),
    ),
  );

  const stateSelect = select(
    [
      { value: 'open-states', label: t('inbox.openStates') },
      { value: '', label: t('inbox.any') },
      ...STATES.map((s) => ({ value: s, label: t(`state.${s}`) })),
    ],
    f.state,
  );
  const prioritySelect = select(
    [{ value: '', label: t('inbox.any') }, ...PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))],
    f.priority,
  );
  const search = h('input', { type: 'search', value: f.q, maxlength: 100, 'aria-keyshortcuts': '/' });
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

  const selectAll = h('input', {
    type: 'checkbox',
    class: 'select-all',
    'aria-label': t('inbox.selectAll'),
    onchange: (ev) => {
      for (const id of order) toggle(id, ev.target.checked, false);
      syncSelection();
    },
  });

  let bulk = null;
  const bulkSlot = h('div', { class: 'bulk-slot' });
  const body = h('div', { class: 'inbox-body', 'aria-busy': 'true' });
  clear(root).append(
    h('div', { class: 'page-head' }, h('h1', {}, t('inbox.title')), h('div', { class: 'head-actions' }, live, shortcutsButton(), newButton)),
    tabs,
    savedViewsBar(f, (saved) => go(saved)),
    filters,
    notice,
    bulkSlot,
    body,
    announce,
    dialog.element,
  );

  function toggle(id, on, refresh = true) {
    if (on) selected.add(id);
    else selected.delete(id);
    const row = rowEl(id);
    if (row) {
      row.dataset.selected = String(on);
      row.querySelector('.row-select').checked = on;
    }
    if (refresh) syncSelection();
  }

  function syncSelection() {
    selectAll.checked = order.length > 0 && order.every((i) => selected.has(i));
    selectAll.indeterminate = selected.size > 0 && !selectAll.checked;
    bulk?.update();
  }

  const rowEl = (id) => body.querySelector(`tr[data-ticket="${id}"]`);

  function replaceRow(tk, flash = false) {
    tickets.set(tk.id, tk);
    const old = rowEl(tk.id);
    if (!old) return;
    const row = ticketRow(tk, ctx);
    if (old.classList.contains('current')) row.classList.add('current');
    if (flash) row.classList.add('changed');
    const focusedLink = old.contains(document.activeElement) ? document.activeElement.className : null;
    old.replaceWith(row);
    if (focusedLink) row.querySelector(`.${focusedLink.split(' ')[0]}`)?.focus();
  }

  const query = {
    limit: PAGE_SIZE,
    offset,
    sort: f.sort,
    state: f.state === 'open-states' ? OPEN_STATES : f.state || undefined,
    priority: f.priority || undefined,
    q: f.q || undefined,
    assignee_id: f.view === 'mine' ? me().id : undefined,
    unassigned: f.view === 'unassigned' ? 'true' : undefined,
  };

  async function load() {
    const [page, people] = await Promise.all([api('/tickets', { query }), operators().catch(() => [])]);
    names = new Map(people.map((p) => [p.id, p.name]));
    clients = await clientsById(page.items.map((tk) => tk.client_id));
    tickets.clear();
    for (const tk of page.items) tickets.set(tk.id, tk);
    order = page.items.map((tk) => tk.id);
    for (const id of [...selected]) if (!tickets.has(id)) selected.delete(id);
    if (!bulk) {
      const chosen = () => order.filter((id) => selected.has(id)).map((id) => tickets.get(id));
      bulk = bulkBar(chosen, people, (failedIds) => {
        selected.clear(); // what failed stays selected, to retry or look at
        for (const id of failedIds) selected.add(id);
        refresh();
      });
      bulkSlot.append(bulk.element);
    }
    clear(body).setAttribute('aria-busy', 'false');
    body.append(h('p', { class: 'muted', id: 'inbox-count' }, t('inbox.count', { n: formatNumber(page.total) })));
    if (!page.items.length) body.append(h('p', { class: 'empty' }, t('inbox.empty')));
    else body.append(ticketTable(page.items, ctx, f.sort, (sort) => go({ sort }), selectAll), pager(page, go));
    syncSelection();
    if (cursor >= 0) moveTo(Math.min(cursor, order.length - 1), false);
  }

  function refresh() {
    notice.hidden = true;
    return load().catch(showError);
  }

  function showError(err) {
    body.setAttribute('aria-busy', 'false');
    body.append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
  }

  function moveTo(index, focus = true) {
    if (!order.length) return;
    cursor = Math.max(0, Math.min(order.length - 1, index));
    for (const row of body.querySelectorAll('tr.current')) row.classList.remove('current');
    const row = rowEl(order[cursor]);
    row?.classList.add('current');
    if (focus) row?.querySelector('.ticket-link')?.focus();
  }

  const currentTicket = () => (cursor >= 0 ? tickets.get(order[cursor]) : null);

  async function assignToMe() {
    const tk = currentTicket();
    if (!tk) return;
    if (!canWork(tk)) {
      toast(t('inbox.notYours', { id: tk.id }), 'error');
      return;
    }
    try {
      const updated = await api(`/tickets/${tk.id}`, { method: 'PATCH', body: { assignee_id: me().id, version: tk.version } });
      replaceRow(updated);
      rowEl(tk.id)?.querySelector('.ticket-link')?.focus();
      toast(t('inbox.assignedToMe', { id: tk.id }));
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      toast(conflict ? t('form.conflict') : t('error.generic', { detail: err.message }), 'error');
    }
  }

  body.addEventListener('focusin', (ev) => {
    const row = ev.target.closest?.('tr[data-ticket]');
    if (row) moveTo(order.indexOf(Number(row.dataset.ticket)), false);
  });

  const unbind = bindShortcuts(
    {
      j: () => moveTo(cursor + 1),
      k: () => moveTo(cursor < 0 ? 0 : cursor - 1),
      Enter: (ev) => {
        if (ev.target.closest?.('a, button')) return false; // links and buttons do their own thing
        const tk = currentTicket();
        if (!tk) return false;
        location.hash = `#/tickets/${tk.id}`;
        return true;
      },
      x: () => {
        const tk = currentTicket();
        if (tk) toggle(tk.id, !selected.has(tk.id));
      },
      r: () => {
        const tk = currentTicket();
        if (!tk) return;
        replyNext();
        location.hash = `#/tickets/${tk.id}`;
      },
      a: () => assignToMe(),
      n: () => dialog.open(),
      '/': () => search.focus(),
    },
    HELP(),
  );

  // Another operator takes or changes a ticket: its row changes in place.
  const pending = new Map();
  const stream = openStream(
    ({ kind, data }) => {
      if (kind === 'ticket.created') {
        notice.replaceChildren(
          h('span', {}, t('live.newTickets')),
          h('button', { type: 'button', class: 'secondary', onclick: refresh }, t('live.refresh')),
        );
        notice.hidden = false;
        return;
      }
      const ticketId = data?.data?.id; // the event's envelope carries the ticket's picture
      if (!TICKET_EVENTS.has(kind) || !tickets.has(ticketId) || pending.has(ticketId)) return;
      pending.set(
        ticketId,
        api(`/tickets/${ticketId}`)
          .then(async (tk) => {
            if (tk.client_id) clients = await clientsById([tk.client_id]);
            replaceRow(tk, true);
            announce.textContent = t('live.rowChanged', { id: tk.id });
          })
          .catch(() => {})
          .finally(() => pending.delete(ticketId)),
      );
    },
    (on) => {
      live.dataset.live = on ? 'on' : 'off';
      live.textContent = t(on ? 'live.on' : 'live.off');
    },
  );

  // SLA time left moves with the clock.
  const tick = setInterval(() => {
    for (const id of order) {
      const tk = tickets.get(id);
      const cell = rowEl(id)?.querySelector('.sla-cell');
      if (tk && cell) cell.replaceChildren(ticketRow(tk, ctx).querySelector('.sla-cell').firstChild);
    }
  }, SLA_TICK_MS);

  load().catch(showError);
  return () => {
    unbind();
    stream.close();
    clearInterval(tick);
    if (dialog.element.open) dialog.element.close();
  };
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
