// The Operators screen (supervisors and admins): #/operators (search, role, availability,
// active), #/operators/new (admins), #/operators/<id> (role, skills, capacity, availability,
// open tickets; admins edit and deactivate, anyone may switch their own availability).

import { api } from './api.js';
import { clear, field, h, select } from './dom.js';
import { extend, formatNumber, t } from './i18n.js';
import { renderNew, renderProfile, yesNo } from './operator_profile.js';
import { OPEN_STATES } from './ticket_common.js';
import { ROLES, enumOptions, hashWith, isAdmin, pager, problemText, showList } from './people_common.js';

extend({
  es: {
    'nav.operators': 'Operadores',
    'operators.title': 'Operadores',
    'operators.new': 'Nuevo operador',
    'operators.create': 'Crear operador',
    'operators.created': 'Operador creado.',
    'operators.search': 'Nombre o correo exacto',
    'operators.count': '{n} operadores',
    'operators.count.one': '{n} operador',
    'operators.status': 'Estado',
    'operators.activeOnly': 'Activos',
    'operators.inactiveOnly': 'Desactivados',
    'operators.availability': 'Disponibilidad',
    'operators.available': 'Disponible',
    'operators.unavailable': 'No disponible',
    'operators.active': 'Activo',
    'operators.inactive': 'Desactivado',
    'operators.col.name': 'Nombre',
    'operators.col.role': 'Rol',
    'operators.col.skills': 'Habilidades',
    'operators.col.capacity': 'Carga / capacidad',
    'operators.loadCell': '{n} de {max}',
    'operators.full': 'al límite',
    'operators.col.available': 'Disponible',
    'operators.col.active': 'Activo',
    'operators.f.name': 'Nombre',
    'operators.f.email': 'Correo electrónico',
    'operators.f.phone': 'Teléfono',
    'operators.f.role': 'Rol',
    'operators.f.skills': 'Habilidades',
    'operators.f.skills.hint': 'Separadas por comas, p. ej. redes, hardware.',
    'operators.f.max_open_tickets': 'Capacidad (tickets abiertos máx.)',
    'operators.f.language': 'Idioma',
    'operators.f.is_available': 'Disponible para asignación',
    'operators.f.password': 'Contraseña',
    'operators.f.password.new': 'Nueva contraseña (opcional)',
    'operators.f.password.hint': 'Al menos 10 caracteres, con tres de: minúsculas, mayúsculas, dígitos y símbolos; sin el nombre del correo.',
    'operators.edit': 'Editar operador',
    'operators.profile': 'Perfil',
    'operators.load': 'Carga',
    'operators.loadOf': '{n} de {max} tickets abiertos',
    'operators.openTickets': 'Tickets abiertos asignados',
    'operators.none': 'Ningún ticket abierto.',
    'operators.noSkills': 'Sin habilidades registradas',
    'operators.since': 'Alta',
    'operators.deactivate': 'Desactivar',
    'operators.deactivate.title': '¿Desactivar a este operador?',
    'operators.deactivate.text': '{name} ya no podrá iniciar sesión y sus tickets abiertos se liberarán para reasignarse. Su historial se conserva.',
    'operators.deactivated': 'Operador desactivado.',
    'operators.reactivate': 'Reactivar',
    'operators.reactivated': 'Operador reactivado.',
    'operators.setAvailable': 'Marcarme disponible',
    'operators.setUnavailable': 'Marcarme no disponible',
    'operators.you': '(tú)',
  },
  en: {
    'nav.operators': 'Operators',
    'operators.title': 'Operators',
    'operators.new': 'New operator',
    'operators.create': 'Create operator',
    'operators.created': 'Operator created.',
    'operators.search': 'Name or exact e-mail',
    'operators.count': '{n} operators',
    'operators.count.one': '{n} operator',
    'operators.status': 'Status',
    'operators.activeOnly': 'Active',
    'operators.inactiveOnly': 'Deactivated',
    'operators.availability': 'Availability',
    'operators.available': 'Available',
    'operators.unavailable': 'Unavailable',
    'operators.active': 'Active',
    'operators.inactive': 'Deactivated',
    'operators.col.name': 'Name',
    'operators.col.role': 'Role',
    'operators.col.skills': 'Skills',
    'operators.col.capacity': 'Load / capacity',
    'operators.loadCell': '{n} of {max}',
    'operators.full': 'at capacity',
    'operators.col.available': 'Available',
    'operators.col.active': 'Active',
    'operators.f.name': 'Name',
    'operators.f.email': 'E-mail',
    'operators.f.phone': 'Phone',
    'operators.f.role': 'Role',
    'operators.f.skills': 'Skills',
    'operators.f.skills.hint': 'Comma-separated, e.g. networks, hardware.',
    'operators.f.max_open_tickets': 'Capacity (max. open tickets)',
    'operators.f.language': 'Language',
    'operators.f.is_available': 'Available for assignment',
    'operators.f.password': 'Password',
    'operators.f.password.new': 'New password (optional)',
    'operators.f.password.hint': 'At least 10 characters mixing three of: lowercase, uppercase, digits, symbols; not the e-mail user name.',
    'operators.edit': 'Edit operator',
    'operators.profile': 'Profile',
    'operators.load': 'Load',
    'operators.loadOf': '{n} of {max} open tickets',
    'operators.openTickets': 'Assigned open tickets',
    'operators.none': 'No open tickets.',
    'operators.noSkills': 'No skills recorded',
    'operators.since': 'Since',
    'operators.deactivate': 'Deactivate',
    'operators.deactivate.title': 'Deactivate this operator?',
    'operators.deactivate.text': '{name} will no longer be able to sign in and their open tickets will be released for reassignment. Their history is kept.',
    'operators.deactivated': 'Operator deactivated.',
    'operators.reactivate': 'Reactivate',
    'operators.reactivated': 'Operator reactivated.',
    'operators.setAvailable': 'Mark me available',
    'operators.setUnavailable': 'Mark me unavailable',
    'operators.you': '(you)',
  },
});

