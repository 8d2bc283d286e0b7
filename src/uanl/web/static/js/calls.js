// The Calls screen: #/calls (filters, pages), #/calls/new (log one; ?client_id= & ?ticket_id=
// prefill it), #/calls/<id> (read and edit; supervisors and admins may delete).

import { api, me, operators } from './api.js';
import { clear, field, h, select, toast } from './dom.js';
import { extend, formatDateTime, formatNumber, t } from './i18n.js';
import {
  DIRECTIONS,
  OUTCOMES,
  clearErrors,
  clientNames,
  clientPicker,
  confirmDialog,
  details,
  enumOptions,
  formField,
  formatSeconds,
  hashWith,
  isLead,
  localInputValue,
  pager,
  parseDuration,
  problemText,
  setFieldError,
  saveRow,
  showList,
} from './people_common.js';

extend({
  es: {
    'nav.calls': 'Llamadas',
    'calls.title': 'Llamadas',
    'calls.new': 'Registrar llamada',
    'calls.log': 'Registrar',
    'calls.logged': 'Llamada registrada.',
    'calls.count': '{n} llamadas',
    'calls.count.one': '{n} llamada',
    'calls.mine': 'Solo mis llamadas',
    'calls.from': 'Desde',
    'calls.to': 'Hasta',
    'calls.detail': 'Llamada del {when}',
    'calls.edit': 'Editar llamada',
    'calls.delete': 'Eliminar llamada',
    'calls.delete.title': '¿Eliminar esta llamada?',
    'calls.delete.text': 'El registro de la llamada se borrará de forma definitiva.',
    'calls.deleted': 'Llamada eliminada.',
    'calls.f.client_id': 'Cliente',
    'calls.f.direction': 'Dirección',
    'calls.f.outcome': 'Resultado',
    'calls.f.duration_s': 'Duración (min:seg)',
    'calls.f.duration.hint': 'Minutos, o minutos:segundos (p. ej. 4:30).',
    'calls.f.started_at': 'Inicio',
    'calls.f.operator_id': 'Operador',
    'calls.f.ticket_id': 'Ticket relacionado (núm., opcional)',
    'calls.f.notes': 'Notas',
    'calls.f.wait_s': 'Espera (s)',
    'calls.noOperator': 'Sin operador',
  },
  en: {
    'nav.calls': 'Calls',
    'calls.title': 'Calls',
    'calls.new': 'Log a call',
    'calls.log': 'Log',
    'calls.logged': 'Call logged.',
    'calls.count': '{n} calls',
    'calls.count.one': '{n} call',
    'calls.mine': 'Only my calls',
    'calls.from': 'From',
    'calls.to': 'To',
    'calls.detail': 'Call of {when}',
    'calls.edit': 'Edit call',
    'calls.delete': 'Delete call',
    'calls.delete.title': 'Delete this call?',
    'calls.delete.text': 'The call record will be removed for good.',
    'calls.deleted': 'Call deleted.',
    'calls.f.client_id': 'Client',
    'calls.f.direction': 'Direction',
    'calls.f.outcome': 'Outcome',
    'calls.f.duration_s': 'Duration (min:sec)',
    'calls.f.duration.hint': 'Minutes, or minutes:seconds (e.g. 4:30).',
    'calls.f.started_at': 'Started',
    'calls.f.operator_id': 'Operator',
    'calls.f.ticket_id': 'Related ticket (no., optional)',
    'calls.f.notes': 'Notes',
    'calls.f.wait_s': 'Wait (s)',
    'calls.noOperator': 'No operator',
  },
});

const PAGE_SIZE = 25;

export function renderCalls(root, params, id) {
  if (id === 'new') return renderNew(root, params);
  if (id) return renderCall(root, Number(id), params);
  return renderList(root, params);
}

/** A date input's value (YYYY-MM-DD) as the instant of that local midnight, or undefined. */
const dayStart = (value, addDays = 0) => {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d + addDays).toISOString();
};

