// The Clients screen (issue 14: being built; this module only mounts the route).

import { clear, h } from './dom.js';
import { extend, t } from './i18n.js';

extend({ es: { 'nav.clients': 'Clientes', 'clients.title': 'Clientes' }, en: { 'nav.clients': 'Clients', 'clients.title': 'Clients' } });

export function renderClients(root) {
  clear(root).append(h('h1', {}, t('clients.title')));
  return () => {};
}
