// The Clients screen: #/clients (search, tier, pages), #/clients/new, #/clients/<id> (profile:
// contact data, tickets, calls, visits, CSAT; ?edit=1 edits it).

import { api } from './api.js';
import { clear, field, h, select, toast } from './dom.js';
import { extend, formatDateTime, t } from './i18n.js';
import {
  LANGUAGES,
  TIERS,
  clearErrors,
  confirmDialog,
  enumOptions,
  formField,
  hashWith,
  isLead,
  pager,
  problemText,
  saveRow,
  showList,
} from './people_common.js';
import { clientSections } from './client_profile.js';

extend({
  es: {
    'nav.clients': 'Clientes',
    'clients.title': 'Clientes',
    'clients.new': 'Nuevo cliente',
    'clients.create': 'Crear cliente',
    'clients.created': 'Cliente creado.',
    'clients.search': 'Nombre, contacto, correo o RFC exacto',
    'clients.tier': 'Nivel',
    'clients.count': '{n} clientes',
    'clients.count.one': '{n} cliente',
    'clients.col.name': 'Nombre',
    'clients.col.contact': 'Contacto',
    'clients.col.email': 'Correo',
    'clients.col.phone': 'Teléfono',
    'clients.col.rfc': 'RFC',
    'clients.col.tier': 'Nivel',
    'clients.f.name': 'Nombre o razón social',
    'clients.f.rfc': 'RFC',
    'clients.f.rfc.hint': 'Persona moral: 3 letras, fecha AAMMDD y homoclave (p. ej. SAT970701NN3).',
    'clients.f.contact_name': 'Persona de contacto',
    'clients.f.email': 'Correo electrónico',
    'clients.f.phone': 'Teléfono',
    'clients.f.address': 'Dirección',
    'clients.f.tier': 'Nivel de servicio',
    'clients.f.language': 'Idioma',
    'clients.f.notes': 'Notas',
    'clients.edit': 'Editar cliente',
    'clients.delete': 'Eliminar cliente',
    'clients.delete.title': '¿Eliminar este cliente?',
    'clients.delete.text': 'Se eliminará «{name}». Solo es posible si no tiene tickets, llamadas ni visitas.',
    'clients.deleted': 'Cliente eliminado.',
    'clients.delete.conflict': 'No se puede eliminar: el cliente tiene historial (tickets, llamadas o visitas) que debe conservarse.',
    'clients.contact': 'Datos de contacto',
    'clients.since': 'Cliente desde',
  },
  en: {
    'nav.clients': 'Clients',
    'clients.title': 'Clients',
    'clients.new': 'New client',
    'clients.create': 'Create client',
    'clients.created': 'Client created.',
    'clients.search': 'Name, contact, exact e-mail or RFC',
    'clients.tier': 'Tier',
    'clients.count': '{n} clients',
    'clients.count.one': '{n} client',
    'clients.col.name': 'Name',
    'clients.col.contact': 'Contact',
    'clients.col.email': 'E-mail',
    'clients.col.phone': 'Phone',
    'clients.col.rfc': 'RFC',
    'clients.col.tier': 'Tier',
    'clients.f.name': 'Name or company name',
    'clients.f.rfc': 'RFC (tax id)',
    'clients.f.rfc.hint': 'Company: 3 letters, a YYMMDD date and a homoclave (e.g. SAT970701NN3).',
    'clients.f.contact_name': 'Contact person',
    'clients.f.email': 'E-mail',
    'clients.f.phone': 'Phone',
    'clients.f.address': 'Address',
    'clients.f.tier': 'Service tier',
    'clients.f.language': 'Language',
    'clients.f.notes': 'Notes',
    'clients.edit': 'Edit client',
    'clients.delete': 'Delete client',
    'clients.delete.title': 'Delete this client?',
    'clients.delete.text': '“{name}” will be deleted. Only possible when it has no tickets, calls or visits.',
    'clients.deleted': 'Client deleted.',
    'clients.delete.conflict': 'It cannot be deleted: the client has history (tickets, calls or visits) that must be kept.',
    'clients.contact': 'Contact data',
    'clients.since': 'Client since',
  },
});

