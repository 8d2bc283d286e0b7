// What the people screens (clients, calls, operators) share: enum words, field errors from
// problem+json, refusals in words, a pager, a confirmation dialog and the client picker.

import { ApiError, api, me } from './api.js';
import { h } from './dom.js';
import { extend, formatNumber, getLang, t, tOr } from './i18n.js';

export const ROLES = ['operator', 'supervisor', 'admin'];
export const TIERS = ['basic', 'standard', 'premium', 'enterprise'];
export const LANGUAGES = ['es', 'en'];
export const DIRECTIONS = ['inbound', 'outbound'];
export const OUTCOMES = ['resolved', 'escalated', 'callback', 'abandoned', 'voicemail', 'transferred', 'ticket_created'];
export const VISIT_STATES = ['scheduled', 'confirmed', 'in_progress', 'done', 'cancelled', 'no_show'];

extend({
  es: {
    'ppl.role.admin': 'Administrador',
    'ppl.role.supervisor': 'Supervisor',
    'ppl.role.operator': 'Operador',
    'ppl.tier.basic': 'Básico',
    'ppl.tier.standard': 'Estándar',
    'ppl.tier.premium': 'Premium',
    'ppl.tier.enterprise': 'Empresarial',
    'ppl.lang.es': 'Español',
    'ppl.lang.en': 'Inglés',
    'ppl.dir.inbound': 'Entrante',
    'ppl.dir.outbound': 'Saliente',
    'ppl.outcome.resolved': 'Resuelta',
    'ppl.outcome.escalated': 'Escalada',
    'ppl.outcome.callback': 'Devolver llamada',
    'ppl.outcome.abandoned': 'Abandonada',
    'ppl.outcome.voicemail': 'Buzón de voz',
    'ppl.outcome.transferred': 'Transferida',
    'ppl.outcome.ticket_created': 'Ticket creado',
    'ppl.vstate.scheduled': 'Programada',
    'ppl.vstate.confirmed': 'Confirmada',
    'ppl.vstate.in_progress': 'En curso',
    'ppl.vstate.done': 'Realizada',
    'ppl.vstate.cancelled': 'Cancelada',
    'ppl.vstate.no_show': 'No se presentó',
    'ppl.any': 'Cualquiera',
    'ppl.yes': 'Sí',
    'ppl.no': 'No',
    'ppl.search': 'Buscar',
    'ppl.filter': 'Filtrar',
    'ppl.prev': 'Anterior',
    'ppl.next': 'Siguiente',
    'ppl.range': 'Mostrando {from}–{to} de {total}',
    'ppl.empty': 'No hay resultados.',
    'ppl.loading': 'Cargando…',
    'ppl.save': 'Guardar',
    'ppl.saved': 'Cambios guardados.',
    'ppl.cancel': 'Cancelar',
    'ppl.edit': 'Editar',
    'ppl.back': 'Volver a la lista',
    'ppl.confirm': 'Confirmar',
    'ppl.forbidden': 'No tienes permiso para hacer esto: tu rol no lo permite. Pídelo a un supervisor o a un administrador.',
    'ppl.notFound': 'No existe (o ya se eliminó).',
    'ppl.conflict': 'No se pudo: {detail}',
    'ppl.invalid': 'Revisa los campos marcados.',
    'ppl.err.required': 'Este campo es obligatorio.',
    'ppl.err.tooLong': 'Es demasiado largo.',
    'ppl.err.range': 'El valor está fuera del rango permitido.',
    'ppl.err.invalid': 'Valor no válido.',
    'ppl.err.taken': 'Ya existe otro registro con este valor.',
    'ppl.err409.role': 'Eres el último administrador: primero debe existir otro.',
    'ppl.err.rfc': 'RFC no válido.',
    'ppl.err.email': 'Correo electrónico no válido.',
    'ppl.err.phone': 'Teléfono no válido.',
    'ppl.err.password': 'La contraseña no es lo bastante segura.',
    'ppl.err.client': 'Elige un cliente de la lista de sugerencias.',
    'ppl.err.duration': 'Escribe minutos o minutos:segundos, p. ej. 4:30.',
    'ppl.err.started_at': 'La fecha no es válida.',
    'ppl.client': 'Cliente',
    'ppl.client.hint': 'Escribe parte del nombre y elige una sugerencia.',
    'ppl.none': '—',
    'ppl.col.id': 'Núm.',
    'ppl.col.title': 'Título',
    'ppl.col.state': 'Estado',
    'ppl.col.priority': 'Prioridad',
    'ppl.col.created': 'Creado',
    'ppl.col.when': 'Fecha',
    'ppl.col.direction': 'Dirección',
    'ppl.col.outcome': 'Resultado',
    'ppl.col.duration': 'Duración',
    'ppl.col.operator': 'Operador',
    'ppl.col.ticket': 'Ticket',
    'ppl.col.address': 'Dirección de la visita',
    'ppl.col.score': 'Calificación',
    'ppl.col.comment': 'Comentario',
  },
  en: {
    'ppl.role.admin': 'Administrator',
    'ppl.role.supervisor': 'Supervisor',
    'ppl.role.operator': 'Operator',
    'ppl.tier.basic': 'Basic',
    'ppl.tier.standard': 'Standard',
    'ppl.tier.premium': 'Premium',
    'ppl.tier.enterprise': 'Enterprise',
    'ppl.lang.es': 'Spanish',
    'ppl.lang.en': 'English',
    'ppl.dir.inbound': 'Inbound',
    'ppl.dir.outbound': 'Outbound',
    'ppl.outcome.resolved': 'Resolved',
    'ppl.outcome.escalated': 'Escalated',
    'ppl.outcome.callback': 'Call back',
    'ppl.outcome.abandoned': 'Abandoned',
    'ppl.outcome.voicemail': 'Voicemail',
    'ppl.outcome.transferred': 'Transferred',
    'ppl.outcome.ticket_created': 'Ticket created',
    'ppl.vstate.scheduled': 'Scheduled',
    'ppl.vstate.confirmed': 'Confirmed',
    'ppl.vstate.in_progress': 'In progress',
    'ppl.vstate.done': 'Done',
    'ppl.vstate.cancelled': 'Cancelled',
    'ppl.vstate.no_show': 'No-show',
    'ppl.any': 'Any',
    'ppl.yes': 'Yes',
    'ppl.no': 'No',
    'ppl.search': 'Search',
    'ppl.filter': 'Filter',
    'ppl.prev': 'Previous',
    'ppl.next': 'Next',
    'ppl.range': 'Showing {from}–{to} of {total}',
    'ppl.empty': 'Nothing found.',
    'ppl.loading': 'Loading…',
    'ppl.save': 'Save',
    'ppl.saved': 'Changes saved.',
    'ppl.cancel': 'Cancel',
    'ppl.edit': 'Edit',
    'ppl.back': 'Back to the list',
    'ppl.confirm': 'Confirm',
    'ppl.forbidden': 'You are not allowed to do this: your role does not permit it. Ask a supervisor or an administrator.',
    'ppl.notFound': 'It does not exist (or was deleted).',
    'ppl.conflict': 'Could not do it: {detail}',
    'ppl.invalid': 'Check the highlighted fields.',
    'ppl.err.required': 'This field is required.',
    'ppl.err.tooLong': 'It is too long.',
    'ppl.err.range': 'The value is out of the allowed range.',
    'ppl.err.invalid': 'Invalid value.',
    'ppl.err.taken': 'Another record already has this value.',
    'ppl.err409.role': 'You are the last administrator: another one must exist first.',
    'ppl.err.rfc': 'Invalid RFC.',
    'ppl.err.email': 'Invalid e-mail address.',
    'ppl.err.phone': 'Invalid phone number.',
    'ppl.err.password': 'The password is not strong enough.',
    'ppl.err.client': 'Pick a client from the suggestions.',
    'ppl.err.duration': 'Type minutes or minutes:seconds, e.g. 4:30.',
    'ppl.err.started_at': 'The date is not valid.',
    'ppl.client': 'Client',
    'ppl.client.hint': 'Type part of the name and pick a suggestion.',
    'ppl.none': '—',
    'ppl.col.id': 'No.',
    'ppl.col.title': 'Title',
    'ppl.col.state': 'State',
    'ppl.col.priority': 'Priority',
    'ppl.col.created': 'Created',
    'ppl.col.when': 'Date',
    'ppl.col.direction': 'Direction',
    'ppl.col.outcome': 'Outcome',
    'ppl.col.duration': 'Duration',
    'ppl.col.operator': 'Operator',
    'ppl.col.ticket': 'Ticket',
    'ppl.col.address': 'Visit address',
    'ppl.col.score': 'Score',
    'ppl.col.comment': 'Comment',
  },
});

