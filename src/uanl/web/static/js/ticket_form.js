// Creating a ticket (a dialog from the inbox) and editing one (on the ticket page). The API
// judges; its problem+json errors are shown next to the fields they name.

import { ApiError, api } from './api.js';
import { h, select, toast } from './dom.js';
import { t } from './i18n.js';
import { clientPicker } from './client_picker.js';
import { clearErrors, errField, showProblem } from './field_errors.js';
import { PRIORITIES } from './ticket_common.js';
import './workspace_i18n.js';

const CATEGORIES = ['hardware', 'software', 'redes', 'accesos', 'impresion', 'facturacion', 'otros'];

const parseTags = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function categoryInput(value) {
  const list = h('datalist', { id: 'ticket-categories' }, CATEGORIES.map((c) => h('option', { value: c })));
  return [h('input', { type: 'text', maxlength: 60, list: 'ticket-categories', value: value ?? '' }), list];
}

/** The fields both forms share, ids prefixed by `prefix`; returns {nodes, read()}. */
function ticketFields(prefix, ticket, clientName) {
  const title = h('input', { type: 'text', maxlength: 200, value: ticket?.title ?? '', autocomplete: 'off' });
  const priority = select(PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) })), ticket?.priority ?? 'medium');
  const [category, categories] = categoryInput(ticket?.category);
  const picker = clientPicker(ticket?.client_id ? { id: ticket.client_id, name: clientName ?? `#${ticket.client_id}` } : null);
  const reqName = h('input', { type: 'text', maxlength: 120, value: ticket?.requester_name ?? '', autocomplete: 'off' });
  const reqEmail = h('input', { type: 'email', maxlength: 254, value: ticket?.requester_email ?? '', autocomplete: 'off' });
  const tags = h('input', { type: 'text', maxlength: 400, value: (ticket?.tags ?? []).join(', '), autocomplete: 'off' });

  const clientWrap = errField(`${prefix}-client`, t('form.client'), picker.input, 'client_id', t('form.clientHint'));
  clientWrap.insertBefore(picker.extra, clientWrap.querySelector('.field-error'));

  const nodes = [
    errField(`${prefix}-title`, t('form.title'), title, 'title'),
    h(
      'div',
      { class: 'form-row' },
      errField(`${prefix}-priority`, t('form.priority'), priority, 'priority'),
      errField(`${prefix}-category`, t('form.category'), category, 'category'),
    ),
    categories,
    clientWrap,
    h(
      'div',
      { class: 'form-row' },
      errField(`${prefix}-requester-name`, t('form.requesterName'), reqName, 'requester_name'),
      errField(`${prefix}-requester-email`, t('form.requesterEmail'), reqEmail, 'requester_email'),
    ),
    errField(`${prefix}-tags`, t('form.tags'), tags, 'tags', t('form.tagsHint')),
  ];
  const read = () => ({
    title: title.value.trim(),
    priority: priority.value,
    category: category.value.trim() || null,
    client_id: picker.value,
    requester_name: reqName.value.trim() || null,
    requester_email: reqEmail.value.trim() || null,
    tags: parseTags(tags.value),
  });
  return { nodes, read, picker, title };
}

/** A client typed but not picked from the list is an error of the form itself. */
function pickerProblem() {
  return new ApiError(422, { errors: [{ field: 'client_id', reason: t('form.pickClient'), type: 'local' }] });
}

/** The "New ticket" dialog; onCreated(ticket) after a 201. Returns {open(), element}. */
export function newTicketDialog(onCreated) {
  const status = h('p', { class: 'form-status', role: 'alert' });
  const fields = ticketFields('new-ticket', null);
  const description = h('textarea', { rows: 5, maxlength: 20000 });
  const submit = h('button', { type: 'submit' }, t('form.create'));
  const dialog = h('dialog', { class: 'ticket-dialog', 'aria-labelledby': 'new-ticket-heading' });
  const form = h(
    'form',
    {
      novalidate: true, // the API's answer is the one shown, next to each field
      onsubmit: async (ev) => {
        ev.preventDefault();
        status.textContent = '';
        if (fields.picker.typedWithoutChoice) return showProblem(form, status, pickerProblem());
        const body = Object.fromEntries(Object.entries(fields.read()).filter(([, v]) => v !== null));
        if (!body.tags.length) delete body.tags;
        body.description = description.value;
        submit.disabled = true;
        try {
          const ticket = await api('/tickets', { method: 'POST', body: { ...body, source: 'web' } });
          dialog.close();
          toast(t('form.created', { id: ticket.id }));
          onCreated(ticket);
        } catch (err) {
          showProblem(form, status, err);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', { id: 'new-ticket-heading' }, t('form.newTitle')),
    ...fields.nodes,
    errField('new-ticket-description', t('form.description'), description, 'description'),
    status,
    h(
      'div',
      { class: 'form-actions' },
      submit,
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, t('form.cancel')),
    ),
  );
  dialog.append(form);
  return {
    element: dialog,
    open() {
      clearErrors(form);
      status.textContent = '';
      dialog.showModal();
      fields.title.focus();
    },
  };
}

/** The ticket page's edit form: PATCHes only what changed, with the version it loaded. */
export function editTicketForm(ticket, clientName, reload) {
  const status = h('p', { class: 'form-status', role: 'alert' });
  const fields = ticketFields('edit', ticket, clientName);
  const before = fields.read();
  const submit = h('button', { type: 'submit' }, t('form.update'));
  const form = h(
    'form',
    {
      class: 'edit-form',
      novalidate: true,
      'aria-labelledby': 'edit-form-title',
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        status.replaceChildren();
        if (fields.picker.typedWithoutChoice) return showProblem(form, status, pickerProblem());
        const now = fields.read();
        const changes = Object.fromEntries(
          Object.entries(now).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])),
        );
        if (!Object.keys(changes).length) {
          status.dataset.kind = 'info';
          status.textContent = t('form.nothingChanged');
          return;
        }
        submit.disabled = true;
        try {
          await api(`/tickets/${ticket.id}`, { method: 'PATCH', body: { ...changes, version: ticket.version } });
          await reload();
          toast(t('ticket.saved'));
        } catch (err) {
          if (err instanceof ApiError && err.status === 409 && err.problem.current_version) {
            status.dataset.kind = 'error';
            status.replaceChildren(
              t('form.conflict'),
              ' ',
              h('button', { type: 'button', class: 'secondary', onclick: () => reload() }, t('form.reload')),
            );
          } else {
            showProblem(form, status, err);
          }
        } finally {
          submit.disabled = false;
        }
      },
    },
    ...fields.nodes,
    status,
    submit,
  );
  return h(
    'details',
    { class: 'card edit-card' },
    h('summary', { id: 'edit-form-title' }, t('form.editTitle')),
    form,
  );
}
