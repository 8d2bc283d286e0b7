// The API's refusals of a visit change, in words (visits/service.py and scheduling.py say
// them in English problem+json; the console names what happened and what to do).

import { formatNumber, locale, t } from './i18n.js';

const first = (problem) => (problem.errors && problem.errors[0]) || {};

function when(iso, zone) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso));
}

const stateList = (states) => states.map((s) => t(`visitState.${s}`)).join(', ');

/** What the 422 on `scheduled_start` means: past, holiday, closed day or outside hours. */
function slotProblem(reason) {
  const holiday = /is a holiday \((.*)\) in /.exec(reason);
  if (holiday) return t('visits.err.holiday', { name: holiday[1] });
  if (/desk is closed/.test(reason)) return t('visits.err.closed');
  const hours = /outside working hours on \S+ \(([^)]*)\)/.exec(reason);
  if (hours) return t('visits.err.hours', { hours: hours[1].replace(/,/g, ', ').replace(/ {2}/g, ' ') });
  if (/in the past/.test(reason)) return t('visits.err.past');
  return null;
}

/**
 * {text, field, force}: the words for an ApiError, the form field it is about (or null) and
 * whether booking anyway ("force") would get past it.
 */
export function describe(err, { zone } = {}) {
  const problem = err.problem || {};
  const type = String(problem.type || '');
  const { field = null, reason = '' } = first(problem);
  if (err.status === 409 && problem.conflicting_visit) {
    const other = problem.conflicting_visit;
    return {
      field: 'operator_id',
      force: false,
      text: t('visits.err.busy', {
        id: other.id,
        from: when(other.scheduled_start, zone),
        to: when(other.scheduled_end, zone),
        buffer: formatNumber(problem.travel_buffer_minutes ?? 0),
      }),
    };
  }
  if (err.status === 409 && type.endsWith('invalid-transition')) {
    const allowed = problem.allowed || [];
    const text = allowed.length ? t('visits.err.transition', { allowed: stateList(allowed) }) : t('visits.err.final');
    return { field: null, force: false, text };
  }
  if (err.status === 409 && ('current_version' in problem || /changed/.test(problem.detail || ''))) {
    return { field: null, force: false, text: t('visits.err.stale') };
  }
  if (err.status === 409 && /^No active, available/.test(problem.detail || '')) {
    return { field: 'operator_id', force: false, text: t('visits.err.noTechnicians') };
  }
  if (err.status === 409 && /^All \d+ available/.test(problem.detail || '')) {
    return { field: 'operator_id', force: false, text: t('visits.err.allBusy') };
  }
  if (err.status === 422 && field) {
    if (field === 'scheduled_start') {
      const slot = slotProblem(reason);
      if (slot) return { field, force: true, text: t('visits.err.forceHint', { problem: slot }) };
    }
    const known = {
      scheduled_end: /at most (\d+) hours/.exec(reason)
        ? t('visits.err.tooLong', { hours: /at most (\d+) hours/.exec(reason)[1] })
        : /must be after/.test(reason) && t('visits.err.endBeforeStart'),
      address: /no address/.test(reason) && t('visits.err.noAddress'),
      client_id: /belongs to client/.test(reason) ? t('visits.err.ticketClient') : t('visits.err.clientRequired'),
      operator_id: /deactivated/.test(reason) && t('visits.err.operatorInactive'),
      reason: t('visits.err.reason'),
    }[field];
    const label = t(`visits.field.${field}`);
    return { field, force: false, text: known || t('visits.err.field', { field: label, reason }) };
  }
  if (err.status === 403) return { field: null, force: false, text: t('visits.err.forbidden') };
  if (err.status === 404) return { field: null, force: false, text: t('visits.err.notFound') };
  return { field: null, force: false, text: t('error.generic', { detail: err.message }) };
}
