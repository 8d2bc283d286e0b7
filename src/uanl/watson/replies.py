"""Short replies in the user's language (Spanish first, English second)."""

from __future__ import annotations

from typing import Any

from uanl.notifications.render import PRIORITIES, STATES

MESSAGES: dict[str, dict[str, str]] = {
    "ticket_created": {
        "es": "Listo, abrí el ticket #{ticket_id} ({priority_es}){client_part_es}. {link}",
        "en": "Done, I opened ticket #{ticket_id} ({priority}){client_part_en}. {link}",
    },
    "visit_scheduled": {
        "es": "Visita agendada para {client} el {when_local} con {operator}. Folio #{visit_id}.",
        "en": "Visit booked for {client} on {when_local} with {operator}. Ref #{visit_id}.",
    },
    "notification_sent": {
        "es": "Enviado: le avisé a {recipient}.",
        "en": "Sent: I let {recipient} know.",
    },
    "report_queued": {
        "es": "Estoy generando el reporte de {report} ({format}); te llega a {email}.",
        "en": "I'm generating the {report} report ({format}); it will arrive at {email}.",
    },
    "ticket_status": {
        "es": "Ticket #{ticket_id}: {state_es}, prioridad {priority_es}, asignado a {assignee}. "
        "Vence {due_local}. Última actualización: {updated_local}.",
        "en": "Ticket #{ticket_id}: {state}, {priority} priority, assigned to {assignee}. "
        "Due {due_local}. Last update: {updated_local}.",
    },
    "ticket_not_found": {
        "es": "No encuentro el ticket #{ticket_id}. ¿Me das el número correcto?",
        "en": "I can't find ticket #{ticket_id}. Could you give me the right number?",
    },
    "ask_when": {
        "es": "¿Para qué día y hora agendo la visita?",
        "en": "What day and time should I book the visit for?",
    },
    "ask_other_time": {
        "es": "No pude agendar a esa hora: {reason}. ¿Qué otro día y hora te funciona?",
        "en": "I couldn't book that time: {reason}. What other day and time works?",
    },
    "ask_client": {
        "es": "¿Para qué cliente es? Dime su nombre.",
        "en": "Which client is it for? Tell me its name.",
    },
    "ask_ticket": {
        "es": "¿Cuál es el número de ticket?",
        "en": "What is the ticket number?",
    },
    "ask_email": {
        "es": "¿A qué correo te envío el reporte?",
        "en": "Which e-mail should I send the report to?",
    },
    "ask_recipient": {
        "es": "¿A quién le aviso? Dime el cliente, el número de ticket o un correo.",
        "en": "Who should I notify? Give me the client, the ticket number or an e-mail.",
    },
    "no_recipient_address": {
        "es": "{recipient} no tiene correo registrado; dame un correo para avisarle.",
        "en": "{recipient} has no e-mail on file; give me an address to notify.",
    },
    "unknown": {
        "es": "No entendí bien. Puedo abrir tickets, agendar visitas, enviar avisos, generar "
        "reportes o darte el estado de un ticket.",
        "en": "I didn't quite get that. I can open tickets, book visits, send notices, "
        "generate reports or tell you a ticket's status.",
    },
    "cancelled": {
        "es": "De acuerdo, lo dejamos así.",
        "en": "Okay, I've dropped that request.",
    },
    "error": {
        "es": "No pude completar la solicitud: {reason}",
        "en": "I couldn't complete the request: {reason}",
    },
}

# The Spanish names the notification templates use too.
PRIORITY_ES = PRIORITIES["es"]
STATE_ES = STATES["es"]
REPORT_ES = {"tickets": "tickets", "calls": "llamadas", "operators": "operadores"}


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def say(key: str, language: str, **values: Any) -> str:
    lang = "en" if language == "en" else "es"
    values.setdefault("priority_es", PRIORITY_ES.get(str(values.get("priority")), "media"))
    values.setdefault("state_es", STATE_ES.get(str(values.get("state")), values.get("state")))
    text = MESSAGES[key][lang].format_map(_Default(values))
    return " ".join(text.split())
