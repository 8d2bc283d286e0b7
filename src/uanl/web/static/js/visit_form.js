// The forms that book and move a visit. Times are typed on the desk's wall clock (`zone`)
// and sent as instants; the API's refusals are shown in words beside the form
// (visit_errors.js), on the field they are about.

import { api, operators } from './api.js';
import { field, h } from './dom.js';
import { t } from './i18n.js';
import { describe } from './visit_errors.js';
import { toInstant } from './visit_time.js';

let formSeq = 0;

/** The status line of a form, and how to show an API refusal on it and on its fields. */
function feedback(fields, force, context) {
  const id = `visit-form-status-${++formSeq}`;
  const status = h('p', { class: 'form-status', role: 'alert', id });
  const reset = () => {
    status.textContent = '';
    for (const input of Object.values(fields)) {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
    }
    force?.closest('.check')?.classList.remove('suggest');
  };
  const show = (err) => {
    const info = describe(err, context());
    status.textContent = info.text;
    const input = fields[info.field];
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', id);
    }
    if (info.force && force) force.closest('.check').classList.add('suggest');
    return info;
  };
  return { status, reset, show };
}

/** Date, start and end inputs on the desk's clock; read() gives the instants. */
function slotFields(prefix, slot, zone) {
  const day = h('input', { type: 'date', required: true, value: slot.day || '' });
  const start = h('input', { type: 'time', required: true, value: slot.start || '09:00' });
  const end = h('input', { type: 'time', required: true, value: slot.end || '10:00' });
  const nodes = h(
    'div',
    { class: 'slot-fields' },
    field(`${prefix}-day`, t('visits.form.day'), day),
    field(`${prefix}-start`, t('visits.form.start'), start),
    field(`${prefix}-end`, t('visits.form.end'), end),
  );
  const read = () => ({
    scheduled_start: toInstant(day.value, start.value, zone).toISOString(),
    scheduled_end: toInstant(day.value, end.value, zone).toISOString(),
  });
  return { nodes, read, inputs: { scheduled_start: start, scheduled_end: end, day } };
}

function forceCheck(id) {
  const box = h('input', { type: 'checkbox', id });
  return { box, node: h('div', { class: 'check' }, box, h('label', { for: id }, t('visits.form.force'))) };
}

function debounce(fn, ms) {
  let timer = 0;
  const call = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}

