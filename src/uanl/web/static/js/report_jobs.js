// Background report files: the list of report jobs, their progress while the worker writes
// them (polled every few seconds while any is queued or running) and their download.

import { api, operators } from './api.js';
import { clear, h, toast } from './dom.js';
import { formatDateTime, formatNumber, formatPercent, t, tOr } from './i18n.js';
import { describeParams, downloadFile, explain, formatBytes } from './report_common.js';

const POLL_MS = 2000;
const PAGE_SIZE = 20;
const ACTIVE = new Set(['queued', 'running']);
const EXT = { json: 'json', jsonl: 'jsonl', csv: 'csv', xlsx: 'xlsx' };

export function renderJobs(root) {
  const highlight = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('job')) || null;
  let alive = true;
  let timer = 0;
  let everyone = false;
  const known = new Map(); // id -> last status, to announce a file that became ready
  const names = new Map();

  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite', id: 'jobs-status' });
  const body = h('div', { class: 'jobs-body', id: 'jobs-body' });
  const allBox = h('input', { type: 'checkbox', id: 'jobs-everyone' });
  allBox.addEventListener('change', () => {
    everyone = allBox.checked;
    known.clear();
    load();
  });
  const reload = h('button', { type: 'button', class: 'secondary', id: 'jobs-reload', onclick: () => load() }, t('reports.jobs.reload'));

  clear(root).append(
    h('h2', {}, t('reports.jobs.title')),
    h('p', { class: 'muted' }, t('reports.jobs.intro')),
    h('div', { class: 'jobs-tools' }, h('div', { class: 'check' }, allBox, h('label', { for: 'jobs-everyone' }, t('reports.jobs.everyone'))), reload),
    status,
    body,
  );

  operators()
    .then((people) => {
      for (const p of people) names.set(p.id, p.name);
    })
    .catch(() => {});

  async function load() {
    clearTimeout(timer);
    let page;
    try {
      page = await api('/reports/console/jobs', { query: { limit: PAGE_SIZE, mine: everyone ? '' : 'true' } });
    } catch (err) {
      if (!alive) return;
      clear(body).append(h('div', { class: 'report-error', role: 'alert' }, h('p', {}, t('reports.jobs.failed')), h('p', {}, explain(err))));
      status.textContent = '';
      return;
    }
    if (!alive) return;
    announce(page.items);
    // Redrawn every few seconds: keep the keyboard where it was.
    const focused = document.activeElement?.dataset?.downloadJob;
    draw(page);
    if (focused) body.querySelector(`[data-download-job="${focused}"]`)?.focus();
    const active = page.items.filter((job) => ACTIVE.has(job.status)).length;
    status.textContent = active ? t('reports.jobs.watching', { n: formatNumber(active) }) : '';
    if (active) timer = setTimeout(load, POLL_MS);
  }

  function announce(items) {
    for (const job of items) {
      const before = known.get(job.id);
      if (before && ACTIVE.has(before) && job.status === 'done') toast(t('reports.jobs.readyToast', { id: job.id }));
      if (before && ACTIVE.has(before) && job.status === 'failed') toast(t('reports.jobs.failedToast', { id: job.id }), 'error');
      known.set(job.id, job.status);
    }
  }

  function draw(page) {
    if (!page.items.length) {
      clear(body).append(h('p', { class: 'empty', id: 'jobs-empty' }, t(everyone ? 'reports.jobs.emptyAll' : 'reports.jobs.empty')));
      return;
    }
    const head = ['id', 'report', 'contents', 'format', 'requested', ...(everyone ? ['by'] : []), 'status', 'progress', 'rows', 'size', 'expires', 'action'];
    clear(body).append(
      h('p', { class: 'muted' }, t('reports.jobs.count', { shown: formatNumber(page.items.length), total: formatNumber(page.total) })),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'jobs-table', id: 'jobs-table' },
          h('caption', { class: 'visually-hidden' }, t('reports.jobs.title')),
          h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(`reports.jobs.col.${k}`))))),
          h('tbody', {}, page.items.map((job) => jobRow(job))),
        ),
      ),
    );
  }

  function jobRow(job) {
    const progress = h('progress', { max: '100', value: String(job.progress ?? 0), 'aria-label': t('reports.jobs.progressOf', { id: job.id }) });
    const percent = h('span', { class: 'job-percent' }, formatPercent((job.progress ?? 0) / 100));
    return h(
      'tr',
      { 'data-job': job.id, 'data-status': job.status, class: job.id === highlight ? 'highlight' : null },
      h('th', { scope: 'row' }, `#${job.id}`),
      h('td', {}, tOr(`reports.report.${job.report}`, job.report), job.schedule_id ? h('span', { class: 'badge' }, t('reports.jobs.scheduled')) : null),
      h('td', {}, describeParams(job.report, job.params)),
      h('td', {}, t(`reports.format.${job.format}`)),
      h('td', {}, formatDateTime(job.created_at)),
      everyone ? h('td', {}, names.get(job.requested_by_id) ?? (job.requested_by_id ? `#${job.requested_by_id}` : t('reports.jobs.system'))) : null,
      h('td', {}, h('span', { class: `badge job-${job.status}` }, t(`reports.jobs.status.${job.status}`))),
      h('td', { class: 'job-progress' }, progress, percent),
      h('td', { class: 'num' }, job.row_count === null ? '—' : formatNumber(job.row_count)),
      h('td', { class: 'num' }, formatBytes(job.file_size)),
      h('td', {}, formatDateTime(job.expires_at)),
      h('td', {}, action(job)),
    );
  }

  function action(job) {
    if (job.status === 'failed') return h('span', { class: 'error' }, t('reports.jobs.error', { detail: job.error || '—' }));
    if (job.status === 'expired') return h('span', { class: 'muted' }, t('reports.jobs.gone'));
    if (job.status !== 'done') return h('span', { class: 'muted' }, t('reports.jobs.wait'));
    const button = h(
      'button',
      { type: 'button', class: 'secondary', 'data-download-job': job.id, 'aria-label': t('reports.jobs.downloadOf', { id: job.id }) },
      t('reports.jobs.download'),
    );
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const name = await downloadFile(`/reports/jobs/${job.id}/download`, {}, `${job.report}-${job.id}.${EXT[job.format] || 'bin'}`);
        toast(t('reports.downloaded', { name }));
      } catch (err) {
        toast(explain(err), 'error');
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  load();
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}
