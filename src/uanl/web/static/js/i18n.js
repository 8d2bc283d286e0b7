// Spanish first (Mexico), English second. The choice is a preference, not a secret:
// it lives in localStorage.

const STRINGS = {
  es: {
    brand: 'Mesa de servicio UANL',
    skip: 'Saltar al contenido',
    'nav.label': 'Principal',
    'nav.dashboard': 'Tablero',
    'nav.tickets': 'Tickets',
    'nav.visits': 'Visitas',
    'role.admin': 'administración',
    'role.supervisor': 'supervisión',
    'role.operator': 'operación',
    logout: 'Cerrar sesión',
    'lang.switch': 'English',
    'lang.switch.aria': 'Cambiar el idioma a inglés',
    'login.title': 'Iniciar sesión',
    'login.intro': 'Consola de operadores de la mesa de servicio.',
    'login.email': 'Correo electrónico',
    'login.password': 'Contraseña',
    'login.submit': 'Entrar',
    'login.failed': 'No se pudo iniciar sesión: {detail}',
    'login.expired': 'Tu sesión terminó; vuelve a iniciar sesión.',
    'dash.title': 'Tablero',
    'dash.filters': 'Filtros',
    'dash.period': 'Periodo',
    'dash.from': 'Desde',
    'dash.to': 'Hasta',
    'dash.operator': 'Operador',
    'dash.allOperators': 'Todos los operadores',
    'dash.apply': 'Aplicar',
    'dash.now': 'Ahora',
    'dash.inPeriod': 'En el periodo',
    'dash.charts': 'Gráficas',
    'dash.updated': 'Actualizado {time}',
    'period.today': 'Hoy',
    'period.7': 'Últimos 7 días',
    'period.30': 'Últimos 30 días',
    'period.90': 'Últimos 90 días',
    'period.custom': 'Personalizado',
    'live.on': 'En vivo',
    'live.off': 'Reconectando…',
    'live.event': 'Evento: {kind}',
    'kpi.open_tickets': 'Tickets abiertos',
    'kpi.unassigned': 'Sin asignar',
    'kpi.at_risk': 'SLA en riesgo',
    'kpi.breached': 'SLA vencido',
    'kpi.operators_online': 'Operadores en línea',
    'kpi.new_tickets': 'Tickets nuevos',
    'kpi.resolved_tickets': 'Tickets resueltos',
    'kpi.sla_compliance': 'Cumplimiento de SLA',
    'kpi.avg_first_response': 'Primera respuesta promedio',
    'kpi.calls': 'Llamadas',
    'kpi.csat': 'Satisfacción (CSAT)',
    'chart.tickets-by-day': 'Tickets creados vs. resueltos por día',
    'chart.tickets-by-state': 'Tickets por estado',
    'chart.tickets-by-priority': 'Tickets por prioridad',
    'chart.operator-performance': 'Desempeño por operador',
    'chart.sla-compliance-trend': 'Tendencia de cumplimiento de SLA',
    'chart.calls-by-hour': 'Llamadas por día y hora',
    'chart.resolution-time-distribution': 'Distribución del tiempo de resolución',
    'series.created': 'Creados',
    'series.resolved': 'Resueltos',
    'series.tickets': 'Tickets',
    'series.total': 'Total',
    'series.open': 'Abiertos',
    'series.avg_resolution_h': 'Resolución promedio (h)',
    'series.csat': 'CSAT',
    'series.calls': 'Llamadas',
    'series.compliance': 'Cumplimiento',
    'series.met': 'En tiempo',
    'series.breached': 'Vencidos',
    'state.new': 'Nuevo',
    'state.open': 'Abierto',
    'state.in_progress': 'En proceso',
    'state.waiting': 'En espera',
    'state.resolved': 'Resuelto',
    'state.closed': 'Cerrado',
    'state.cancelled': 'Cancelado',
    'priority.low': 'Baja',
    'priority.medium': 'Media',
    'priority.high': 'Alta',
    'priority.urgent': 'Urgente',
    'inbox.title': 'Bandeja de tickets',
    'inbox.mine': 'Mi cola',
    'inbox.unassigned': 'Sin asignar',
    'inbox.all': 'Todos',
    'inbox.views': 'Vistas',
    'inbox.state': 'Estado',
    'inbox.priority': 'Prioridad',
    'inbox.search': 'Buscar',
    'inbox.any': 'Cualquiera',
    'inbox.openStates': 'Abiertos',
    'inbox.filter': 'Filtrar',
    'inbox.empty': 'No hay tickets con estos filtros.',
    'inbox.count': '{n} tickets',
    'inbox.prev': 'Anterior',
    'inbox.next': 'Siguiente',
    'col.id': 'N.º',
    'col.title': 'Título',
    'col.state': 'Estado',
    'col.priority': 'Prioridad',
    'col.assignee': 'Asignado a',
    'col.created': 'Creado',
    'col.due': 'Vence',
    'ticket.back': 'Volver a la bandeja',
    'ticket.details': 'Detalles',
    'ticket.category': 'Categoría',
    'ticket.requester': 'Solicitante',
    'ticket.sla': 'SLA',
    'ticket.changeState': 'Cambiar estado',
    'ticket.newState': 'Nuevo estado',
    'ticket.noTransitions': 'Este ticket ya no cambia de estado.',
    'ticket.assign': 'Asignar',
    'ticket.assignee': 'Operador',
    'ticket.nobody': 'Sin asignar',
    'ticket.reply': 'Responder',
    'ticket.replyBody': 'Mensaje',
    'ticket.internal': 'Nota interna (el cliente no la ve)',
    'ticket.send': 'Enviar',
    'ticket.save': 'Guardar',
    'ticket.comments': 'Conversación',
    'ticket.noComments': 'Sin comentarios todavía.',
    'ticket.history': 'Historial',
    'ticket.internalBadge': 'Interna',
    'ticket.saved': 'Cambios guardados.',
    'ticket.sent': 'Respuesta enviada.',
    'ticket.conflict': 'Otra persona cambió el ticket; se recargó: {detail}',
    'ticket.system': 'Sistema',
    'event.created': 'Creado',
    'event.updated': 'Actualizado',
    'event.assigned': 'Asignado',
    'event.unassigned': 'Desasignado',
    'event.escalated': 'Escalado',
    'event.reply': 'Respuesta',
    'event.internal_note': 'Nota interna',
    'field.state': 'Estado',
    'field.priority': 'Prioridad',
    'field.assignee_id': 'Asignado a',
    'field.category': 'Categoría',
    'field.title': 'Título',
    'field.escalation_level': 'Nivel de escalamiento',
    'field.first_responded_at': 'Primera respuesta',
    'field.resolved_at': 'Resuelto',
    'field.closed_at': 'Cerrado',
    'field.sla_status': 'Estado SLA',
    'field.source': 'Origen',
    'field.client_id': 'Cliente',
    'visits.title': 'Calendario de visitas',
    'visits.prev': 'Semana anterior',
    'visits.next': 'Semana siguiente',
    'visits.today': 'Esta semana',
    'visits.none': 'Sin visitas',
    'visits.total': '{n} visitas en la semana',
    'error.generic': 'Error: {detail}',
    'notfound': 'Página no encontrada.',
  },
  en: {
    brand: 'UANL Service Desk',
    skip: 'Skip to content',
    'nav.label': 'Main',
    'nav.dashboard': 'Dashboard',
    'nav.tickets': 'Tickets',
    'nav.visits': 'Visits',
    'role.admin': 'admin',
    'role.supervisor': 'supervisor',
    'role.operator': 'operator',
    logout: 'Log out',
    'lang.switch': 'Español',
    'lang.switch.aria': 'Switch the language to Spanish',
    'login.title': 'Log in',
    'login.intro': 'Service desk operators console.',
    'login.email': 'E-mail',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.failed': 'Could not log in: {detail}',
    'login.expired': 'Your session ended; please log in again.',
    'dash.title': 'Dashboard',
    'dash.filters': 'Filters',
    'dash.period': 'Period',
    'dash.from': 'From',
    'dash.to': 'To',
    'dash.operator': 'Operator',
    'dash.allOperators': 'All operators',
    'dash.apply': 'Apply',
    'dash.now': 'Right now',
    'dash.inPeriod': 'In the period',
    'dash.charts': 'Charts',
    'dash.updated': 'Updated {time}',
    'period.today': 'Today',
    'period.7': 'Last 7 days',
    'period.30': 'Last 30 days',
    'period.90': 'Last 90 days',
    'period.custom': 'Custom',
    'live.on': 'Live',
    'live.off': 'Reconnecting…',
    'live.event': 'Event: {kind}',
    'kpi.open_tickets': 'Open tickets',
    'kpi.unassigned': 'Unassigned',
    'kpi.at_risk': 'SLA at risk',
    'kpi.breached': 'SLA breached',
    'kpi.operators_online': 'Operators online',
    'kpi.new_tickets': 'New tickets',
    'kpi.resolved_tickets': 'Resolved tickets',
    'kpi.sla_compliance': 'SLA compliance',
    'kpi.avg_first_response': 'Avg. first response',
    'kpi.calls': 'Calls',
    'kpi.csat': 'Satisfaction (CSAT)',
    'chart.tickets-by-day': 'Tickets created vs. resolved per day',
    'chart.tickets-by-state': 'Tickets by state',
    'chart.tickets-by-priority': 'Tickets by priority',
    'chart.operator-performance': 'Operator performance',
    'chart.sla-compliance-trend': 'SLA compliance trend',
    'chart.calls-by-hour': 'Calls by weekday and hour',
    // The API names the heatmap's rows in Spanish (Monday first).
    'weekday.Lunes': 'Monday',
    'weekday.Martes': 'Tuesday',
    'weekday.Miércoles': 'Wednesday',
    'weekday.Jueves': 'Thursday',
    'weekday.Viernes': 'Friday',
    'weekday.Sábado': 'Saturday',
    'weekday.Domingo': 'Sunday',
    'chart.resolution-time-distribution': 'Resolution time distribution',
    'series.created': 'Created',
    'series.resolved': 'Resolved',
    'series.tickets': 'Tickets',
    'series.total': 'Total',
    'series.open': 'Open',
    'series.avg_resolution_h': 'Avg. resolution (h)',
    'series.csat': 'CSAT',
    'series.calls': 'Calls',
    'series.compliance': 'Compliance',
    'series.met': 'On time',
    'series.breached': 'Breached',
    'state.new': 'New',
    'state.open': 'Open',
    'state.in_progress': 'In progress',
    'state.waiting': 'Waiting',
    'state.resolved': 'Resolved',
    'state.closed': 'Closed',
    'state.cancelled': 'Cancelled',
    'priority.low': 'Low',
    'priority.medium': 'Medium',
    'priority.high': 'High',
    'priority.urgent': 'Urgent',
    'inbox.title': 'Ticket inbox',
    'inbox.mine': 'My queue',
    'inbox.unassigned': 'Unassigned',
    'inbox.all': 'All',
    'inbox.views': 'Views',
    'inbox.state': 'State',
    'inbox.priority': 'Priority',
    'inbox.search': 'Search',
    'inbox.any': 'Any',
    'inbox.openStates': 'Open',
    'inbox.filter': 'Filter',
    'inbox.empty': 'No tickets match these filters.',
    'inbox.count': '{n} tickets',
    'inbox.prev': 'Previous',
    'inbox.next': 'Next',
    'col.id': '#',
    'col.title': 'Title',
    'col.state': 'State',
    'col.priority': 'Priority',
    'col.assignee': 'Assignee',
    'col.created': 'Created',
    'col.due': 'Due',
    'ticket.back': 'Back to the inbox',
    'ticket.details': 'Details',
    'ticket.category': 'Category',
    'ticket.requester': 'Requester',
    'ticket.sla': 'SLA',
    'ticket.changeState': 'Change state',
    'ticket.newState': 'New state',
    'ticket.noTransitions': 'This ticket no longer changes state.',
    'ticket.assign': 'Assign',
    'ticket.assignee': 'Operator',
    'ticket.nobody': 'Unassigned',
    'ticket.reply': 'Reply',
    'ticket.replyBody': 'Message',
    'ticket.internal': 'Internal note (the client does not see it)',
    'ticket.send': 'Send',
    'ticket.save': 'Save',
    'ticket.comments': 'Conversation',
    'ticket.noComments': 'No comments yet.',
    'ticket.history': 'History',
    'ticket.internalBadge': 'Internal',
    'ticket.saved': 'Changes saved.',
    'ticket.sent': 'Reply sent.',
    'ticket.conflict': 'Someone else changed the ticket; reloaded: {detail}',
    'ticket.system': 'System',
    'event.created': 'Created',
    'event.updated': 'Updated',
    'event.assigned': 'Assigned',
    'event.unassigned': 'Unassigned',
    'event.escalated': 'Escalated',
    'event.reply': 'Reply',
    'event.internal_note': 'Internal note',
    'field.state': 'State',
    'field.priority': 'Priority',
    'field.assignee_id': 'Assignee',
    'field.category': 'Category',
    'field.title': 'Title',
    'field.escalation_level': 'Escalation level',
    'field.first_responded_at': 'First response',
    'field.resolved_at': 'Resolved',
    'field.closed_at': 'Closed',
    'field.sla_status': 'SLA status',
    'field.source': 'Source',
    'field.client_id': 'Client',
    'visits.title': 'Visits calendar',
    'visits.prev': 'Previous week',
    'visits.next': 'Next week',
    'visits.today': 'This week',
    'visits.none': 'No visits',
    'visits.total': '{n} visits this week',
    'error.generic': 'Error: {detail}',
    'notfound': 'Page not found.',
  },
};

