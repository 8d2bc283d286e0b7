// An operator's page (#/operators/<id>): role, skills, capacity, availability and open tickets;
// admins edit it (?edit=1), deactivate after confirming or reactivate; anyone switches their own
// availability. Also the admins' create form (#/operators/new). Strings: operators.js.

import { api, me } from './api.js';
import { clear, h, select, toast } from './dom.js';
import { formatDateTime, formatNumber, t } from './i18n.js';
import {
  LANGUAGES,
  ROLES,
  checkField,
  clearErrors,
  confirmDialog,
  details,
  enumOptions,
  formField,
  isAdmin,
  pager,
  problemText,
  saveRow,
  table,
} from './people_common.js';
import { OPEN_STATES, priorityBadge, stateBadge } from './ticket_common.js';

const TICKETS_SIZE = 10;

/** A yes/no badge. */
export const yesNo = (value, yes, no) => h('span', { class: `badge ppl-${value ? 'yes' : 'no'}` }, value ? t(yes) : t(no));

const skillsOf = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The admin's create/edit form; `op` null creates (the password is then required). */
function operatorForm(op, onSaved, onCancel) {
  const v = op || {};
  const controls = {
    name: h('input', { type: 'text', value: v.name ?? '', maxlength: 120, autocomplete: 'off' }),
    email: h('input', { type: 'email', value: v.email ?? '', maxlength: 254, autocomplete: 'off' }),
    phone: h('input', { type: 'tel', value: v.phone ?? '', maxlength: 32, autocomplete: 'off' }),
    role: select(enumOptions(ROLES, 'ppl.role'), v.role ?? 'operator'),
    skills: h('input', { type: 'text', value: (v.skills ?? []).join(', '), maxlength: 1000, autocomplete: 'off' }),
    max_open_tickets: h('input', { type: 'number', min: 0, max: 500, step: 1, value: v.max_open_tickets ?? 10 }),
    language: select(enumOptions(LANGUAGES, 'ppl.lang'), v.language ?? 'es'),
    password: h('input', { type: 'password', value: '', maxlength: 128, autocomplete: 'new-password' }),
  };
  const availability = checkField('opf', 'is_available', t('operators.f.is_available'), v.is_available ?? true);
  const status = h('p', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit' }, op ? t('ppl.save') : t('operators.create'));
  const f = (name, label, hint) => formField('opf', name, label ?? t(`operators.f.${name}`), controls[name], hint);
  const form = h(
    'form',
    {
      class: 'card people-form',
      novalidate: true,
      'aria-label': op ? t('operators.edit') : t('operators.new'),
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        status.textContent = '';
        const capacity = controls.max_open_tickets.value.trim();
        const body = {
          name: controls.name.value.trim(),
          email: controls.email.value.trim(),
          phone: controls.phone.value.trim() || null,
          role: controls.role.value,
          skills: skillsOf(controls.skills.value),
          max_open_tickets: capacity === '' ? null : Number(capacity),
          language: controls.language.value,
          is_available: availability.querySelector('input').checked,
        };
        const password = controls.password.value;
        if (password || !op) body.password = password;
        await saveRow(form, status, submit, '/operators', op, body, onSaved);
      },
    },
    h(
      'div',
      { class: 'ppl-grid' },
      f('name'),
      f('email'),
      f('phone'),
      f('role'),
      f('skills', null, t('operators.f.skills.hint')),
      f('max_open_tickets'),
      f('language'),
      f('password', op ? t('operators.f.password.new') : null, t('operators.f.password.hint')),
    ),
    availability,
    status,
    h('div', { class: 'ppl-actions' }, submit, h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('ppl.cancel'))),
  );
  return { form, focus: () => controls.name.focus() };
}

export function renderNew(root) {
  const back = h('p', {}, h('a', { href: '#/operators' }, `← ${t('ppl.back')}`));
  if (!isAdmin()) {
    clear(root).append(back, h('p', { class: 'error', role: 'alert' }, t('ppl.forbidden')));
    return () => {};
  }
  const built = operatorForm(
    null,
    (saved) => {
      toast(t('operators.created'));
      location.hash = `#/operators/${saved.id}`;
    },
    () => (location.hash = '#/operators'),
  );
  clear(root).append(back, h('h1', {}, t('operators.new')), built.form);
  built.focus();
  return () => {};
}

