// The ticket detail page: facts, SLA, editing, state, assignment, replies and notes, history;
// keyboard shortcuts and a notice when someone else changes the ticket.

import { ApiError, api, me, operators, ticketLifecycle } from './api.js';
import { clear, field, h, select, toast } from './dom.js';
import { categoryLabel, formatDateTime, t, tOr } from './i18n.js';
import { bindShortcuts, shortcutsButton } from './shortcuts.js';
import { openStream } from './stream.js';
import { canWork, clientsById, isLead, priorityBadge, slaBadge, stateBadge } from './ticket_common.js';
import { editTicketForm } from './ticket_form.js';
import './workspace_i18n.js';

const HOUR_MS = 3_600_000;
const OWN_ECHO_MS = 1500;
const TICKET_EVENTS = new Set(['ticket.updated', 'ticket.state_changed', 'ticket.assigned', 'ticket.escalated']);

let focusReply = false;
/** The next ticket page opens with the reply box focused (the inbox's "r"). */
export const replyNext = () => {
  focusReply = true;
};

const HELP = () => [
  ['r', t('keys.replyHere')],
  ['a', t('keys.assignMe')],
  ['e', t('keys.edit')],
  ['u', t('keys.back')],
  ['?', t('keys.help')],
];

/** The states this ticket may move to now, as GET /tickets/lifecycle states them (reopening
 *  only within the window since resolved_at); a PATCH still has the last word. */
function nextStates(lifecycle, ticket) {
  const next = [...(lifecycle.transitions[ticket.state] ?? [])];
  const reopen = lifecycle.reopen_transitions[ticket.state] ?? [];
  const sinceResolved = Date.now() - Date.parse(ticket.resolved_at); // NaN when not resolved
  if (sinceResolved <= lifecycle.reopen_window_hours * HOUR_MS) next.push(...reopen);
  return next;
}

export function renderTicket(root, id) {
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const notice = h('div', { class: 'live-notice', role: 'status', hidden: true });
  clear(root).append(h('p', {}, h('a', { href: '#/tickets' }, `← ${t('ticket.back')}`)), h('p', { 'aria-busy': 'true' }, '…'));
  let loaded = null; // the ticket as shown (its version is what edits send)
  let saving = 0; // own changes in flight: their live events are not news

  async function load() {
    const [ticket, comments, history, people, lifecycle] = await Promise.all([
      api(`/tickets/${id}`),
      api(`/tickets/${id}/comments`),
      api(`/tickets/${id}/history`),
      operators().catch(() => []),
      ticketLifecycle(),
    ]);
    const names = new Map(people.map((p) => [p.id, p.name]));
    const named = history.flatMap((e) => [e.changes?.client_id].flat()).filter(Number.isInteger);
    const clients = await clientsById([ticket.client_id, ...named]);
    loaded = ticket;
    notice.hidden = true;
    const reload = async () => {
      saving += 1;
      try {
        await load();
      } finally {
        saving -= 1;
      }
    };
    clear(root).append(
      h(
        'div',
        { class: 'page-head' },
        h('p', {}, h('a', { href: '#/tickets', 'aria-keyshortcuts': 'u' }, `← ${t('ticket.back')}`)),
        h(
          'div',
          { class: 'page-actions' },
          h('a', { class: 'button secondary', href: logCallHref(ticket) }, t('ticket.logCall')),
          shortcutsButton(),
        ),
      ),
      h('h1', { id: 'ticket-title' }, `#${ticket.id} · ${ticket.title}`),
      h('div', { class: 'badges' }, stateBadge(ticket.state), priorityBadge(ticket.priority), slaBadge(ticket)),
      notice,
      status,
      h(
        'div',
        { class: 'ticket-grid' },
        h(
          'div',
          { class: 'ticket-main' },
          ticket.description ? h('p', { class: 'description' }, ticket.description) : null,
          h('h2', {}, t('ticket.comments')),
          commentList(comments),
          replyForm(ticket, status, reload),
          h('h2', {}, t('ticket.history')),
          historyList(history, names, clients),
        ),
        h(
          'aside',
          { class: 'ticket-side', 'aria-label': t('ticket.details') },
          details(ticket, names, clients),
          canWork(ticket) ? editTicketForm(ticket, clients.get(ticket.client_id), reload) : null,
          stateForm(ticket, nextStates(lifecycle, ticket), status, reload),
          assignForm(ticket, people, status, reload),
        ),
      ),
    );
    if (focusReply) {
      focusReply = false;
      root.querySelector('#reply-body')?.focus();
    }
  }

  async function assignToMe() {
    if (!loaded) return;
    if (!canWork(loaded)) {
      toast(t('inbox.notYours', { id }), 'error');
      return;
    }
    saving += 1;
    try {
      await patch(loaded, { assignee_id: me().id }, status, load, t('inbox.assignedToMe', { id }));
    } finally {
      saving -= 1;
    }
  }

  const unbind = bindShortcuts(
    {
      r: () => root.querySelector('#reply-body')?.focus(),
      a: () => assignToMe(),
      e: () => {
        const edit = root.querySelector('.edit-card');
        if (!edit) return false;
        edit.open = true;
        edit.querySelector('input')?.focus();
        return true;
      },
      u: () => {
        location.hash = '#/tickets';
      },
    },
    HELP(),
  );

  // Someone else changes this ticket: say so, without throwing away what is being typed.
  // An own change also comes back as an event: look a moment later, once its reload is done.
  let timer = 0;
  const check = () =>
    api(`/tickets/${id}`)
      .then((now) => {
        if (saving > 0 || now.version === loaded.version) return;
        notice.replaceChildren(
          h('span', {}, t('live.ticketChanged')),
          ' ',
          h('button', { type: 'button', class: 'secondary', onclick: () => load() }, t('form.reload')),
        );
        notice.hidden = false;
      })
      .catch(() => {});
  const stream = openStream(({ kind, data }) => {
    const picture = data?.data ?? {}; // the event's envelope carries the ticket's picture
    if (!TICKET_EVENTS.has(kind) || picture.id !== id || !loaded) return;
    clearTimeout(timer);
    timer = setTimeout(check, OWN_ECHO_MS);
  });

  load().catch((err) => {
    root.append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
  });
  return () => {
    unbind();
    stream.close();
    clearTimeout(timer);
  };
}