/** A screen's own strings, merged in when its module loads: extend({ es: {...}, en: {...} }).
 *  Keeps each screen's words beside its code instead of in one shared file. */
export function extend(strings) {
  for (const [code, table] of Object.entries(strings)) Object.assign(STRINGS[code], table);
}

const KEY = 'uanl.lang';
let lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'es';
const listeners = new Set();

export const getLang = () => lang;
export const locale = () => (lang === 'en' ? 'en-US' : 'es-MX');

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.es[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** A translation if one exists, else the raw value (API labels we have no word for). */
export const tOr = (key, fallback) => (key in STRINGS[lang] ? STRINGS[lang][key] : fallback);

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'es';
  localStorage.setItem(KEY, lang);
  applyStatic();
  for (const fn of listeners) fn(lang);
}

export const onLangChange = (fn) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};

/** Translate the static shell: [data-i18n] text, [data-i18n-aria] labels, <html lang>. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'es';
  document.title = lang === 'en' ? 'UANL Service Desk console' : 'Consola de la mesa de servicio UANL';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  }
  for (const el of root.querySelectorAll('[data-lang-toggle]')) {
    el.textContent = t('lang.switch');
    el.setAttribute('aria-label', t('lang.switch.aria'));
    el.setAttribute('lang', lang === 'en' ? 'es' : 'en');
  }
}

export function formatNumber(value, options = {}) {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(locale(), options).format(value);
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

export function formatDateTime(iso, timeZone) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: timeZone || undefined,
  }).format(new Date(iso));
}