const PAGE_SIZE = 25;

export function renderOperators(root, params, id) {
  if (id === 'new') return renderNew(root);
  if (id) return renderProfile(root, Number(id), params);
  return renderList(root, params);
}

function renderList(root, params) {
  const state = {
    q: params.get('q') ?? '',
    role: params.get('role') ?? '',
    active: params.get('active') ?? 'true',
    available: params.get('available') ?? '',
  };
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const go = (changes) => (location.hash = hashWith('operators', { ...state, ...changes }));
  const search = h('input', { type: 'search', value: state.q, maxlength: 100 });
  const role = select(enumOptions(ROLES, 'ppl.role', true), state.role);
  const active = select([{ value: 'true', label: t('operators.activeOnly') }, { value: 'false', label: t('operators.inactiveOnly') }, { value: 'all', label: t('ppl.any') }], state.active);
  const available = select([{ value: '', label: t('ppl.any') }, { value: 'true', label: t('operators.available') }, { value: 'false', label: t('operators.unavailable') }], state.available);
  const filters = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (ev) => {
        ev.preventDefault();
        go({ q: search.value.trim(), role: role.value, active: active.value, available: available.value });
      },
    },
    field('operators-q', t('operators.search'), search),
    field('operators-role', t('operators.col.role'), role),
    field('operators-active', t('operators.status'), active),
    field('operators-available', t('operators.availability'), available),
    h('button', { type: 'submit' }, t('ppl.filter')),
  );
  const body = h('div', { class: 'people-body', 'aria-live': 'polite', 'aria-busy': 'true' });
  clear(root).append(
    h('div', { class: 'page-head' }, h('h1', {}, t('operators.title')), isAdmin() ? h('a', { class: 'ppl-button', href: '#/operators/new' }, t('operators.new')) : null),
    filters,
    body,
  );
  const query = {
    limit: PAGE_SIZE,
    offset,
    sort: 'name',
    q: state.q || undefined,
    role: state.role || undefined,
    is_active: state.active === 'all' ? undefined : state.active,
    is_available: state.available || undefined,
  };
  api('/operators', { query })
    .then((page) => {
      const heads = ['operators.col.name', 'operators.col.role', 'operators.col.skills', 'operators.col.capacity', 'operators.col.available', 'operators.col.active'];
      const row = (o) =>
          h(
            'tr',
            { 'data-operator': o.id },
            h('td', {}, h('a', { href: `#/operators/${o.id}` }, o.name)),
            h('td', {}, t(`ppl.role.${o.role}`)),
            h('td', {}, o.skills.length ? o.skills.map((s) => h('span', { class: 'badge ppl-skill' }, s)) : '—'),
            h('td', { 'data-load-cell': o.id }, `… / ${formatNumber(o.max_open_tickets)}`),
            h('td', {}, yesNo(o.is_available, 'ppl.yes', 'ppl.no')),
            h('td', {}, yesNo(o.is_active, 'ppl.yes', 'ppl.no')),
          );
      if (!showList(body, page, 'operators', heads, row)) return;
      body.append(pager(page, (next) => go({ offset: String(next) })));
      fillLoads(body, page.items);
    })
    .catch((err) => {
      body.setAttribute('aria-busy', 'false');
      body.append(h('p', { class: 'error', role: 'alert' }, problemText(err)));
    });
  return () => {};
}

/** Each listed operator's open tickets against their capacity (one count per row: the page is
 *  at most 25 rows, and the API counts without sending the tickets). */
function fillLoads(body, items) {
  for (const o of items) {
    api('/tickets', { query: { assignee_id: o.id, state: OPEN_STATES, limit: 1 } })
      .then((page) => {
        const cell = body.querySelector(`[data-load-cell="${o.id}"]`);
        if (!cell) return;
        const full = page.total >= o.max_open_tickets;
        cell.textContent = t('operators.loadCell', { n: formatNumber(page.total), max: formatNumber(o.max_open_tickets) });
        if (full) cell.append(' ', h('span', { class: 'badge ppl-full' }, t('operators.full')));
      })
      .catch(() => {});
  }
}
