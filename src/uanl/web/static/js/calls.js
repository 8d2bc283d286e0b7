// The Calls screen (issue 14: being built; this module only mounts the route).

import { clear, h } from './dom.js';
import { extend, t } from './i18n.js';

extend({ es: { 'nav.calls': 'Llamadas', 'calls.title': 'Llamadas' }, en: { 'nav.calls': 'Calls', 'calls.title': 'Calls' } });

export function renderCalls(root) {
  clear(root).append(h('h1', {}, t('calls.title')));
  return () => {};
}
