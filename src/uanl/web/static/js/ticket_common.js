// What the ticket screens share: states, priorities, badges, who leads.

import { me } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export const STATES = ['new', 'open', 'in_progress', 'waiting', 'resolved', 'closed', 'cancelled'];
export const OPEN_STATES = ['new', 'open', 'in_progress', 'waiting'];
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'];

export const stateBadge = (state) =>
  h('span', { class: `badge state-${state}`, 'data-state': state }, t(`state.${state}`));
export const priorityBadge = (p) => h('span', { class: `badge priority-${p}` }, t(`priority.${p}`));

export const isLead = () => ['admin', 'supervisor'].includes(me()?.role);