/** Client search: a search box that fills a <select> of matching clients. */
function clientPicker(onChoose) {
  const query = h('input', { type: 'search', autocomplete: 'off', placeholder: t('visits.form.clientSearchHint') });
  const choice = h('select', { required: true }, h('option', { value: '' }, t('visits.form.clientNone')));
  const found = h('div', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const byId = new Map();
  let seq = 0;
  let chosen = '';
  // Tell only a change of client: a search that lands on the same client (typing its name
  // after the first list picked it) must not reset the ticket chosen for it meanwhile.
  const choose = () => {
    if (choice.value === chosen) return;
    chosen = choice.value;
    onChoose(byId.get(choice.value) || null);
  };
  const search = debounce(async () => {
    const mine = ++seq;
    const q = query.value.trim();
    const page = await api('/clients', { query: { q: q || undefined, limit: 20, sort: 'name' } }).catch(() => null);
    if (mine !== seq || !page) return;
    choice.replaceChildren(h('option', { value: '' }, t('visits.form.clientNone')));
    byId.clear();
    for (const c of page.items) {
      byId.set(String(c.id), c);
      choice.append(h('option', { value: c.id }, c.address ? `${c.name} — ${c.address}` : c.name));
    }
    found.textContent = t(page.items.length === 1 ? 'visits.form.clientFound' : 'visits.form.clientsFound', { n: page.items.length });
    if (page.items.length === 1) choice.value = String(page.items[0].id);
    else if (byId.has(chosen)) choice.value = chosen; // still among the matches: keep it
    choose();
  }, 250);
  query.addEventListener('input', search);
  choice.addEventListener('change', choose);
  search();
  return {
    nodes: [field('visit-client-q', t('visits.form.clientSearch'), query), found, field('visit-client', t('visits.form.client'), choice)],
    choice,
    stop: search.cancel,
  };
}

/**
 * The booking form: client (searched), ticket (optional), technician (or the automatic
 * pick), slot, address, notes. onDone(visit) after a 201; onClose() on cancel.
 */
export function createForm({ zone, slot, onDone, onClose }) {
  const ticket = h('select', {}, h('option', { value: '' }, t('visits.form.noTicket')));
  const technician = h('select', {}, h('option', { value: '' }, t('visits.form.auto')));
  const skill = h('input', { type: 'text', maxlength: 40, autocomplete: 'off' });
  const address = h('input', { type: 'text', maxlength: 500, autocomplete: 'off' });
  const notes = h('textarea', { rows: 3, maxlength: 5000 });
  const times = slotFields('visit', slot, zone);
  const force = forceCheck('visit-force');
  let ticketSeq = 0;
  const picker = clientPicker(async (client) => {
    address.placeholder = client?.address || t('visits.form.addressNone');
    const mine = ++ticketSeq;
    ticket.replaceChildren(h('option', { value: '' }, t('visits.form.noTicket')));
    if (!client) return;
    const page = await api('/tickets', { query: { client_id: client.id, limit: 50, sort: '-created_at' } }).catch(() => null);
    if (mine !== ticketSeq || !page) return;
    for (const tk of page.items) {
      ticket.append(h('option', { value: tk.id }, `#${tk.id} · ${tk.title} (${t(`state.${tk.state}`)})`));
    }
  });
  operators()
    .then((people) => {
      for (const p of people) technician.append(h('option', { value: p.id }, p.skills?.length ? `${p.name} (${p.skills.join(', ')})` : p.name));
    })
    .catch(() => {});
  const fields = { client_id: picker.choice, ticket_id: ticket, operator_id: technician, skill, address, notes, ...times.inputs };
  const fb = feedback(fields, force.box, () => ({ zone }));
  const submit = h('button', { type: 'submit' }, t('visits.form.book'));
  const optional = (v) => (v.trim() ? v.trim() : undefined);
  const form = h(
    'form',
    {
      class: 'visit-form',
      'aria-labelledby': 'visit-form-title',
      onsubmit: async (ev) => {
        ev.preventDefault();
        fb.reset();
        submit.disabled = true;
        try {
          const body = {
            client_id: Number(picker.choice.value),
            ticket_id: ticket.value ? Number(ticket.value) : undefined,
            operator_id: technician.value ? Number(technician.value) : undefined,
            skill: technician.value ? undefined : optional(skill.value),
            address: optional(address.value),
            notes: optional(notes.value),
            force: force.box.checked,
            ...times.read(),
          };
          onDone(await api('/visits', { method: 'POST', body }));
        } catch (err) {
          fb.show(err);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', { id: 'visit-form-title', tabindex: '-1' }, t('visits.form.newTitle')),
    ...picker.nodes,
    field('visit-ticket', t('visits.form.ticket'), ticket),
    field('visit-operator', t('visits.form.technician'), technician),
    field('visit-skill', t('visits.form.skill'), skill),
    times.nodes,
    field('visit-address', t('visits.form.address'), address),
    field('visit-notes', t('visits.form.notes'), notes),
    force.node,
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'secondary', onclick: onClose }, t('visits.form.close'))),
    fb.status,
  );
  form.stop = picker.stop;
  return form;
}

/** The move form of a visit: new slot on the desk's clock, optional force. */
export function rescheduleForm(visit, { zone, slot, onDone, error }) {
  const times = slotFields('resched', slot, zone);
  const force = forceCheck('resched-force');
  const fb = feedback(times.inputs, force.box, () => ({ zone }));
  const submit = h('button', { type: 'submit' }, t('visits.form.move'));
  const form = h(
    'form',
    {
      class: 'visit-form',
      'aria-labelledby': 'resched-title',
      onsubmit: async (ev) => {
        ev.preventDefault();
        fb.reset();
        submit.disabled = true;
        try {
          const body = { ...times.read(), force: force.box.checked, version: visit.version };
          onDone(await api(`/visits/${visit.id}/reschedule`, { method: 'POST', body }));
        } catch (err) {
          fb.show(err);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h3', { id: 'resched-title' }, t('visits.form.moveTitle')),
    times.nodes,
    force.node,
    submit,
    fb.status,
  );
  if (error) fb.show(error); // a drop on the calendar the API refused: shown here, to retry
  return form;
}
