// Client type-ahead: an ARIA 1.2 combobox over GET /api/v1/clients/?q=… (names match by
// substring; e-mail and RFC only whole). The chosen client's id is `picker.value`.

import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { rememberClient } from './ticket_common.js';
import './workspace_i18n.js';

const DEBOUNCE_MS = 250;
let seq = 0;

/** {input, element, value, set(client|null)}: `input` is the control to label (errField). */
export function clientPicker(initial = null) {
  const listId = `client-options-${++seq}`;
  let chosen = initial;
  let options = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  const input = h('input', {
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    maxlength: 100,
    value: initial?.name ?? '',
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'combo-list', hidden: true, 'aria-label': t('client.options') });
  const note = h('p', { class: 'hint combo-note', 'aria-live': 'polite' });
  const clearBtn = h(
    'button',
    { type: 'button', class: 'link', onclick: () => set(null, true) },
    t('client.clear'),
  );

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function set(client, focus = false) {
    chosen = client;
    if (client) rememberClient(client);
    input.value = client?.name ?? '';
    clearBtn.hidden = !client;
    note.textContent = client ? t('client.chosen', { name: client.name }) : '';
    close();
    if (focus) input.focus();
  }

  function highlight(index) {
    active = index;
    for (const [i, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(i === index));
    if (index >= 0) input.setAttribute('aria-activedescendant', `${listId}-${index}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function show(items) {
    options = items;
    list.replaceChildren(
      ...items.map((c, i) =>
        h(
          'li',
          {
            id: `${listId}-${i}`,
            role: 'option',
            'aria-selected': 'false',
            onmousedown: (ev) => ev.preventDefault(), // keep focus in the input
            onclick: () => set(c, true),
          },
          c.name,
          c.contact_name ? h('span', { class: 'muted' }, ` · ${c.contact_name}`) : null,
        ),
      ),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    note.textContent = items.length ? t('client.found', { n: items.length }) : t('client.none');
    if (!items.length) close();
    highlight(-1);
  }

  async function search() {
    const q = input.value.trim();
    if (!q) {
      close();
      return;
    }
    const mine = ++asked;
    try {
      const page = await api('/clients', { query: { q, limit: 8 } });
      if (mine === asked && document.activeElement === input) show(page.items);
    } catch {
      note.textContent = t('client.failed');
    }
  }

  input.addEventListener('input', () => {
    if (chosen) {
      chosen = null; // typing again drops the choice until a new one is made
      clearBtn.hidden = true;
    }
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (list.hidden) return;
      ev.preventDefault();
      const step = ev.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (ev.key === 'Enter' && !list.hidden && active >= 0) {
      ev.preventDefault();
      set(options[active]);
    } else if (ev.key === 'Escape' && !list.hidden) {
      ev.preventDefault();
      ev.stopPropagation(); // close the list, not the dialog around it
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  clearBtn.hidden = !initial;

  return {
    input,
    extra: h('div', { class: 'combo' }, list, note, clearBtn),
    get value() {
      return chosen?.id ?? null;
    },
    get typedWithoutChoice() {
      return !chosen && input.value.trim() !== '';
    },
    set,
  };
}
