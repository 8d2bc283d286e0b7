// Bulk actions on the inbox's selected rows: assign, state, priority. One PATCH per ticket
// (each with the version the row shows), then a report of what failed and why.

import { ApiError, api, me } from './api.js';
import { field, h, select } from './dom.js';
import { formatNumber, t, tOr } from './i18n.js';
import { PRIORITIES, STATES, isLead } from './ticket_common.js';
import './workspace_i18n.js';

const UNASSIGN = 'none';

/** Why one ticket's PATCH failed, in the console's words where we know the case. */
function reason(err) {
  if (!(err instanceof ApiError)) return err.message;
  const p = err.problem;
  if (err.status === 409 && String(p.type || '').endsWith('invalid-transition')) {
    return t('bulk.why.transition', { allowed: (p.allowed || []).map((s) => tOr(`state.${s}`, s)).join(', ') || '—' });
  }
  if (err.status === 409) return t('bulk.why.changed');
  if (err.status === 403) return t('bulk.why.forbidden');
  if (err.status === 404) return t('bulk.why.gone');
  return p.detail || err.message;
}

/** bulkBar(selected: () => tickets, people, done: () => void) -> {element, update()} */
export function bulkBar(selected, people, done) {
  const self = me();
  const assignOptions = [
    { value: '', label: t('bulk.keep') },
    { value: String(self.id), label: t('bulk.toMe') },
    ...(isLead() ? people.filter((p) => p.is_active && p.id !== self.id).map((p) => ({ value: String(p.id), label: p.name })) : []),
    { value: UNASSIGN, label: t('bulk.unassign') },
  ];
  const assign = select(assignOptions, '');
  const state = select([{ value: '', label: t('bulk.keep') }, ...STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))], '');
  const priority = select([{ value: '', label: t('bulk.keep') }, ...PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))], '');
  const count = h('p', { class: 'bulk-count', 'aria-live': 'polite' });
  const apply = h('button', { type: 'submit' }, t('bulk.apply'));
  const report = h('div', { class: 'bulk-report', role: 'status', 'aria-live': 'polite' });

  function changes() {
    const out = {};
    if (assign.value) out.assignee_id = assign.value === UNASSIGN ? null : Number(assign.value);
    if (state.value) out.state = state.value;
    if (priority.value) out.priority = priority.value;
    return out;
  }

  async function run(ev) {
    ev.preventDefault();
    const tickets = selected();
    const body = changes();
    if (!tickets.length || !Object.keys(body).length) {
      report.replaceChildren(h('p', { class: 'error' }, t(tickets.length ? 'bulk.chooseChange' : 'bulk.chooseRows')));
      return;
    }
    apply.disabled = true;
    report.replaceChildren(h('p', {}, t('bulk.working', { n: formatNumber(tickets.length) })));
    const failed = [];
    for (const tk of tickets) {
      try {
        await api(`/tickets/${tk.id}`, { method: 'PATCH', body: { ...body, version: tk.version } });
      } catch (err) {
        failed.push([tk, reason(err)]);
      }
    }
    apply.disabled = false;
    const ok = tickets.length - failed.length;
    report.replaceChildren(
      h('p', { class: failed.length ? 'error' : 'ok' }, t('bulk.done', { ok: formatNumber(ok), n: formatNumber(tickets.length) })),
      failed.length
        ? h(
            'ul',
            { class: 'bulk-failures' },
            failed.map(([tk, why]) => h('li', { 'data-ticket': tk.id }, h('a', { href: `#/tickets/${tk.id}` }, `#${tk.id} ${tk.title}`), `: ${why}`)),
          )
        : null,
    );
    done(failed.map(([tk]) => tk.id));
  }

  const form = h(
    'form',
    { class: 'bulk-bar', 'aria-labelledby': 'bulk-heading', onsubmit: run },
    h('h2', { id: 'bulk-heading', class: 'section-title' }, t('bulk.title')),
    count,
    field('bulk-assignee', t('bulk.assignee'), assign),
    field('bulk-state', t('bulk.state'), state),
    field('bulk-priority', t('bulk.priority'), priority),
    apply,
  );

  function update() {
    const n = selected().length;
    count.textContent = t('bulk.selected', { n: formatNumber(n) });
    form.dataset.empty = String(n === 0);
    apply.disabled = n === 0;
  }
  update();
  return { element: h('div', {}, form, report), update, clearReport: () => report.replaceChildren() };
}