const PAGE_SIZE = 25;

export function renderClients(root, params, id) {
  if (id === 'new') return renderForm(root, null);
  if (id) return renderProfile(root, Number(id), params);
  return renderList(root, params);
}

function renderList(root, params) {
  const q = params.get('q') ?? '';
  const tier = params.get('tier') ?? '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const go = (changes) => {
    location.hash = hashWith('clients', { q, tier, ...changes });
  };
  const search = h('input', { type: 'search', value: q, maxlength: 100 });
  const tierSelect = select(enumOptions(TIERS, 'ppl.tier', true), tier);
  const filters = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (ev) => {
        ev.preventDefault();
        go({ q: search.value.trim(), tier: tierSelect.value });
      },
    },
    field('clients-q', t('clients.search'), search),
    field('clients-tier', t('clients.tier'), tierSelect),
    h('button', { type: 'submit' }, t('ppl.filter')),
  );
  const body = h('div', { class: 'people-body', 'aria-live': 'polite', 'aria-busy': 'true' });
  clear(root).append(
    h('div', { class: 'page-head' }, h('h1', {}, t('clients.title')), h('a', { class: 'ppl-button', href: '#/clients/new' }, t('clients.new'))),
    filters,
    body,
  );
  api('/clients', { query: { q: q || undefined, tier: tier || undefined, limit: PAGE_SIZE, offset, sort: 'name' } })
    .then((page) => {
      const heads = ['clients.col.name', 'clients.col.contact', 'clients.col.email', 'clients.col.phone', 'clients.col.rfc', 'clients.col.tier'];
      const row = (c) =>
          h(
            'tr',
            { 'data-client': c.id },
            h('td', {}, h('a', { href: `#/clients/${c.id}` }, c.name)),
            h('td', {}, c.contact_name ?? '—'),
            h('td', {}, c.email ?? '—'),
            h('td', {}, c.phone ?? '—'),
            h('td', {}, c.rfc ?? '—'),
            h('td', {}, h('span', { class: `badge tier-${c.tier}` }, t(`ppl.tier.${c.tier}`))),
          );
      if (!showList(body, page, 'clients', heads, row)) return;
      body.append(pager(page, (next) => go({ offset: String(next) })));
    })
    .catch((err) => {
      body.setAttribute('aria-busy', 'false');
      body.append(h('p', { class: 'error', role: 'alert' }, problemText(err)));
    });
  return () => {};
}

/** The create/edit form; `client` null creates. Empty optional fields are sent as null. */
function clientForm(client, onSaved, onCancel) {
  const v = client || {};
  const text = (name, attrs = {}) => h('input', { type: 'text', value: v[name] ?? '', ...attrs });
  const controls = {
    name: text('name', { maxlength: 200, autocomplete: 'organization' }),
    rfc: text('rfc', { maxlength: 20, autocapitalize: 'characters', spellcheck: 'false' }),
    contact_name: text('contact_name', { maxlength: 120, autocomplete: 'name' }),
    email: h('input', { type: 'email', value: v.email ?? '', maxlength: 254, autocomplete: 'email' }),
    phone: h('input', { type: 'tel', value: v.phone ?? '', maxlength: 32, autocomplete: 'tel' }),
    tier: select(enumOptions(TIERS, 'ppl.tier'), v.tier ?? 'standard'),
    language: select(enumOptions(LANGUAGES, 'ppl.lang'), v.language ?? 'es'),
    address: h('textarea', { rows: 2, maxlength: 2000 }, v.address ?? ''),
    notes: h('textarea', { rows: 3, maxlength: 2000 }, v.notes ?? ''),
  };
  const status = h('p', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit' }, client ? t('ppl.save') : t('clients.create'));
  const f = (name, hint) => formField('cf', name, t(`clients.f.${name}`), controls[name], hint);
  const form = h(
    'form',
    {
      class: 'card people-form',
      novalidate: true,
      'aria-labelledby': 'client-form-title',
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        status.textContent = '';
        const body = {};
        for (const [name, el] of Object.entries(controls)) {
          const value = el.value.trim();
          body[name] = value === '' && name !== 'name' ? null : value;
        }
        await saveRow(form, status, submit, '/clients', client, body, onSaved);
      },
    },
    h('h2', { id: 'client-form-title' }, client ? t('clients.edit') : t('clients.new')),
    h(
      'div',
      { class: 'ppl-grid' },
      f('name'),
      f('rfc', t('clients.f.rfc.hint')),
      f('contact_name'),
      f('email'),
      f('phone'),
      f('tier'),
      f('language'),
    ),
    f('address'),
    f('notes'),
    status,
    h('div', { class: 'ppl-actions' }, submit, onCancel ? h('button', { type: 'button', class: 'secondary', onclick: onCancel }, t('ppl.cancel')) : null),
  );
  return { form, focus: () => controls.name.focus() };
}

