// Validation errors from the API's problem+json, shown next to the field they name
// (aria-invalid, aria-describedby), with whatever names no field in the form's status line.

import { ApiError } from './api.js';
import { h } from './dom.js';
import { t, tOr } from './i18n.js';
import './workspace_i18n.js';

/** A labelled field whose control answers to the API field `name`; holds its error line. */
export function errField(id, label, control, name, hint) {
  control.id = id;
  control.dataset.field = name;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  // Once the person changes the value, the old complaint no longer applies.
  const forget = () => {
    if (control.getAttribute('aria-invalid') !== 'true') return;
    const wrap = control.closest('.field');
    clearField(control, wrap.querySelector('.field-error'), hintEl);
  };
  control.addEventListener('input', forget);
  control.addEventListener('change', forget);
  return h(
    'div',
    { class: 'field', 'data-field-wrap': name },
    h('label', { for: id }, label),
    control,
    hintEl,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

/** The API's reason in the console's words where we know the kind of error. */
function reasonText(err) {
  const n = String(err.reason || '').match(/\d+/)?.[0] ?? '';
  const known = {
    string_too_short: () => t('err.tooShort', { n }),
    string_too_long: () => t('err.tooLong', { n }),
    missing: () => t('err.missing'),
    value_error: () => (/email/i.test(err.reason || '') ? t('err.email') : null),
    enum: () => t('err.choice'),
  };
  return known[err.type]?.() || tOr(`err.reason.${err.reason}`, err.reason || t('err.invalid'));
}

function clearField(control, line, hint) {
  control.removeAttribute('aria-invalid');
  if (hint) control.setAttribute('aria-describedby', hint.id);
  else control.removeAttribute('aria-describedby');
  if (line) {
    line.textContent = '';
    line.hidden = true;
  }
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    const hint = el.id ? form.querySelector(`#${CSS.escape(el.id)}-hint`) : null;
    clearField(el, el.id ? form.querySelector(`#${CSS.escape(el.id)}-error`) : null, hint);
  }
}

/** The control for an API field name: "tags.1" and "tags[1]" belong to `tags`. */
function controlFor(form, fieldName) {
  const base = String(fieldName || '').split(/[.[]/)[0];
  return form.querySelector(`[data-field="${CSS.escape(fieldName)}"]`) || form.querySelector(`[data-field="${CSS.escape(base)}"]`);
}

/**
 * Show an API error on the form: each named field gets its message and aria-invalid; the
 * rest (and errors without fields) go to `status`. Focuses the first invalid control.
 * Returns true if at least one field was marked.
 */
export function showProblem(form, status, err) {
  clearErrors(form);
  const problem = err instanceof ApiError ? err.problem : {};
  const errors = [...(problem.errors || [])];
  if (problem.field && !errors.length) errors.push({ field: problem.field, reason: problem.detail });
  const loose = [];
  let first = null;
  for (const e of errors) {
    const control = controlFor(form, e.field);
    if (!control) {
      loose.push(`${e.field}: ${reasonText(e)}`);
      continue;
    }
    const line = form.querySelector(`#${CSS.escape(control.id)}-error`);
    const text = reasonText(e);
    line.textContent = line.textContent ? `${line.textContent} ${text}` : text;
    line.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    const described = [control.getAttribute('aria-describedby'), line.id].filter(Boolean);
    control.setAttribute('aria-describedby', [...new Set(described.join(' ').split(' '))].join(' '));
    first ??= control;
  }
  if (status) {
    status.dataset.kind = 'error';
    status.textContent = first
      ? [t('err.fixFields'), ...loose].join(' ')
      : t('error.generic', { detail: loose.join('; ') || err.message });
  }
  first?.focus();
  return Boolean(first);
}