export const isAdmin = () => me()?.role === 'admin';
export const isLead = () => ['admin', 'supervisor'].includes(me()?.role);

/** `key` for n, or `key.one` when n is 1 (Spanish and English need nothing finer). */
export const plural = (key, n, vars = {}) => t(n === 1 ? `${key}.one` : key, { n: formatNumber(n), ...vars });

/** Options for select(): an enum's values with their words (and an "any" first if asked). */
export function enumOptions(values, prefix, any = false) {
  const opts = values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }));
  return any ? [{ value: '', label: t('ppl.any') }, ...opts] : opts;
}

/** A refused or failed call in words: a 403 names the caller's role, never a raw status. */
export function problemText(err) {
  if (err instanceof ApiError) {
    if (err.status === 403) return t('ppl.forbidden');
    if (err.status === 404) return t('ppl.notFound');
    if (err.status === 409) return t('ppl.conflict', { detail: err.message });
    if (err.status === 422) return t('ppl.invalid');
  }
  return t('error.generic', { detail: err.message });
}

/** A labelled control with its hint and an error slot; `name` is the API's field name. */
export function formField(prefix, name, label, control, hint) {
  const id = `${prefix}-${name}`;
  control.id = id;
  control.name = name;
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', describedBy);
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'ppl-hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

/** A checkbox with its label after it. */
export function checkField(prefix, name, label, checked) {
  const id = `${prefix}-${name}`;
  const box = h('input', { type: 'checkbox', id, name, checked: Boolean(checked) });
  return h('div', { class: 'check', 'data-field': name }, box, h('label', { for: id }, label));
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('.field-error')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function fieldMessage(err, name, item) {
  if (err.status === 409) return ['email', 'rfc'].includes(name) ? t('ppl.err.taken') : tOr(`ppl.err409.${name}`, t('ppl.err.invalid'));
  const type = item.type || '';
  if (type === 'missing' || type === 'string_too_short') return t('ppl.err.required');
  if (type.endsWith('too_long')) return t('ppl.err.tooLong');
  if (/^(greater|less)_than/.test(type)) return t('ppl.err.range');
  return tOr(`ppl.err.${name}`, t('ppl.err.invalid'));
}

/** Put one message beside a field (client-side checks use it too); true when the field exists. */
// The API explains a refusal in English; in Spanish the common explanations are said in
// Spanish, and an unknown one is left out (the field's own message already says what is wrong).
const REASONS_ES = [
  [/check digit does not match/i, () => 'El dígito verificador no coincide (¿un error al escribirlo?).'],
  [/not a valid email address/i, () => 'No es una dirección de correo válida.'],
  [/at most (\d+) characters?/i, (n) => `Como máximo ${n} caracteres.`],
  [/at least (\d+) characters?/i, (n) => `Al menos ${n} caracteres.`],
  [/field required|cannot be null/i, () => 'Es obligatorio.'],
  [/already (?:exists|holds|registered|in use)/i, () => 'Ya está registrado.'],
  [/\b(\d+) does not exist/i, (n) => `No existe el número ${n}.`],
  [/is deactivated/i, () => 'Está dado de baja.'],
  [/cannot start in the future/i, () => 'No puede empezar en el futuro.'],
];

function localReason(why) {
  if (!why) return null;
  if (getLang() === 'en') return { text: why, lang: 'en' };
  for (const [pattern, say] of REASONS_ES) {
    const m = pattern.exec(why);
    if (m) return { text: say(m[1]), lang: 'es' };
  }
  return null;
}

export function setFieldError(form, name, message, reason) {
  const wrap = form.querySelector(`[data-field="${name}"]`);
  const slot = wrap?.querySelector('.field-error');
  if (!slot) return false;
  slot.textContent = '';
  const why = localReason(reason ? String(reason).replace(/^Value error, /, '') : '');
  slot.append(message, why ? h('span', { class: 'reason', lang: why.lang }, ` ${why.text}`) : '');
  slot.hidden = false;
  wrap.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
  return true;
}

/** Show an API refusal: each named field gets its message beside it (the first is focused);
 *  anything else goes to `status` in words. */
/** Save a people form: POST a new row or PATCH the loaded one (`path` is the collection),
 *  the API's errors beside their fields, the submit button off meanwhile. */
export async function saveRow(form, status, submit, path, row, body, onSaved) {
  submit.disabled = true;
  try {
    onSaved(row ? await api(`${path}/${row.id}`, { method: 'PATCH', body }) : await api(path, { method: 'POST', body }));
  } catch (err) {
    showErrors(form, status, err);
  } finally {
    submit.disabled = false;
  }
}

/** A list's answer under `body`: how many there are, then "none yet" or the table. */
export function showList(body, page, name, headings, row) {
  body.setAttribute('aria-busy', 'false');
  body.append(h('p', { class: 'muted', id: `${name}-count` }, plural(`${name}.count`, page.total)));
  if (!page.items.length) {
    body.append(h('p', { class: 'empty' }, t('ppl.empty')));
    return false;
  }
  body.append(table(`people ${name}`, headings, page.items, row));
  return true;
}

export function showErrors(form, status, err) {
  clearErrors(form);
  const items = err instanceof ApiError ? [...(err.problem.errors || [])] : [];
  if (err instanceof ApiError && err.problem.field && !items.length) {
    items.push({ field: err.problem.field, reason: err.message });
  }
  let placed = 0;
  for (const item of items) {
    const name = String(item.field || '').split('.')[0];
    if (setFieldError(form, name, fieldMessage(err, name, item), item.reason)) placed += 1;
  }
  status.textContent = placed ? t('ppl.invalid') : problemText(err);
  status.dataset.kind = 'error';
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/** "Showing 1–25 of 80" and previous/next buttons; `go(offset)` moves. */
export function pager(page, go) {
  const from = page.total ? page.offset + 1 : 0;
  const to = page.offset + page.items.length;
  const prev = page.offset > 0;
  const next = page.offset + page.limit < page.total;
  return h(
    'div',
    { class: 'pager' },
    h('span', { class: 'muted pager-range' }, t('ppl.range', { from: formatNumber(from), to: formatNumber(to), total: formatNumber(page.total) })),
    h('button', { type: 'button', class: 'secondary', disabled: !prev, onclick: () => go(Math.max(0, page.offset - page.limit)) }, t('ppl.prev')),
    h('button', { type: 'button', class: 'secondary', disabled: !next, onclick: () => go(page.offset + page.limit) }, t('ppl.next')),
  );
}

/** A table with column headings (keys of t()) and one row per item. */
export function table(className, headings, items, row) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: className },
      h('thead', {}, h('tr', {}, headings.map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, items.map(row)),
    ),
  );
}

