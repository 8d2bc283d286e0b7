// One visit beside the calendar: its facts, the next steps of its lifecycle (confirm, start,
// complete, no-show, cancel with a reason) and the move form. Only the visit's technician,
// supervisors and admins may change it (the API says so too); others see the facts only.

import { api, me } from './api.js';
import { h } from './dom.js';
import { formatNumber, locale, t } from './i18n.js';
import { describe } from './visit_errors.js';
import { rescheduleForm } from './visit_form.js';
import { zoned } from './visit_time.js';

// The transition endpoints of visits/router.py, by the state they lead to.
const ACTION_PATHS = { confirmed: 'confirm', in_progress: 'start', done: 'complete', no_show: 'no-show', cancelled: 'cancel' };

export const canChange = (visit) => me().role !== 'operator' || visit.operator_id === me().id;

export const stateBadge = (state) => h('span', { class: `badge state-${state}` }, t(`visitState.${state}`));

function facts(visit, names, zone) {
  const span = new Intl.DateTimeFormat(locale(), { dateStyle: 'full', timeStyle: 'short', timeZone: zone });
  const end = new Intl.DateTimeFormat(locale(), { timeStyle: 'short', timeZone: zone });
  const rows = [
    [t('visits.panel.state'), stateBadge(visit.state)],
    [t('visits.panel.when'), `${span.format(new Date(visit.scheduled_start))} – ${end.format(new Date(visit.scheduled_end))}`],
    [t('visits.panel.client'), names.client || `#${visit.client_id}`],
    [t('visits.panel.technician'), names.operator || t('visits.panel.nobody')],
    [t('visits.panel.ticket'), visit.ticket_id ? h('a', { href: `#/tickets/${visit.ticket_id}` }, `#${visit.ticket_id}`) : '—'],
    [t('visits.panel.address'), visit.address || '—'],
    visit.notes ? [t('visits.panel.notes'), visit.notes] : null,
    visit.cancel_reason ? [t('visits.panel.cancelReason'), visit.cancel_reason] : null,
    visit.forced ? [t('visits.panel.forced'), t('visits.panel.forcedYes')] : null,
    visit.reschedule_count ? [t('visits.panel.moved'), formatNumber(visit.reschedule_count)] : null,
  ].filter(Boolean);
  return h('dl', { class: 'details' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/**
 * The panel. ctx: {zone, lifecycle, refresh(id, {message, error}), close()}; `names`:
 * {client, operator}; `message`/`error`: the outcome of the last step, shown at the top;
 * `slot`/`slotError`: a refused drop, prefilled in the move form with the refusal beside it.
 */
export function visitPanel({ visit, names, ctx, message, error, slot, slotError }) {
  const { zone, lifecycle } = ctx;
  const alert = h('p', { class: 'form-status panel-alert', role: 'alert' }, error || '');
  const done = h('div', { class: 'panel-status', role: 'status', 'aria-live': 'polite' }, message || '');
  const heading = h('h2', { id: 'visit-panel-title', tabindex: '-1' }, t('visits.panel.title', { id: visit.id }));
  const panel = h(
    'section',
    { class: 'visit-panel card', 'aria-labelledby': 'visit-panel-title', 'data-visit-id': visit.id },
    h('div', { class: 'panel-head' }, heading, h('button', { type: 'button', class: 'secondary', onclick: ctx.close }, t('visits.panel.close'))),
    done,
    alert,
    facts(visit, names, zone),
  );
  if (!canChange(visit)) {
    panel.append(h('p', { class: 'muted' }, t('visits.panel.notYours')));
    return panel;
  }
  const run = async (target, body) => {
    alert.textContent = '';
    try {
      await api(`/visits/${visit.id}/${ACTION_PATHS[target]}`, { method: 'POST', body });
      ctx.refresh(visit.id, { message: t(`visits.done.${target}`) });
    } catch (err) {
      const text = describe(err, { zone }).text;
      if (err.status === 409) ctx.refresh(visit.id, { error: text }); // show the state it is in now
      else alert.textContent = text;
    }
  };
  const next = lifecycle.transitions[visit.state] || [];
  const steps = next.filter((s) => s !== 'cancelled');
  if (steps.length) {
    panel.append(
      h('h3', {}, t('visits.panel.steps')),
      h('div', { class: 'form-actions' }, steps.map((s) => h('button', { type: 'button', 'data-action': ACTION_PATHS[s], onclick: () => run(s) }, t(`visits.action.${s}`)))),
    );
  } else if (!next.length) {
    panel.append(h('p', { class: 'muted' }, t('visits.panel.final')));
  }
  if (lifecycle.reschedulable.includes(visit.state)) {
    const start = zoned(visit.scheduled_start, zone);
    const current = { day: start.day, start: start.time, end: zoned(visit.scheduled_end, zone).time };
    panel.append(
      rescheduleForm(visit, {
        zone,
        slot: slot || current,
        error: slotError,
        onDone: (moved) => ctx.refresh(moved.id, { message: t('visits.done.moved') }),
      }),
    );
  }
  if (next.includes('cancelled')) {
    const reason = h('textarea', { id: 'visit-cancel-reason', rows: 2, required: true, maxlength: 1000 });
    panel.append(
      h(
        'form',
        {
          class: 'visit-form cancel-form',
          'aria-labelledby': 'visit-cancel-title',
          onsubmit: (ev) => {
            ev.preventDefault();
            run('cancelled', { reason: reason.value });
          },
        },
        h('h3', { id: 'visit-cancel-title' }, t('visits.panel.cancelTitle')),
        h('div', { class: 'field' }, h('label', { for: 'visit-cancel-reason' }, t('visits.panel.cancelReasonLabel')), reason),
        h('button', { type: 'submit', class: 'danger' }, t('visits.action.cancelled')),
      ),
    );
  }
  return panel;
}
