// The API client: the token flow and every call the console makes.
//
// Where the tokens live:
// - the access token (short-lived, what every request carries) only in this module's memory;
//   nothing else on the page can read it and it vanishes with the tab;
// - the refresh token in sessionStorage, so a reload of this tab keeps the session while a
//   new tab or a closed browser does not. The API answers tokens in JSON bodies (not cookies),
//   so an httpOnly cookie would need a second, cookie-based auth path with CSRF defences; the
//   console instead relies on its strict CSP (same-origin scripts only, no inline script) to
//   keep foreign code away from sessionStorage. Refresh tokens rotate on every use and a
//   replayed one revokes its whole family on the server.

export const API = '/api/v1';
const REFRESH_KEY = 'uanl.refresh';

let accessToken = null;
let refreshing = null; // one refresh at a time: a rotated refresh token is single-use
let currentUser = null;
const sessionListeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export const me = () => currentUser;
export const token = () => accessToken;
export const onSessionEnd = (fn) => sessionListeners.add(fn);

function keep(tokens) {
  accessToken = tokens.access_token;
  sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

function forget() {
  accessToken = null;
  currentUser = null;
  sessionStorage.removeItem(REFRESH_KEY);
}

async function readProblem(resp) {
  try {
    return await resp.json();
  } catch {
    return { detail: resp.statusText };
  }
}

export async function login(email, password) {
  const body = new URLSearchParams({ username: email, password });
  const resp = await fetch(`${API}/auth/token`, { method: 'POST', body });
  if (!resp.ok) throw new ApiError(resp.status, await readProblem(resp));
  keep(await resp.json());
  currentUser = await api('/auth/me');
  return currentUser;
}

/** Exchange the stored refresh token for new tokens; false when there is none or it failed. */
export function refreshAccess() {
  if (refreshing) return refreshing;
  const stored = sessionStorage.getItem(REFRESH_KEY);
  if (!stored) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const resp = await fetch(`${API}/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: stored }),
      });
      if (!resp.ok) {
        forget();
        return false;
      }
      keep(await resp.json());
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** After a reload: a session exists if the refresh token still works. */
export async function restore() {
  if (!(await refreshAccess())) return null;
  try {
    currentUser = await api('/auth/me');
  } catch {
    forget();
  }
  return currentUser;
}

export async function logout() {
  const stored = sessionStorage.getItem(REFRESH_KEY);
  if (stored && accessToken) {
    try {
      await fetch(`${API}/auth/logout`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ refresh_token: stored }),
      });
    } catch {
      // The server revokes nothing if unreachable; the tokens are dropped here regardless.
    }
  }
  forget();
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  const qs = params.toString();
  return `${API}${path}${qs ? `?${qs}` : ''}`;
}

/** Call the API with the access token; one transparent refresh on 401. */
export async function api(path, { method = 'GET', body, query } = {}) {
  const send = () =>
    fetch(url(path, query), {
      method,
      headers: {
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  let resp = await send();
  if (resp.status === 401 && (await refreshAccess())) resp = await send();
  if (resp.status === 401) {
    forget();
    for (const fn of sessionListeners) fn();
  }
  if (!resp.ok) throw new ApiError(resp.status, await readProblem(resp));
  return resp.status === 204 ? null : resp.json();
}

/** A GET answered once for the page's life; a failure is not kept, so the next call retries. */
function once(load) {
  let pending = null;
  return () => {
    if (!pending) {
      pending = load().catch((err) => {
        pending = null;
        throw err;
      });
    }
    return pending;
  };
}

/** Every active operator (for filters and assignment). */
export const operators = once(() =>
  api('/operators', { query: { limit: 500, is_active: true } }).then((page) => page.items),
);

/** The ticket states and transitions (tickets/lifecycle.py, through GET /tickets/lifecycle). */
export const ticketLifecycle = once(() => api('/tickets/lifecycle'));