function details(ticket, names, clients) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value ?? '—')];
  return h(
    'dl',
    { class: 'details' },
    row(t('col.state'), t(`state.${ticket.state}`)),
    row(t('col.priority'), t(`priority.${ticket.priority}`)),
    row(t('ticket.category'), categoryLabel(ticket.category)),
    row(t('col.client'), ticket.client_id ? clients.get(ticket.client_id) : null),
    row(t('col.assignee'), names.get(ticket.assignee_id) ?? (ticket.assignee_id ? `#${ticket.assignee_id}` : t('ticket.nobody'))),
    row(t('ticket.requester'), [ticket.requester_name, ticket.requester_email].filter(Boolean).join(' · ') || null),
    row(t('form.tags'), ticket.tags.length ? ticket.tags.join(', ') : null),
    row(t('col.created'), formatDateTime(ticket.created_at)),
    row(t('col.due'), formatDateTime(ticket.resolution_due_at)),
    row(t('ticket.sla'), ticket.sla_status ? tOr(`slaStatus.${ticket.sla_status}`, ticket.sla_status) : null),
  );
}

/** PATCH with the version read, so a concurrent edit is a 409 instead of a lost update. */
async function patch(ticket, changes, status, reload, doneMessage) {
  try {
    await api(`/tickets/${ticket.id}`, { method: 'PATCH', body: { ...changes, version: ticket.version } });
    await reload();
    toast(doneMessage);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      await reload();
      toast(t('ticket.conflict', { detail: err.message }), 'error');
    } else {
      status.textContent = t('error.generic', { detail: err.message });
      status.dataset.kind = 'error';
    }
  }
}

/** A titled card form; onSubmit runs with the default submission prevented. */
function cardForm(name, title, onSubmit, ...children) {
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': `${name}-form-title`,
      onsubmit: (ev) => {
        ev.preventDefault();
        onSubmit();
      },
    },
    h('h2', { id: `${name}-form-title` }, title),
    ...children,
  );
}

function stateForm(ticket, next, status, reload) {
  if (!next.length) return h('section', { class: 'card' }, h('h2', {}, t('ticket.changeState')), h('p', {}, t('ticket.noTransitions')));
  const choice = select(next.map((s) => ({ value: s, label: t(`state.${s}`) })), next[0]);
  return cardForm(
    'state',
    t('ticket.changeState'),
    () => patch(ticket, { state: choice.value }, status, reload, t('ticket.saved')),
    field('ticket-new-state', t('ticket.newState'), choice),
    h('button', { type: 'submit' }, t('ticket.save')),
  );
}

