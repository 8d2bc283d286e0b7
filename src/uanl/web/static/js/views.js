// Saved views: the operator names the inbox's current filters and reuses them; stored on the
// server per operator (GET/POST/DELETE /api/v1/views/).

import { api } from './api.js';
import { h, toast } from './dom.js';
import { t } from './i18n.js';
import { clearErrors, errField, showProblem } from './field_errors.js';
import './workspace_i18n.js';

/** Inbox filters (the hash's strings) -> the API's view filters. */
export function toViewFilters(f) {
  return {
    view: f.view,
    state: f.state ? [f.state] : [],
    priority: f.priority ? [f.priority] : [],
    q: f.q || null,
    sort: f.sort || null,
  };
}

/** The API's view filters -> inbox filters (the hash's strings). */
export function fromViewFilters(v) {
  return {
    view: v.view ?? '',
    state: v.state?.[0] ?? '',
    priority: v.priority?.[0] ?? '',
    q: v.q ?? '',
    sort: v.sort ?? '',
  };
}

const same = (a, b) => JSON.stringify(toViewFilters(a)) === JSON.stringify(toViewFilters(b));

/** The saved-views bar: each view applies with one click; the form saves the current filters. */
export function savedViewsBar(current, apply) {
  const list = h('ul', { class: 'saved-views', 'aria-live': 'polite' });
  const name = h('input', { type: 'text', maxlength: 80, autocomplete: 'off' });
  const status = h('p', { class: 'form-status', role: 'alert' });

  async function load() {
    let views = [];
    try {
      views = await api('/views');
    } catch (err) {
      status.textContent = t('error.generic', { detail: err.message });
    }
    list.replaceChildren(
      ...(views.length
        ? views.map((v) => {
            const filters = fromViewFilters(v.filters);
            return h(
              'li',
              { 'data-saved-view': v.name },
              h(
                'button',
                { type: 'button', class: 'secondary', 'aria-pressed': String(same(filters, current)), onclick: () => apply(filters) },
                v.name,
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'link delete-view',
                  'aria-label': t('views.delete', { name: v.name }),
                  onclick: async () => {
                    try {
                      await api(`/views/${v.id}`, { method: 'DELETE' });
                      toast(t('views.deleted', { name: v.name }));
                    } catch (err) {
                      toast(t('error.generic', { detail: err.message }), 'error');
                    }
                    load();
                  },
                },
                '×',
              ),
            );
          })
        : [h('li', { class: 'muted' }, t('views.none'))]),
    );
  }

  const form = h(
    'form',
    {
      class: 'save-view',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        status.textContent = '';
        try {
          const saved = await api('/views', { method: 'POST', body: { name: name.value, filters: toViewFilters(current) } });
          name.value = '';
          toast(t('views.saved', { name: saved.name }));
          load();
        } catch (err) {
          showProblem(form, status, err);
        }
      },
    },
    errField('view-name', t('views.name'), name, 'name'),
    h('button', { type: 'submit' }, t('views.save')),
    status,
  );

  load();
  return h(
    'section',
    { class: 'views-bar', 'aria-labelledby': 'views-heading' },
    h('h2', { id: 'views-heading', class: 'section-title' }, t('views.title')),
    list,
    form,
  );
}
