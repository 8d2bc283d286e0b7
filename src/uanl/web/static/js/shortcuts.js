// Single-key shortcuts for the ticket screens, ignored while typing in a field, with a
// modifier held, or while a dialog is open; "?" lists them in a dialog.

import { h } from './dom.js';
import { t } from './i18n.js';
import './workspace_i18n.js';

const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const NOT_TYPING_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset']);

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (!TYPING.has(target.tagName)) return false;
  return !(target.tagName === 'INPUT' && NOT_TYPING_INPUTS.has(target.type));
}

/** The "?" dialog listing [key, description] pairs. */
function helpDialog(keys) {
  const dialog = h(
    'dialog',
    { class: 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-heading' },
    h('h2', { id: 'shortcuts-heading' }, t('keys.title')),
    h('dl', { class: 'shortcut-list' }, keys.flatMap(([key, text]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, text)])),
    h('form', { method: 'dialog' }, h('button', { type: 'submit' }, t('keys.close'))),
  );
  document.body.append(dialog);
  return dialog;
}

/**
 * bindShortcuts({ j: fn, k: fn, ... }, [[label, description], ...]) -> cleanup.
 * A handler returning false lets the key through (e.g. Enter on a link).
 */
export function bindShortcuts(handlers, help) {
  const dialog = helpDialog(help);
  const onKey = (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    if (document.querySelector('dialog[open]')) return;
    if (isTyping(ev.target)) return;
    if (ev.key === '?') {
      ev.preventDefault();
      dialog.showModal();
      return;
    }
    const fn = handlers[ev.key];
    if (fn && fn(ev) !== false) ev.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => {
    document.removeEventListener('keydown', onKey);
    if (dialog.open) dialog.close();
    dialog.remove();
  };
}

/** A small button that opens the same list (for people who do not know about "?"). */
export function shortcutsButton() {
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary shortcuts-button',
      'aria-keyshortcuts': '?',
      onclick: () => document.querySelector('.shortcuts-dialog')?.showModal(),
    },
    t('keys.button'),
  );
}
