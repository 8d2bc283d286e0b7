// The console's entry point: session, hash router, language toggle.

import { login, logout, me, onSessionEnd, restore } from './api.js';
import { renderDashboard } from './dashboard.js';
import { $, $$, clear, dismissToast, field, h } from './dom.js';
import { applyStatic, getLang, onLangChange, setLang, t } from './i18n.js';
import { renderInbox } from './inbox.js';
import { renderTicket } from './ticket.js';
import { renderVisits } from './visits.js';
import { renderReports } from './reports.js';
import { renderClients } from './clients.js';
import { renderCalls } from './calls.js';
import { renderOperators } from './operators.js';

const view = $('#view');

// Every screen: #/<name>[/<id>]?<query> -> render(view, params, id), which returns its cleanup.
// `roles`: who may open it (absent: every signed-in operator); the API still decides.
const ROUTES = {
  dashboard: { render: (root) => renderDashboard(root) },
  tickets: { render: (root, params, id) => (id ? renderTicket(root, Number(id)) : renderInbox(root, params)) },
  visits: { render: (root, params) => renderVisits(root, params) },
  clients: { render: (root, params, id) => renderClients(root, params, id) },
  calls: { render: (root, params, id) => renderCalls(root, params, id) },
  reports: { render: (root, params) => renderReports(root, params), roles: ['admin', 'supervisor'] },
  operators: { render: (root, params, id) => renderOperators(root, params, id), roles: ['admin', 'supervisor'] },
};
let cleanup = () => {};
let pendingMessage = '';

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(query) };
}

function renderLogin() {
  $('#topbar').hidden = true;
  const email = h('input', { type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'form-status', role: 'alert', id: 'login-error' }, pendingMessage);
  pendingMessage = '';
  const submit = h('button', { type: 'submit' }, t('login.submit'));
  const form = h(
    'form',
    {
      class: 'login card',
      'aria-labelledby': 'login-title',
      onsubmit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        message.textContent = '';
        try {
          await login(email.value.trim(), password.value);
          navigate('#/dashboard');
        } catch (err) {
          message.textContent = t('login.failed', { detail: err.message });
          password.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h1', { id: 'login-title' }, t('login.title')),
    h('p', { class: 'muted' }, t('login.intro')),
    field('login-email', t('login.email'), email),
    field('login-password', t('login.password'), password),
    submit,
    message,
    h('button', { type: 'button', class: 'link lang-toggle', 'data-lang-toggle': true, onclick: toggleLang }),
  );
  clear(view).append(h('div', { class: 'login-wrap' }, form));
  applyStatic(view);
  email.focus();
  return () => {};
}

/** Go to a hash route; hashchange renders it, or render now if the hash does not change. */
function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function markNav(name) {
  for (const link of $$('[data-route]')) {
    if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function route() {
  cleanup();
  cleanup = () => {};
  dismissToast();
  if (!me()) {
    cleanup = renderLogin();
    return;
  }
  $('#topbar').hidden = false;
  $('#whoami').textContent = `${me().name} (${t(`role.${me().role}`)})`;
  const { parts, params } = parseHash();
  const [page, id] = parts;
  const screen = page && page !== 'login' ? page : 'dashboard';
  markNav(screen);
  const entry = ROUTES[screen];
  if (entry && (!entry.roles || entry.roles.includes(me().role))) {
    cleanup = entry.render(view, params, id) || (() => {});
  } else {
    clear(view).append(h('p', {}, t('notfound')));
  }
  showNavFor(me().role);
}

/** Show each nav link only to the roles its screen admits (data-roles="admin supervisor"). */
function showNavFor(role) {
  for (const link of $$('[data-route]')) {
    const roles = ROUTES[link.dataset.route]?.roles;
    link.closest('li').hidden = Boolean(roles && !roles.includes(role));
  }
}

function toggleLang() {
  setLang(getLang() === 'es' ? 'en' : 'es');
}

async function boot() {
  applyStatic();
  for (const button of $$('[data-lang-toggle]')) button.addEventListener('click', toggleLang);
  $('#logout').addEventListener('click', async () => {
    await logout();
    navigate('#/login');
  });
  onSessionEnd(() => {
    pendingMessage = t('login.expired');
    route();
  });
  onLangChange(() => route());
  window.addEventListener('hashchange', () => {
    route();
    view.focus({ preventScroll: true });
  });
  await restore();
  route();
}

boot();
