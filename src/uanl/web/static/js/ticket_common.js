// What the ticket screens share: states, priorities, badges, who leads, SLA urgency, clients.

import { api, me } from './api.js';
import { h } from './dom.js';
import { formatDateTime, locale, t } from './i18n.js';
import './workspace_i18n.js';

export const STATES = ['new', 'open', 'in_progress', 'waiting', 'resolved', 'closed', 'cancelled'];
export const OPEN_STATES = ['new', 'open', 'in_progress', 'waiting'];
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'];

export const stateBadge = (state) =>
  h('span', { class: `badge state-${state}`, 'data-state': state }, t(`state.${state}`));
export const priorityBadge = (p) => h('span', { class: `badge priority-${p}` }, t(`priority.${p}`));

export const isLead = () => ['admin', 'supervisor'].includes(me()?.role);

/** May the signed-in operator change this ticket? (The API enforces it; the console follows.) */
export const canWork = (ticket) => isLead() || ticket.assignee_id === null || ticket.assignee_id === me()?.id;

const MINUTE_MS = 60_000;
const AT_RISK_MS = 60 * MINUTE_MS; // under an hour left reads as at risk even if the sweep has not said so yet

/** "in 45 min" / "2 h ago", short, in the console's language. */
export function relativeTime(ms) {
  const fmt = new Intl.RelativeTimeFormat(locale(), { style: 'short', numeric: 'always' });
  const minutes = Math.round(ms / MINUTE_MS);
  if (Math.abs(minutes) < 60) return fmt.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return fmt.format(hours, 'hour');
  return fmt.format(Math.round(hours / 24), 'day');
}

/** The nearest pending SLA deadline: the first response while nobody has answered, else the resolution. */
function pendingDeadline(tk) {
  const due = [];
  if (!tk.first_responded_at && tk.first_response_due_at) due.push(['response', tk.first_response_due_at]);
  if (tk.resolution_due_at) due.push(['resolution', tk.resolution_due_at]);
  due.sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]));
  return due[0] ?? null;
}

/** SLA urgency from the ticket's own SLA fields: {level, text, due, kind}. Levels: breached,
 *  at_risk, on_track, paused, met, none. */
export function slaInfo(tk, now = Date.now()) {
  if (!OPEN_STATES.includes(tk.state)) {
    if (tk.sla_status === 'breached') return { level: 'breached', text: t('sla.breachedDone') };
    if (tk.sla_status === 'met') return { level: 'met', text: t('sla.met') };
    return { level: 'none', text: t('sla.none') };
  }
  if (tk.sla_status === 'paused') return { level: 'paused', text: t('sla.paused') };
  const pending = pendingDeadline(tk);
  if (!pending) return { level: 'none', text: t('sla.none') };
  const [kind, due] = pending;
  const left = Date.parse(due) - now;
  const when = relativeTime(left);
  const vars = { when, what: t(`sla.kind.${kind}`) };
  if (left < 0 || tk.sla_status === 'breached') return { level: 'breached', text: t('sla.breached', vars), due, kind };
  if (tk.sla_status === 'at_risk' || left < AT_RISK_MS) return { level: 'at_risk', text: t('sla.atRisk', vars), due, kind };
  return { level: 'on_track', text: t('sla.onTrack', vars), due, kind };
}

/** A coloured SLA chip whose words say the same as its colour. */
export function slaBadge(tk, now = Date.now()) {
  const info = slaInfo(tk, now);
  return h(
    'span',
    {
      class: `sla sla-${info.level}`,
      'data-sla': info.level,
      title: info.due ? `${t(`sla.kind.${info.kind}`)}: ${formatDateTime(info.due)}` : null,
    },
    info.text,
  );
}

const clientNames = new Map();

/** Client names for these ids (fetched once each per page load). */
export async function clientsById(ids) {
  const missing = [...new Set(ids.filter((id) => id && !clientNames.has(id)))];
  await Promise.all(
    missing.map((id) =>
      api(`/clients/${id}`)
        .then((c) => clientNames.set(id, c.name))
        .catch(() => clientNames.set(id, `#${id}`)),
    ),
  );
  return clientNames;
}

export const rememberClient = (client) => clientNames.set(client.id, client.name);