/** A <dl> of [label, value] pairs; empty values show a dash. */
export function details(rows, className = 'details') {
  return h(
    'dl',
    { class: className },
    rows.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value === null || value === undefined || value === '' ? t('ppl.none') : value)]),
  );
}

/** A modal confirmation (keyboard: Tab between the buttons, Escape cancels); resolves to true
 *  when confirmed. Cancel has the focus, so Enter alone never confirms a destructive step. */
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'ppl-dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, t('ppl.cancel'));
    dialog.append(
      h('h2', { id: 'confirm-title' }, title),
      h('p', { id: 'confirm-text' }, message),
      h('div', { class: 'ppl-actions' }, cancel, h('button', { type: 'button', class: 'ppl-danger', 'data-confirm': true, onclick: () => done(true) }, confirmLabel)),
    );
    dialog.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// Client names by id, kept for the page's life (lists show names, the API answers ids).
const clientCache = new Map();

export function clientName(id) {
  if (!id) return Promise.resolve(null);
  if (!clientCache.has(id)) {
    clientCache.set(
      id,
      api(`/clients/${id}`)
        .then((c) => c.name)
        .catch(() => {
          clientCache.delete(id);
          return `#${id}`;
        }),
    );
  }
  return clientCache.get(id);
}

export async function clientNames(ids) {
  const unique = [...new Set(ids.filter(Boolean))];
  const names = await Promise.all(unique.map(clientName));
  return new Map(unique.map((id, i) => [id, names[i]]));
}