function renderList(root, params) {
  const state = {
    direction: params.get('direction') ?? '',
    outcome: params.get('outcome') ?? '',
    operator: params.get('operator') ?? '',
    client_id: params.get('client_id') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const go = (changes) => (location.hash = hashWith('calls', { ...state, ...changes }));

  const direction = select(enumOptions(DIRECTIONS, 'ppl.dir', true), state.direction);
  const outcome = select(enumOptions(OUTCOMES, 'ppl.outcome', true), state.outcome);
  const operator = select([{ value: '', label: t('ppl.any') }, { value: 'me', label: t('calls.mine') }], state.operator);
  const picker = clientPicker('calls-client-list', state.client_id);
  const from = h('input', { type: 'date', value: state.from });
  const to = h('input', { type: 'date', value: state.to });
  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (ev) => {
        ev.preventDefault();
        const clientId = picker.input.clientId();
        go({ direction: direction.value, outcome: outcome.value, operator: operator.value, client_id: clientId ?? '', from: from.value, to: to.value });
      },
    },
    field('calls-direction', t('calls.f.direction'), direction),
    field('calls-outcome', t('calls.f.outcome'), outcome),
    field('calls-operator', t('calls.f.operator_id'), operator),
    field('calls-client', t('calls.f.client_id'), picker.input),
    picker.list,
    field('calls-from', t('calls.from'), from),
    field('calls-to', t('calls.to'), to),
    h('button', { type: 'submit' }, t('ppl.filter')),
  );
  const body = h('div', { class: 'people-body', 'aria-live': 'polite', 'aria-busy': 'true' });
  clear(root).append(h('div', { class: 'page-head' }, h('h1', {}, t('calls.title')), h('a', { class: 'ppl-button', href: '#/calls/new' }, t('calls.new'))), filters, body);

  let populate = () => {};
  operators()
    .then((people) => {
      for (const p of people) operator.append(h('option', { value: String(p.id), selected: String(p.id) === state.operator }, p.name));
      populate(new Map(people.map((p) => [p.id, p.name])));
    })
    .catch(() => populate(new Map()));
  const query = {
    limit: PAGE_SIZE,
    offset,
    sort: '-started_at',
    direction: state.direction || undefined,
    outcome: state.outcome || undefined,
    client_id: state.client_id || undefined,
    operator_id: state.operator === 'me' ? me().id : state.operator || undefined,
    started_from: dayStart(state.from),
    started_to: dayStart(state.to, 1),
  };
  Promise.all([api('/calls', { query }), new Promise((resolve) => (populate = resolve))])
    .then(async ([page, ops]) => {
      const clients = await clientNames(page.items.map((c) => c.client_id));
      const heads = ['ppl.col.when', 'calls.f.client_id', 'ppl.col.direction', 'ppl.col.outcome', 'ppl.col.duration', 'ppl.col.operator', 'ppl.col.ticket'];
      const row = (c) =>
          h(
            'tr',
            { 'data-call': c.id },
            h('td', {}, h('a', { href: `#/calls/${c.id}` }, formatDateTime(c.started_at))),
            h('td', {}, c.client_id ? h('a', { href: `#/clients/${c.client_id}` }, clients.get(c.client_id)) : '—'),
            h('td', {}, t(`ppl.dir.${c.direction}`)),
            h('td', {}, h('span', { class: `badge outcome-${c.outcome}` }, t(`ppl.outcome.${c.outcome}`))),
            h('td', {}, formatSeconds(c.duration_s)),
            h('td', {}, ops.get(c.operator_id) ?? (c.operator_id ? `#${c.operator_id}` : '—')),
            h('td', {}, c.ticket_id ? h('a', { href: `#/tickets/${c.ticket_id}` }, `#${c.ticket_id}`) : '—'),
          );
      if (!showList(body, page, 'calls', heads, row)) return;
      body.append(pager(page, (next) => go({ offset: String(next) })));
    })
    .catch((err) => {
      body.setAttribute('aria-busy', 'false');
      body.append(h('p', { class: 'error', role: 'alert' }, problemText(err)));
    });
  return () => picker.input.stop();
}

