// Tiny DOM helpers. Data from the API is only ever set as text (never as HTML).

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** h('button', {class: 'x', onclick: fn, 'aria-label': 'y'}, 'text', child, ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'checked' || key === 'selected') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let toastTimer = 0;

/** Take the toast away at once (a new screen: what it said belonged to the last one). */
export function dismissToast() {
  const el = document.getElementById('toast');
  clearTimeout(toastTimer);
  el?.classList.remove('visible');
  if (el) el.textContent = '';
}

/** A short message in the polite live region (screen readers announce it). */
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.dataset.kind = kind;
  el.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('visible'), 5000);
}

/** A <select> with options [{value, label}] and a visible label bound to it. */
export function field(id, label, control) {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

export function select(options, value) {
  const el = h('select');
  for (const opt of options) {
    el.append(h('option', { value: opt.value, selected: String(opt.value) === String(value) }, opt.label));
  }
  return el;
}
