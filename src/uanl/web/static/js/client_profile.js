// A client's history on its page: figures, tickets, calls, visits and CSAT answers, each
// section paged on its own from the list endpoints (client_id filter) and /clients/<id>/csat.

import { api, operators } from './api.js';
import { h } from './dom.js';
import { extend, formatDateTime, formatNumber, t } from './i18n.js';
import { formatSeconds, pager, plural, problemText, table } from './people_common.js';
import { OPEN_STATES, priorityBadge, stateBadge } from './ticket_common.js';

extend({
  es: {
    'cp.figures': 'Resumen del cliente',
    'cp.openTickets': 'Tickets abiertos',
    'cp.tickets': 'Tickets',
    'cp.calls': 'Llamadas',
    'cp.visits': 'Visitas',
    'cp.csat': 'Satisfacción (CSAT)',
    'cp.csatAvg': 'CSAT promedio',
    'cp.csatOf': '{avg} de 5 · {n} respuestas',
    'cp.csatOf.one': '{avg} de 5 · {n} respuesta',
    'cp.csatNone': 'Sin respuestas de satisfacción todavía.',
    'cp.score': '{n} de 5',
    'cp.scoreRow': '{score} ★',
    'cp.answers': 'Respuestas recientes',
    'cp.logCall': 'Registrar llamada',
    'cp.none': 'Sin registros todavía.',
  },
  en: {
    'cp.figures': 'Client summary',
    'cp.openTickets': 'Open tickets',
    'cp.tickets': 'Tickets',
    'cp.calls': 'Calls',
    'cp.visits': 'Visits',
    'cp.csat': 'Satisfaction (CSAT)',
    'cp.csatAvg': 'Average CSAT',
    'cp.csatOf': '{avg} of 5 · {n} answers',
    'cp.csatOf.one': '{avg} of 5 · {n} answer',
    'cp.csatNone': 'No satisfaction answers yet.',
    'cp.score': '{n} of 5',
    'cp.scoreRow': '{score} ★',
    'cp.answers': 'Recent answers',
    'cp.logCall': 'Log a call',
    'cp.none': 'Nothing recorded yet.',
  },
});

const SECTION_SIZE = 10;

