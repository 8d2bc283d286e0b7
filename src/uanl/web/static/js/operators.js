// The Operators screen (issue 14: being built; this module only mounts the route).

import { clear, h } from './dom.js';
import { extend, t } from './i18n.js';

extend({ es: { 'nav.operators': 'Operadores', 'operators.title': 'Operadores' }, en: { 'nav.operators': 'Operators', 'operators.title': 'Operators' } });

export function renderOperators(root) {
  clear(root).append(h('h1', {}, t('operators.title')));
  return () => {};
}