export function renderProfile(root, id, params) {
  const editing = params.get('edit') === '1' && isAdmin();
  const back = h('p', {}, h('a', { href: '#/operators' }, `← ${t('ppl.back')}`));
  const status = h('p', { class: 'form-status', role: 'alert' });
  clear(root).append(back, h('p', { 'aria-busy': 'true' }, t('ppl.loading')));
  let live = true;
  const ticketsQuery = (offset) => ({ assignee_id: id, state: OPEN_STATES, limit: TICKETS_SIZE, offset, sort: '-priority,created_at' });
  const fail = (err) => live && clear(root).append(back, h('p', { class: 'error', role: 'alert' }, problemText(err)));
  const draw = () =>
    Promise.all([api(`/operators/${id}`), api('/tickets', { query: ticketsQuery(0) })]).then(([op, open]) => {
      if (!live) return;
      const self = op.id === me().id;
      const actions = h('div', { class: 'ppl-actions' });
      if (isAdmin() && !editing) actions.append(h('a', { class: 'ppl-button', href: `#/operators/${id}?edit=1` }, t('ppl.edit')));
      if (isAdmin() && !self && op.is_active) actions.append(h('button', { type: 'button', class: 'ppl-danger', 'data-action': 'deactivate', onclick: () => deactivate(op, status, draw) }, t('operators.deactivate')));
      if (isAdmin() && !op.is_active) actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'reactivate', onclick: () => patch(op, { is_active: true }, status, 'operators.reactivated', draw) }, t('operators.reactivate')));
      if (self && !isAdmin()) {
        // Everyone may switch their own availability (the API's self-editable fields).
        const next = !op.is_available;
        actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'availability', onclick: () => patch(op, { is_available: next }, status, 'ppl.saved', draw) }, t(next ? 'operators.setAvailable' : 'operators.setUnavailable')));
      }
      const head = h('div', { class: 'page-head' }, h('h1', { id: 'operator-name' }, op.name, self ? ` ${t('operators.you')}` : ''), actions);
      const badges = h(
        'div',
        { class: 'badges ppl-badges' },
        h('span', { class: `badge role-${op.role}`, 'data-role': op.role }, t(`ppl.role.${op.role}`)),
        yesNo(op.is_available, 'operators.available', 'operators.unavailable'),
        yesNo(op.is_active, 'operators.active', 'operators.inactive'),
      );
      let main;
      if (editing) {
        const built = operatorForm(op, () => {
          toast(t('ppl.saved'));
          location.hash = `#/operators/${id}`;
        }, () => (location.hash = `#/operators/${id}`));
        main = built.form;
        queueMicrotask(built.focus);
      } else {
        main = h(
          'section',
          { class: 'card', 'aria-labelledby': 'operator-profile-title' },
          h('h2', { id: 'operator-profile-title' }, t('operators.profile')),
          details(
            [
              [t('operators.f.role'), t(`ppl.role.${op.role}`)],
              [t('operators.f.email'), op.email],
              [t('operators.f.phone'), op.phone],
              [t('operators.f.skills'), op.skills.length ? op.skills.map((s) => h('span', { class: 'badge ppl-skill' }, s)) : t('operators.noSkills')],
              [t('operators.f.max_open_tickets'), formatNumber(op.max_open_tickets)],
              [t('operators.availability'), op.is_available ? t('operators.available') : t('operators.unavailable')],
              [t('operators.f.language'), t(`ppl.lang.${op.language}`)],
              [t('operators.since'), formatDateTime(op.created_at)],
            ],
            'details people-details',
          ),
        );
      }
      const load = h(
        'div',
        { class: 'ppl-load' },
        h('span', { id: 'operator-load-label' }, t('operators.load')),
        h('meter', { min: 0, max: Math.max(op.max_open_tickets, open.total, 1), high: Math.max(op.max_open_tickets * 0.8, 0.5), optimum: 0, value: open.total, 'aria-labelledby': 'operator-load-label operator-load-text' }),
        h('span', { id: 'operator-load-text', 'data-load': open.total }, t('operators.loadOf', { n: formatNumber(open.total), max: formatNumber(op.max_open_tickets) })),
      );
      const ticketsBody = h('div', { class: 'ppl-section-body', 'aria-live': 'polite' });
      const showTickets = (page) => {
        if (!page.items.length) return ticketsBody.replaceChildren(h('p', { class: 'empty' }, t('operators.none')));
        ticketsBody.replaceChildren(
          table('people operator-tickets', ['ppl.col.id', 'ppl.col.title', 'ppl.col.state', 'ppl.col.priority', 'ppl.col.created'], page.items, (tk) =>
            h('tr', { 'data-ticket': tk.id }, h('td', {}, `#${tk.id}`), h('td', {}, h('a', { href: `#/tickets/${tk.id}` }, tk.title)), h('td', {}, stateBadge(tk.state)), h('td', {}, priorityBadge(tk.priority)), h('td', {}, formatDateTime(tk.created_at))),
          ),
        );
        if (page.total > page.limit) {
          ticketsBody.append(
            pager(page, (offset) =>
              api('/tickets', { query: ticketsQuery(offset) })
                .then((next) => live && showTickets(next))
                .catch((err) => ticketsBody.replaceChildren(h('p', { class: 'error' }, problemText(err)))),
            ),
          );
        }
      };
      showTickets(open);
      const tickets = h('section', { class: 'card', 'aria-labelledby': 'operator-tickets-title' }, h('h2', { id: 'operator-tickets-title' }, t('operators.openTickets')), load, ticketsBody);
      clear(root).append(back, head, badges, status, h('div', { class: 'operator-grid' }, main, tickets));
    }).catch(fail);
  draw();
  return () => (live = false);
}

async function patch(op, body, status, doneKey, redraw) {
  try {
    await api(`/operators/${op.id}`, { method: 'PATCH', body });
    toast(t(doneKey));
    redraw();
  } catch (err) {
    status.textContent = problemText(err);
    status.dataset.kind = 'error';
  }
}

async function deactivate(op, status, redraw) {
  const ok = await confirmDialog(t('operators.deactivate.title'), t('operators.deactivate.text', { name: op.name }), t('operators.deactivate'));
  if (!ok) return;
  try {
    await api(`/operators/${op.id}`, { method: 'DELETE' });
    toast(t('operators.deactivated'));
    redraw();
  } catch (err) {
    status.textContent = problemText(err);
    status.dataset.kind = 'error';
  }
}