/** The sections below a client's contact data; `stop()` ignores answers that arrive late. */
export function clientSections(client) {
  let live = true;
  const kpi = (key, label) => h('div', { class: 'kpi', 'data-kpi': key }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, '…'));
  const figures = {
    open: kpi('open', t('cp.openTickets')),
    tickets: kpi('tickets', t('cp.tickets')),
    calls: kpi('calls', t('cp.calls')),
    visits: kpi('visits', t('cp.visits')),
    csat: kpi('csat', t('cp.csatAvg')),
  };
  const setFigure = (key, value) => {
    if (live) figures[key].querySelector('.kpi-value').textContent = value;
  };
  const section = (key, title, ...extra) => {
    const body = h('div', { class: 'ppl-section-body', 'aria-live': 'polite', 'aria-busy': 'true' });
    const el = h('section', { class: 'card client-section', 'data-section': key, 'aria-labelledby': `cp-${key}-title` }, h('div', { class: 'ppl-section-head' }, h('h2', { id: `cp-${key}-title` }, title), ...extra), body);
    return { el, body };
  };
  const tickets = section('tickets', t('cp.tickets'));
  const calls = section('calls', t('cp.calls'), h('a', { class: 'ppl-button', href: `#/calls/new?client_id=${client.id}` }, t('cp.logCall')));
  const visits = section('visits', t('cp.visits'));
  const csat = section('csat', t('cp.csat'));

  const load = (target, fetchPage, render, offset = 0) => {
    target.body.setAttribute('aria-busy', 'true');
    fetchPage(offset)
      .then(async (page) => {
        const content = await render(page);
        if (!live) return;
        target.body.replaceChildren(...content);
        if (page.total > page.limit) target.body.append(pager(page, (next) => load(target, fetchPage, render, next)));
      })
      .catch((err) => live && target.body.replaceChildren(h('p', { class: 'error' }, problemText(err))))
      .finally(() => target.body.setAttribute('aria-busy', 'false'));
  };
  const names = operators()
    .then((people) => new Map(people.map((p) => [p.id, p.name])))
    .catch(() => new Map());
  const who = (map, id) => map.get(id) ?? (id ? `#${id}` : '—');
  const list = (path, sort) => (offset) => api(path, { query: { client_id: client.id, limit: SECTION_SIZE, offset, sort } });

  load(tickets, list('/tickets', '-created_at'), (page) => {
    setFigure('tickets', formatNumber(page.total));
    if (!page.items.length) return [h('p', { class: 'empty' }, t('cp.none'))];
    const heads = ['ppl.col.id', 'ppl.col.title', 'ppl.col.state', 'ppl.col.priority', 'ppl.col.created'];
    return [
      table('people client-tickets', heads, page.items, (tk) =>
        h('tr', { 'data-ticket': tk.id }, h('td', {}, `#${tk.id}`), h('td', {}, h('a', { href: `#/tickets/${tk.id}` }, tk.title)), h('td', {}, stateBadge(tk.state)), h('td', {}, priorityBadge(tk.priority)), h('td', {}, formatDateTime(tk.created_at))),
      ),
    ];
  });
  api('/tickets', { query: { client_id: client.id, state: OPEN_STATES, limit: 1 } })
    .then((page) => setFigure('open', formatNumber(page.total)))
    .catch(() => setFigure('open', '—'));

  load(calls, list('/calls', '-started_at'), async (page) => {
    setFigure('calls', formatNumber(page.total));
    if (!page.items.length) return [h('p', { class: 'empty' }, t('cp.none'))];
    const ops = await names;
    const heads = ['ppl.col.when', 'ppl.col.direction', 'ppl.col.outcome', 'ppl.col.duration', 'ppl.col.operator', 'ppl.col.ticket'];
    return [
      table('people client-calls', heads, page.items, (c) =>
        h(
          'tr',
          { 'data-call': c.id },
          h('td', {}, h('a', { href: `#/calls/${c.id}` }, formatDateTime(c.started_at))),
          h('td', {}, t(`ppl.dir.${c.direction}`)),
          h('td', {}, t(`ppl.outcome.${c.outcome}`)),
          h('td', {}, formatSeconds(c.duration_s)),
          h('td', {}, who(ops, c.operator_id)),
          h('td', {}, c.ticket_id ? h('a', { href: `#/tickets/${c.ticket_id}` }, `#${c.ticket_id}`) : '—'),
        ),
      ),
    ];
  });

  load(visits, list('/visits', '-scheduled_start'), async (page) => {
    setFigure('visits', formatNumber(page.total));
    if (!page.items.length) return [h('p', { class: 'empty' }, t('cp.none'))];
    const ops = await names;
    const heads = ['ppl.col.when', 'ppl.col.state', 'ppl.col.operator', 'ppl.col.address', 'ppl.col.ticket'];
    return [
      table('people client-visits', heads, page.items, (v) =>
        h(
          'tr',
          { 'data-visit': v.id },
          h('td', {}, formatDateTime(v.scheduled_start)),
          h('td', {}, h('span', { class: `badge vstate-${v.state}` }, t(`ppl.vstate.${v.state}`))),
          h('td', {}, who(ops, v.operator_id)),
          h('td', {}, v.address ?? '—'),
          h('td', {}, v.ticket_id ? h('a', { href: `#/tickets/${v.ticket_id}` }, `#${v.ticket_id}`) : '—'),
        ),
      ),
    ];
  });

  const csatPage = (offset) =>
    api(`/clients/${client.id}/csat`, { query: { limit: SECTION_SIZE, offset } }).then((r) => ({ ...r, items: r.answers, total: r.responses, limit: SECTION_SIZE, offset }));
  load(csat, csatPage, (r) => {
    setFigure('csat', r.average === null ? '—' : formatNumber(r.average, { maximumFractionDigits: 1 }));
    if (!r.responses) return [h('p', { class: 'empty' }, t('cp.csatNone'))];
    return [
      h('p', { class: 'csat-average', 'data-csat-average': r.average }, plural('cp.csatOf', r.responses, { avg: formatNumber(r.average, { maximumFractionDigits: 2 }) })),
      h(
        'ul',
        { class: 'csat-bars' },
        [5, 4, 3, 2, 1].map((score) => {
          const n = r.distribution[score] ?? 0;
          const id = `cp-csat-${score}`;
          return h('li', {}, h('span', { id, class: 'csat-score' }, t('cp.scoreRow', { score })), h('meter', { min: 0, max: r.responses, value: n, 'aria-labelledby': id }), h('span', { class: 'csat-count' }, formatNumber(n)));
        }),
      ),
      h('h3', {}, t('cp.answers')),
      table('people client-csat', ['ppl.col.when', 'ppl.col.ticket', 'ppl.col.score', 'ppl.col.comment'], r.items, (a) =>
        h(
          'tr',
          { 'data-answer': a.ticket_id },
          h('td', {}, formatDateTime(a.submitted_at)),
          h('td', {}, h('a', { href: `#/tickets/${a.ticket_id}` }, `#${a.ticket_id} · ${a.title}`)),
          h('td', {}, t('cp.score', { n: a.score })),
          h('td', { class: 'comment' }, a.comment ?? '—'),
        ),
      ),
    ];
  });

  const element = h(
    'div',
    { class: 'client-profile' },
    h('section', { 'aria-label': t('cp.figures') }, h('div', { class: 'kpis' }, Object.values(figures))),
    h('div', { class: 'client-grid' }, tickets.el, calls.el, visits.el, csat.el),
  );
  return { element, stop: () => (live = false) };
}