/** The log/edit form. `call` null logs a new one (prefilled from `prefill`). */
function callForm(call, prefill, people, onSaved, onCancel) {
  const v = call || {};
  const picker = clientPicker('call-client-list', v.client_id ?? prefill.client_id);
  const started = v.started_at ? new Date(v.started_at) : new Date();
  const opOptions = [{ value: '', label: t('calls.noOperator') }, ...people.map((p) => ({ value: String(p.id), label: p.name }))];
  // A call taken by someone since deactivated keeps them (the list offers active operators only).
  const former = v.operator_id && !people.some((p) => p.id === v.operator_id) ? { value: String(v.operator_id), label: `#${v.operator_id}` } : null;
  if (former) opOptions.push(former);
  const controls = {
    client_id: picker.input,
    direction: select(enumOptions(DIRECTIONS, 'ppl.dir'), v.direction ?? 'inbound'),
    outcome: select(enumOptions(OUTCOMES, 'ppl.outcome'), v.outcome ?? 'resolved'),
    duration_s: h('input', { type: 'text', inputmode: 'numeric', value: v.duration_s !== undefined ? formatSeconds(v.duration_s) : '', maxlength: 8, autocomplete: 'off' }),
    started_at: h('input', { type: 'datetime-local', value: localInputValue(started) }),
    operator_id: select(opOptions, call ? (v.operator_id ?? '') : me().id),
    ticket_id: h('input', { type: 'number', min: 1, step: 1, value: v.ticket_id ?? prefill.ticket_id ?? '' }),
    notes: h('textarea', { rows: 3, maxlength: 5000 }, v.notes ?? ''),
  };
  if (former) {
    api(`/operators/${v.operator_id}`)
      .then((op) => (controls.operator_id.querySelector(`option[value="${former.value}"]`).textContent = op.name))
      .catch(() => {});
  }
  const status = h('p', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit' }, call ? t('ppl.save') : t('calls.log'));
  const f = (name, hint) => formField('callf', name, t(`calls.f.${name}`), controls[name], hint);

  const form = h(
    'form',
    {
      class: 'card people-form',
      novalidate: true,
      'aria-label': call ? t('calls.edit') : t('calls.new'),
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        status.textContent = '';
        // What the browser can tell before asking: a client named but not picked, a length
        // that is not minutes[:seconds]. Everything else the API judges.
        const clientId = picker.input.clientId();
        const duration = parseDuration(controls.duration_s.value);
        const startedAt = new Date(controls.started_at.value);
        let local = false;
        if (clientId === undefined) local = setFieldError(form, 'client_id', t('ppl.err.client'));
        if (Number.isNaN(duration)) local = setFieldError(form, 'duration_s', t('ppl.err.duration')) || local;
        if (Number.isNaN(startedAt.getTime())) local = setFieldError(form, 'started_at', t('ppl.err.started_at')) || local;
        if (local) {
          status.textContent = t('ppl.invalid');
          form.querySelector('[aria-invalid="true"]')?.focus();
          return;
        }
        const ticket = controls.ticket_id.value.trim();
        const body = {
          client_id: clientId,
          direction: controls.direction.value,
          outcome: controls.outcome.value,
          duration_s: duration,
          started_at: startedAt.toISOString(),
          operator_id: controls.operator_id.value ? Number(controls.operator_id.value) : null,
          ticket_id: ticket ? Number(ticket) : null,
          notes: controls.notes.value.trim() || null,
        };
        await saveRow(form, status, submit, '/calls', call, body, onSaved);
      },
    },
    h(
      'div',
      { class: 'ppl-grid' },
      f('client_id', t('ppl.client.hint')),
      f('direction'),
      f('outcome'),
      f('duration_s', t('calls.f.duration.hint')),
      f('started_at'),
      f('operator_id'),
      f('ticket_id'),
    ),
    picker.list,
    f('notes'),
    status,
    h('div', { class: 'ppl-actions' }, submit, h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('ppl.cancel'))),
  );
  return { form, focus: () => controls.client_id.focus(), stop: () => picker.input.stop() };
}

