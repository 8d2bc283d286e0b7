// The ticket detail page: facts, state, assignment, replies and notes, history.

import { ApiError, api, me, operators, ticketLifecycle } from './api.js';
import { clear, field, h, select, toast } from './dom.js';
import { formatDateTime, t, tOr } from './i18n.js';
import { isLead, priorityBadge, stateBadge } from './ticket_common.js';

const HOUR_MS = 3_600_000;

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
  clear(root).append(h('p', {}, h('a', { href: '#/tickets' }, `← ${t('ticket.back')}`)), h('p', { 'aria-busy': 'true' }, '…'));

  async function load() {
    const [ticket, comments, history, people, lifecycle] = await Promise.all([
      api(`/tickets/${id}`),
      api(`/tickets/${id}/comments`),
      api(`/tickets/${id}/history`),
      operators().catch(() => []),
      ticketLifecycle(),
    ]);
    const names = new Map(people.map((p) => [p.id, p.name]));
    clear(root).append(
      h('p', {}, h('a', { href: '#/tickets' }, `← ${t('ticket.back')}`)),
      h('h1', { id: 'ticket-title' }, `#${ticket.id} · ${ticket.title}`),
      h('div', { class: 'badges' }, stateBadge(ticket.state), priorityBadge(ticket.priority)),
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
          replyForm(ticket, status, load),
          h('h2', {}, t('ticket.history')),
          historyList(history, names),
        ),
        h(
          'aside',
          { class: 'ticket-side', 'aria-label': t('ticket.details') },
          details(ticket, names),
          stateForm(ticket, nextStates(lifecycle, ticket), status, load),
          assignForm(ticket, people, status, load),
        ),
      ),
    );
  }

  load().catch((err) => {
    root.append(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
  });
  return () => {};
}

function details(ticket, names) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value ?? '—')];
  return h(
    'dl',
    { class: 'details' },
    row(t('col.state'), t(`state.${ticket.state}`)),
    row(t('col.priority'), t(`priority.${ticket.priority}`)),
    row(t('ticket.category'), ticket.category),
    row(t('col.assignee'), names.get(ticket.assignee_id) ?? (ticket.assignee_id ? `#${ticket.assignee_id}` : t('ticket.nobody'))),
    row(t('ticket.requester'), [ticket.requester_name, ticket.requester_email].filter(Boolean).join(' · ') || null),
    row(t('col.created'), formatDateTime(ticket.created_at)),
    row(t('col.due'), formatDateTime(ticket.resolution_due_at)),
    row(t('ticket.sla'), ticket.sla_status),
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

function describeChanges(changes, names) {
  const ISO = /^\d{4}-\d{2}-\d{2}T/;
  const show = (key, v) => {
    if (v === null || v === undefined) return '—';
    if (key === 'state') return tOr(`state.${v}`, v);
    if (key === 'priority') return tOr(`priority.${v}`, v);
    if (key === 'assignee_id') return names.get(v) ?? `#${v}`;
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

function historyList(events, names) {
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
        names.get(e.actor_id) ?? (e.actor_type || t('ticket.system')),
        e.note || Object.keys(e.changes || {}).length
          ? h('div', { class: 'muted' }, [e.note, describeChanges(e.changes, names)].filter(Boolean).join(' — '))
          : null,
      ),
    ),
  );
}
