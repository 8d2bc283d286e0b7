// The signed-in operator's calendar feed (iCalendar): the link to paste into Google
// Calendar, Outlook or a phone, copyable; a new link can be issued (the old one stops
// working). Reading the link does not rotate it (GET .../calendar-token).

import { ApiError, api, me } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select(); // no clipboard permission: select it so Ctrl+C copies it
    if (!document.execCommand('copy')) throw new Error('copy');
  }
}

export function feedSection() {
  const path = `/visits/operators/${me().id}/calendar-token`;
  const body = h('div', { class: 'feed-body' });
  const status = h('div', { class: 'panel-status', role: 'status', 'aria-live': 'polite' });
  const section = h(
    'details',
    { class: 'visit-feed card' },
    h('summary', {}, t('visits.feed.title')),
    h('p', { class: 'muted' }, t('visits.feed.intro')),
    body,
    status,
  );

  function show(link) {
    const input = h('input', { type: 'text', readonly: true, value: link.url, id: 'visit-feed-url', class: 'feed-url' });
    body.replaceChildren(
      h('div', { class: 'field' }, h('label', { for: 'visit-feed-url' }, t('visits.feed.url')), input),
      h(
        'div',
        { class: 'form-actions' },
        h(
          'button',
          {
            type: 'button',
            onclick: () =>
              copy(input).then(
                () => { status.textContent = t('visits.feed.copied'); },
                () => { status.textContent = t('visits.feed.copyFailed'); },
              ),
          },
          t('visits.feed.copy'),
        ),
        h('a', { href: link.webcal_url, class: 'button-link' }, t('visits.feed.open')),
        h('button', { type: 'button', class: 'secondary', onclick: () => issue(true) }, t('visits.feed.rotate')),
      ),
    );
  }

  function none() {
    body.replaceChildren(
      h('p', {}, t('visits.feed.none')),
      h('button', { type: 'button', onclick: () => issue(false) }, t('visits.feed.create')),
    );
  }

  async function issue(rotating) {
    if (rotating && !window.confirm(t('visits.feed.rotateConfirm'))) return;
    try {
      show(await api(path, { method: 'POST' }));
      status.textContent = rotating ? t('visits.feed.rotated') : t('visits.feed.created');
      document.getElementById('visit-feed-url')?.focus();
    } catch (err) {
      status.textContent = t('error.generic', { detail: err.message });
    }
  }

  let loaded = false;
  section.addEventListener('toggle', async () => {
    if (!section.open || loaded) return;
    loaded = true;
    try {
      show(await api(path));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) none();
      else body.replaceChildren(h('p', { class: 'error' }, t('error.generic', { detail: err.message })));
    }
  });
  return section;
}