function renderForm(root) {
  const { form, focus } = clientForm(
    null,
    (saved) => {
      toast(t('clients.created'));
      location.hash = `#/clients/${saved.id}`;
    },
    () => (location.hash = '#/clients'),
  );
  clear(root).append(h('p', {}, h('a', { href: '#/clients' }, `← ${t('ppl.back')}`)), h('h1', {}, t('clients.new')), form);
  form.querySelector('h2').hidden = true;
  focus();
  return () => {};
}

function renderProfile(root, id, params) {
  const editing = params.get('edit') === '1';
  const status = h('p', { class: 'form-status', role: 'alert' });
  const back = h('p', {}, h('a', { href: '#/clients' }, `← ${t('ppl.back')}`));
  clear(root).append(back, h('p', { 'aria-busy': 'true' }, t('ppl.loading')));
  let stopSections = () => {};

  api(`/clients/${id}`)
    .then((client) => {
      const head = h(
        'div',
        { class: 'page-head' },
        h('h1', { id: 'client-name' }, client.name),
        h(
          'div',
          { class: 'ppl-actions' },
          editing ? null : h('a', { class: 'ppl-button', href: `#/clients/${id}?edit=1` }, t('ppl.edit')),
          isLead() ? h('button', { type: 'button', class: 'ppl-danger', 'data-action': 'delete', onclick: () => remove(client, status) }, t('clients.delete')) : null,
        ),
      );
      const badges = h('div', { class: 'badges ppl-badges' }, h('span', { class: `badge tier-${client.tier}` }, t(`ppl.tier.${client.tier}`)));
      let top;
      if (editing) {
        top = clientForm(
          client,
          () => {
            toast(t('ppl.saved'));
            location.hash = `#/clients/${id}`;
          },
          () => (location.hash = `#/clients/${id}`),
        );
      }
      const sections = clientSections(client);
      stopSections = sections.stop;
      clear(root).append(back, head, badges, status, editing ? top.form : contactCard(client), sections.element);
      if (editing) top.focus();
    })
    .catch((err) => {
      clear(root).append(back, h('p', { class: 'error', role: 'alert' }, problemText(err)));
    });
  return () => stopSections();
}

function contactCard(client) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value || '—')];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'client-contact-title' },
    h('h2', { id: 'client-contact-title' }, t('clients.contact')),
    h(
      'dl',
      { class: 'details people-details' },
      row(t('clients.f.contact_name'), client.contact_name),
      row(t('clients.f.email'), client.email),
      row(t('clients.f.phone'), client.phone),
      row(t('clients.f.rfc'), client.rfc),
      row(t('clients.f.address'), client.address),
      row(t('clients.f.language'), t(`ppl.lang.${client.language}`)),
      row(t('clients.since'), formatDateTime(client.created_at)),
      row(t('clients.f.notes'), client.notes),
    ),
  );
}

async function remove(client, status) {
  const ok = await confirmDialog(t('clients.delete.title'), t('clients.delete.text', { name: client.name }), t('clients.delete'));
  if (!ok) return;
  try {
    await api(`/clients/${client.id}`, { method: 'DELETE' });
    toast(t('clients.deleted'));
    location.hash = '#/clients';
  } catch (err) {
    status.textContent = err.status === 409 ? t('clients.delete.conflict') : problemText(err);
    status.dataset.kind = 'error';
  }
}