function renderNew(root, params) {
  const back = h('p', {}, h('a', { href: '#/calls' }, `← ${t('ppl.back')}`));
  const prefill = { client_id: params.get('client_id'), ticket_id: params.get('ticket_id') };
  let stop = () => {};
  clear(root).append(back, h('h1', {}, t('calls.new')), h('p', { 'aria-busy': 'true' }, t('ppl.loading')));
  operators()
    .catch(() => [])
    .then((people) => {
      const built = callForm(
        null,
        prefill,
        people,
        (saved) => {
          toast(t('calls.logged'));
          location.hash = prefill.client_id ? `#/clients/${prefill.client_id}` : `#/calls/${saved.id}`;
        },
        () => history.back(),
      );
      stop = built.stop;
      root.lastChild.replaceWith(built.form);
      built.focus();
    });
  return () => stop();
}

function renderCall(root, id, params) {
  const editing = params.get('edit') === '1';
  const back = h('p', {}, h('a', { href: '#/calls' }, `← ${t('ppl.back')}`));
  const status = h('p', { class: 'form-status', role: 'alert' });
  let stop = () => {};
  clear(root).append(back, h('p', { 'aria-busy': 'true' }, t('ppl.loading')));
  Promise.all([api(`/calls/${id}`), operators().catch(() => [])])
    .then(async ([call, people]) => {
      const clients = await clientNames([call.client_id]);
      const names = new Map(people.map((p) => [p.id, p.name]));
      const head = h(
        'div',
        { class: 'page-head' },
        h('h1', {}, t('calls.detail', { when: formatDateTime(call.started_at) })),
        h(
          'div',
          { class: 'ppl-actions' },
          editing ? null : h('a', { class: 'ppl-button', href: `#/calls/${id}?edit=1` }, t('ppl.edit')),
          isLead() ? h('button', { type: 'button', class: 'ppl-danger', 'data-action': 'delete', onclick: () => remove(call, status) }, t('calls.delete')) : null,
        ),
      );
      let main;
      if (editing) {
        const built = callForm(call, {}, people, () => {
          toast(t('ppl.saved'));
          location.hash = `#/calls/${id}`;
        }, () => (location.hash = `#/calls/${id}`));
        stop = built.stop;
        main = built.form;
      } else {
        main = details([
          [t('calls.f.client_id'), call.client_id ? h('a', { href: `#/clients/${call.client_id}` }, clients.get(call.client_id)) : null],
          [t('calls.f.direction'), t(`ppl.dir.${call.direction}`)],
          [t('calls.f.outcome'), t(`ppl.outcome.${call.outcome}`)],
          [t('ppl.col.duration'), formatSeconds(call.duration_s)],
          [t('calls.f.wait_s'), call.wait_s === null ? null : formatNumber(call.wait_s)],
          [t('calls.f.operator_id'), names.get(call.operator_id) ?? (call.operator_id ? `#${call.operator_id}` : null)],
          [t('ppl.col.ticket'), call.ticket_id ? h('a', { href: `#/tickets/${call.ticket_id}` }, `#${call.ticket_id}`) : null],
          [t('calls.f.notes'), call.notes],
        ], 'details people-details');
      }
      clear(root).append(back, head, status, main);
    })
    .catch((err) => clear(root).append(back, h('p', { class: 'error', role: 'alert' }, problemText(err))));
  return () => stop();
}

async function remove(call, status) {
  if (!(await confirmDialog(t('calls.delete.title'), t('calls.delete.text'), t('calls.delete')))) return;
  try {
    await api(`/calls/${call.id}`, { method: 'DELETE' });
    toast(t('calls.deleted'));
    location.hash = '#/calls';
  } catch (err) {
    status.textContent = problemText(err);
    status.dataset.kind = 'error';
  }
}