function assignForm(ticket, people, status, reload) {
  // Operators may only take a ticket for themselves (the API enforces it; the form follows).
  const self = me();
  if (!isLead() && ticket.assignee_id && ticket.assignee_id !== self.id) return null;
  const options = isLead()
    ? people.filter((p) => p.is_active).map((p) => ({ value: p.id, label: p.name }))
    : [{ value: self.id, label: self.name }];
  const choice = select(options, ticket.assignee_id ?? self.id);
  return cardForm(
    'assign',
    t('ticket.assign'),
    () => patch(ticket, { assignee_id: Number(choice.value) }, status, reload, t('ticket.saved')),
    field('ticket-assignee', t('ticket.assignee'), choice),
    h('button', { type: 'submit' }, t('ticket.assign')),
  );
}

function replyForm(ticket, status, reload) {
  const text = h('textarea', { rows: 4, required: true, maxlength: 20000 });
  const internal = h('input', { type: 'checkbox', id: 'reply-internal' });
  const send = async () => {
    try {
      await api(`/tickets/${ticket.id}/comments`, {
        method: 'POST',
        body: { body: text.value, is_internal: internal.checked },
      });
      await reload();
      toast(t('ticket.sent'));
    } catch (err) {
      status.textContent = t('error.generic', { detail: err.message });
    }
  };
  return cardForm(
    'reply',
    t('ticket.reply'),
    send,
    field('reply-body', t('ticket.replyBody'), text),
    h('div', { class: 'check' }, internal, h('label', { for: 'reply-internal' }, t('ticket.internal'))),
    h('button', { type: 'submit' }, t('ticket.send')),
  );
}

function commentList(comments) {
  if (!comments.length) return h('p', { class: 'muted' }, t('ticket.noComments'));
  return h(
    'ol',
    { class: 'comments' },
    comments.map((c) =>
      h(
        'li',
        { class: c.is_internal ? 'internal' : '' },
        h(
          'div',
          { class: 'meta' },
          h('strong', {}, c.author_name || t('ticket.system')),
          ' · ',
          h('time', { datetime: c.created_at }, formatDateTime(c.created_at)),
          c.is_internal ? h('span', { class: 'badge' }, t('ticket.internalBadge')) : null,
        ),
        h('p', {}, c.body),
      ),
    ),
  );
}

function describeChanges(changes, names, clients) {
  const ISO = /^\d{4}-\d{2}-\d{2}T/;
  const show = (key, v) => {
    if (v === null || v === undefined) return '—';
    if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
    if (key === 'state') return tOr(`state.${v}`, v);
    if (key === 'priority') return tOr(`priority.${v}`, v);
    if (key === 'source') return tOr(`source.${v}`, v);
    if (key === 'category') return categoryLabel(v);
    if (key === 'sla_status') return tOr(`slaStatus.${v}`, v);
    if (key === 'assignee_id') return names.get(v) ?? `#${v}`;
    if (key === 'client_id') return clients.get(v) ?? `#${v}`;
    if (typeof v === 'string' && ISO.test(v)) return formatDateTime(v);
    return typeof v === 'object' ? JSON.stringify(v) : v;
  };
  return Object.entries(changes || {})
    .map(([key, value]) => {
      const label = tOr(`field.${key}`, key);
      if (Array.isArray(value) && value.length === 2) {
        return `${label}: ${show(key, value[0])} → ${show(key, value[1])}`;
      }
      return `${label}: ${show(key, value)}`;
    })
    .join('; ');
}

/** The calls screen's form, prefilled with this ticket (and its client, when it has one). */
function logCallHref(ticket) {
  const query = new URLSearchParams({ ticket_id: String(ticket.id) });
  if (ticket.client_id) query.set('client_id', String(ticket.client_id));
  return `#/calls/new?${query}`;
}

// Notes the server writes itself (in English); people's own notes are shown as written.
const AUTO_ASSIGNED = /^automatic assignment(?: over capacity \((\d+)\/(\d+)\))?/;

function historyNote(note) {
  if (!note) return null;
  const auto = AUTO_ASSIGNED.exec(note);
  if (auto) return auto[1] ? t('history.autoOver', { open: auto[1], cap: auto[2] }) : t('history.auto');
  if (note === 'operator deactivated') return t('history.operatorDeactivated');
  return note;
}

function historyList(events, names, clients) {
  return h(
    'ol',
    { class: 'history' },
    events.map((e) =>
      h(
        'li',
        {},
        h('time', { datetime: e.created_at }, formatDateTime(e.created_at)),
        ' · ',
        h('strong', {}, tOr(`event.${e.kind}`, e.kind)),
        ' · ',
        names.get(e.actor_id) ?? tOr(`actor.${e.actor_type}`, e.actor_type || t('ticket.system')),
        e.note || Object.keys(e.changes || {}).length
          ? h('div', { class: 'muted' }, [historyNote(e.note), describeChanges(e.changes, names, clients)].filter(Boolean).join(' — '))
          : null,
      ),
    ),
  );
}