const pickerLabel = (name, id) => `${name} · #${id}`;

/** A text box that suggests clients as one types (a <datalist>); `.clientId()` answers the
 *  chosen id, null when empty, or undefined when the text names no suggestion. */
export function clientPicker(listId, initialId) {
  const list = h('datalist', { id: listId });
  const input = h('input', { type: 'text', list: listId, autocomplete: 'off', maxlength: 200, spellcheck: 'false' });
  let timer = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2 || /#\d+$/.test(q)) return;
    timer = setTimeout(async () => {
      try {
        const page = await api('/clients', { query: { q, limit: 10 } });
        list.replaceChildren(...page.items.map((c) => h('option', { value: pickerLabel(c.name, c.id) })));
        for (const c of page.items) clientCache.set(c.id, Promise.resolve(c.name));
      } catch {
        // Suggestions are a help; typing still works and the API judges the id on save.
      }
    }, 250);
  });
  if (initialId) clientName(Number(initialId)).then((name) => (input.value = pickerLabel(name, initialId)));
  input.clientId = () => {
    const text = input.value.trim();
    if (!text) return null;
    const match = /#(\d+)$/.exec(text);
    return match ? Number(match[1]) : undefined;
  };
  input.stop = () => clearTimeout(timer);
  return { input, list };
}

/** 754 -> "12:34" (minutes:seconds), the way a call's length is read. */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return t('ppl.none');
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return `${m}:${s}`;
}

/** "4:30" or "4" (minutes) -> seconds; NaN when it is neither. */
export function parseDuration(text) {
  const match = /^(\d{1,4})(?::([0-5]?\d))?$/.exec(text.trim());
  if (!match) return NaN;
  return Number(match[1]) * 60 + Number(match[2] || 0);
}

/** A <input type=datetime-local> value for an instant, in the browser's zone. */
export function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Hash helpers: `#/<screen>?k=v` with empty values left out. */
export function hashWith(screen, values) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v !== null && v !== undefined) params.set(k, v);
  const qs = params.toString();
  return `#/${screen}${qs ? `?${qs}` : ''}`;
}
