// The Reports screen (issue 14: being built; this module only mounts the route).

import { clear, h } from './dom.js';
import { extend, t } from './i18n.js';

extend({ es: { 'nav.reports': 'Reportes', 'reports.title': 'Reportes' }, en: { 'nav.reports': 'Reports', 'reports.title': 'Reports' } });

export function renderReports(root) {
  clear(root).append(h('h1', {}, t('reports.title')));
  return () => {};
}
