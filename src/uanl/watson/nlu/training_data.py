"""Intent training examples: hand-written sentences plus phrase combinations.

The combinations teach the classifier which part of a request carries the intent (the verb
phrase) and which parts are incidental (dates, formats, clients, courtesy words). Sentences are
generated with a fixed seed, so training is deterministic.
"""

from __future__ import annotations

import random

_TICKET_PREFIX_ES = [
    "", "abre un ticket, ", "levanta un ticket: ", "quiero levantar un reporte, ",
    "necesito levantar un reporte porque ", "te reporto que ", "quiero reportar que ",
    "reporte de falla: ", "crea un ticket porque ", "registra una incidencia: ", "ayuda, ",
    "oigan, ", "hola, ", "por favor ", "genera un ticket: ", "da de alta un ticket: ",
    "abre un folio: ", "levántame un reporte, ", "buenas tardes, ", "reportar falla: ",
    "tengo una falla, ", "quiero hacer un reporte de falla: ", "es importante: ", "urgente: ",
]  # fmt: skip
_TICKET_PROBLEM_ES = [
    "no jala el internet", "no sirve la impresora", "se cayó el sistema", "no prende la compu",
    "la red está bien lenta", "no puedo entrar a mi correo", "se trabó el SIASE",
    "el cañón no enciende", "no hay señal de wifi en el edificio", "el teléfono no tiene línea",
    "la pantalla se queda en negro", "el mouse ya no funciona", "se descompuso el clima",
    "no abre el sistema de nómina", "me marca error al iniciar sesión",
    "el servidor no contesta", "se fue la luz en el site", "la impresora se atora",
    "no carga la página de pagos", "mi laptop se calienta mucho", "no me llegan los correos",
    "el escáner no escanea", "olvidé mi contraseña y no puedo entrar", "la VPN no conecta",
    "el conmutador está caído", "se borró mi información", "la cámara de la sala no sirve",
    "el lector de credenciales no lee", "la base de datos está caída", "mi equipo tiene virus",
    "no imprime a color", "el switch del tercer piso parpadea", "no jala el Teams",
    "no sirve la bocina", "truena el sistema de cobranza", "anda fallando el correo",
    "se congeló la computadora", "no da línea el teléfono", "está fallando la red",
    "se cayó la página del portal", "no funciona el no break", "hay un corto en el site",
    "la computadora hace ruidos extraños", "huele a quemado en el site", "el monitor tiene rayas",
    "la red del edificio está caída",
]  # fmt: skip
_TICKET_PREFIX_EN = [
    "", "open a ticket: ", "please create a ticket, ", "I want to report that ",
    "log an incident: ", "raise a ticket because ", "hi, ", "help, ",
    "I need to report a problem: ", "file a ticket, ", "hello, ",
]  # fmt: skip
_TICKET_PROBLEM_EN = [
    "the internet is not working", "my computer won't boot", "the printer is broken",
    "the system is down", "I can't log in to my email", "the wifi keeps dropping",
    "the projector doesn't turn on", "the phone has no dial tone", "the server is not responding",
    "my screen stays black", "the vpn won't connect", "the app crashes on start",
    "the air conditioning broke", "the network is really slow", "I'm locked out of my account",
    "the scanner stopped working", "my mouse is dead", "outlook is not syncing",
    "the database is down", "the website is throwing errors", "my headset doesn't work",
    "the file server is unreachable", "email is down for everyone",
    "the intranet is down in our office", "the phones are dead on the whole floor",
]  # fmt: skip
_PRIORITY_SUFFIX = [
    "", "", "", ", es urgente", ", no es urgente", ", prioridad alta", ", es crítico",
    ", lo antes posible", ", prioridad baja", ", es una emergencia", ", prioridad media",
    ", urgent", ", not urgent", ", high priority", ", ASAP",
]  # fmt: skip

_ASK_SUFFIX = [
    "", "", "", "", ", can you open a ticket?", ", ¿me abres un ticket?",
    ", ¿me levantas un reporte?", ", could you log it?", ", ¿lo pueden revisar?", ", please fix it",
]  # fmt: skip
_CONTACT_SUFFIX = [
    "", "", "", "", ", mi cel es 81 5555 1234", ", mi correo es ana@ejemplo.mx",
    ", my number is 555 123 4567", ", my email is bob@example.com", ", tel. (81) 8000-1111",
]  # fmt: skip
_VISIT_VERB_ES = [
    "agenda una visita", "programa una visita técnica", "quiero agendar una visita",
    "necesito que venga un técnico", "manda un técnico", "que pase un técnico",
    "agéndame una cita con un técnico", "programa una revisión en sitio",
    "reserva una visita de soporte", "pide que venga alguien de soporte",
    "agenda mantenimiento en sitio", "ocupo una visita técnica", "coordina una visita",
    "aparta una cita para que revisen el equipo", "programa que vaya un ingeniero",
    "agenda una cita técnica",
]  # fmt: skip
_VISIT_WHEN_ES = [
    "", " mañana", " para el lunes", " el martes a las 11", " pasado mañana a las 9",
    " hoy en la tarde", " el 3 de enero", " a las 4 de la tarde", " para el viernes a mediodía",
    " el próximo miércoles", " el 12/01 a las 10", " mañana temprano", " a las 8 de la noche",
    " el domingo a las 10 am", " para el 20 de marzo a las 13:00",
]  # fmt: skip
_VISIT_PURPOSE_ES = [
    "", " para revisar la red", " para cambiar el disco duro", " para instalar el proyector",
    " al edificio de rectoría", " para el mantenimiento del clima", " en la sucursal centro",
]  # fmt: skip
_VISIT_VERB_EN = [
    "schedule a visit", "book a technician", "I need a technician to come",
    "arrange an onsite visit", "please send a technician", "schedule an appointment with support",
    "can someone come by", "book a maintenance visit", "plan a service visit",
    "set up a technician appointment", "have an engineer come over",
]  # fmt: skip
_VISIT_WHEN_EN = [
    "", " tomorrow", " on Tuesday at 11", " next Thursday", " at 4 pm", " the day after tomorrow",
    " on January 3", " this afternoon", " tomorrow morning", " at noon on Friday",
    " on March 20 at 1:00 pm",
]  # fmt: skip

_NOTIFY_VERB_ES = [
    "envía una notificación a", "manda un correo a", "notifica a", "avisa a",
    "mándale un mensaje a", "manda un SMS a", "envía un whatsapp a", "comunica a", "informa a",
    "manda un aviso a", "envía un recordatorio a", "notifícale a", "avísale por correo a",
    "manda una alerta a", "dile a", "recuérdale a",
]  # fmt: skip
_NOTIFY_TO_ES = [
    "los usuarios", "el cliente", "todo el equipo", "los técnicos", "la jefa de sistemas",
    "maria@ejemplo.com", "al 81 2222 3333", "los supervisores", "recursos humanos",
    "el solicitante", "los alumnos", "jorge.s@empresa.mx",
]  # fmt: skip
_NOTIFY_CONTENT_ES = [
    "", " que el sistema ya funciona", " que mañana hay mantenimiento",
    " sobre la caída del servidor", " que su equipo está listo", " que se cerró su ticket",
    " que la visita se cambió", " que ya se restableció la red",
]  # fmt: skip
_NOTIFY_WHEN_ES = ["", "", "", " mañana a las 9", " el lunes", " hoy a las 5 de la tarde"]
_NOTIFY_WHEN_EN = ["", "", "", " tomorrow at 8", " on Monday", " today at 5 pm", " at noon"]
_NOTIFY_VERB_EN = [
    "send a notification to", "email", "notify", "send a text to", "send an sms to", "message",
    "alert", "send a reminder to", "let", "ping", "send a whatsapp to", "inform", "remind",
]  # fmt: skip
_NOTIFY_TO_EN = [
    "the users", "the customer", "the whole team", "the technicians", "the IT manager",
    "john@example.com", "+1 555 123 4567", "the supervisors", "the requester",
]  # fmt: skip
_NOTIFY_CONTENT_EN = [
    "", " that the system is back up", " about tomorrow's maintenance", " about the outage",
    " that the laptop is ready", " that the ticket was closed", " know the visit moved",
]  # fmt: skip

_REPORT_VERB_ES = [
    "genera un reporte de", "dame el reporte de", "quiero un informe de", "exporta",
    "saca las estadísticas de", "necesito el reporte de", "hazme un reporte de",
    "muéstrame el reporte de", "descarga el reporte de", "prepara un informe de",
    "quiero ver las métricas de", "genera un resumen de", "ocupo el concentrado de",
    "mándame el reporte de", "pásame el reporte de", "¿cuántas veces hubo",
]  # fmt: skip
_REPORT_TYPE_ES = [
    "llamadas", "tickets", "operadores", "agentes", "incidencias", "desempeño de operadores",
    "llamadas atendidas", "tickets cerrados", "productividad de los agentes", "casos abiertos",
]  # fmt: skip
_REPORT_PERIOD_ES = [
    "", " de hoy", " de ayer", " de esta semana", " de la semana pasada", " del mes pasado",
    " de este mes", " de este año", " de marzo", " de los últimos 7 días",
    " del 1 al 10 de octubre", " del año pasado",
]  # fmt: skip
_REPORT_FORMAT = ["", "", " en excel", " en csv", " en json", " en formato xlsx"]
_REPORT_VERB_EN = [
    "generate a report of", "give me the report on", "export", "I need a report of",
    "show me the stats for", "download the report of", "create a report on",
    "pull the numbers for", "build a summary of", "prepare the metrics for",
]  # fmt: skip
_REPORT_TYPE_EN = [
    "calls", "tickets", "operators", "agents", "agent performance", "closed tickets",
    "answered calls", "open incidents",
]  # fmt: skip
_REPORT_PERIOD_EN = [
    "", " for today", " for yesterday", " for this week", " for last week", " for last month",
    " for this month", " for this year", " for march", " for the last 14 days",
    " from October 1 to 10",
]  # fmt: skip

_STATUS_ES = [
    "¿cómo va mi ticket {n}?", "estatus del folio {n}", "¿en qué va el caso {n}?",
    "¿ya resolvieron el ticket {n}?", "quiero saber el estado del folio {n}",
    "seguimiento del ticket {n}", "¿qué pasó con mi reporte {n}?", "¿ya atendieron mi folio?",
    "¿quién tiene mi caso {n}?", "¿sigue abierto mi ticket?", "¿cuándo resuelven el folio {n}?",
    "dame el avance del caso {n}", "consulta el folio {n}", "¿ya quedó lo del ticket #{n}?",
    "¿me das el status del reporte número {n}?", "¿ya cerraron el ticket {n}?",
    "revisa cómo va mi solicitud {n}", "¿hay novedades de mi ticket?", "¿ya me atendieron?",
    "estado de mi reporte", "¿cómo va lo que reporté ayer?", "¿en qué estatus está el #{n}?",
    "checa el folio {n} porfa", "¿ya asignaron técnico a mi caso {n}?",
    "¿por qué no han resuelto mi ticket {n}?", "¿ya hay respuesta del folio {n}?",
]  # fmt: skip
_STATUS_EN = [
    "what's the status of ticket {n}", "any news on case {n}?", "is my ticket {n} resolved?",
    "check ticket #{n}", "status of my request {n}", "has anyone picked up ticket {n}?",
    "where are we on incident {n}?", "follow up on ticket {n}", "is case {n} still open?",
    "when will ticket {n} be fixed?", "update me on my ticket", "who is handling ticket {n}?",
    "what's going on with my case?", "did you close ticket #{n}?", "ticket {n} status please",
]  # fmt: skip

_UNKNOWN = """
hola hola|holi|buen día|buenas tardes|qué onda|¿qué tal?|mil gracias|muchas gracias|te agradezco
ok gracias|perfecto|va|sale|de acuerdo|entendido|adiós|hasta mañana|nos vemos luego|bye bye
¿qué es un SLA?|¿qué significa ticket?|¿para qué sirve esto?|¿qué puedes hacer?|¿quién eres?
¿eres un robot?|¿cómo te llamas?|¿qué hora es?|¿cuánto cuesta un café?|¿dónde está el baño?
me gusta el futbol|¿quién ganó el clásico?|qué calor hace hoy|cuéntame algo|tengo hambre
¿qué día es hoy?|asdasd|jkl|aaaa|???|...|hmm|prueba|test|123|xd|jaja|¿qué es un reporte?
¿cuál es la diferencia entre ticket y folio?|¿cómo funciona la mesa de ayuda?
¿qué es una visita técnica?|explícame qué es una notificación|¿en qué consiste el servicio?
buenas|qué tal, buen día|saludos|muchas gracias, eso es todo|gracias por todo|ya quedó, gracias
hello again|hey there|good afternoon|thank you|thanks!|cheers|okay thanks|see you|goodbye for now
what is a ticket?|what does priority mean?|who made you?|what time is it?|tell me a joke
how are you?|nice weather today|what's the capital of Spain?|lorem ipsum|blah blah|zxcvb
test message|never mind|that's all|how does this work?|what is a report?|are you a bot?
what's the difference between a case and a ticket?|good night|thanks, bye|great, thank you
¿me puedes ayudar?|una pregunta|oye|¿sigues ahí?|no entiendo|¿qué es un operador?
¿qué es una incidencia?|¿qué es el SIASE?|quiero un café|¿cuándo es el puente?|feliz navidad
¿qué significa urgente?|¿cómo se dice ticket en español?|pásame el chisme|estoy aburrido
can you help me?|one question|are you there?|I don't understand|what is an operator?
merry christmas|I'm bored|what's up|yo|sup|hmm ok|kjhkjh|qwpoeiru|ñlkjñlk|!!!|😀|👋
¿me recomiendas un restaurante?|¿cuál es tu color favorito?|dame una receta de tacos
play some music|what's the weather like?|who won the game?|how old are you?
¿qué vas a hacer el fin de semana?|¿va a hacer frío mañana?|mañana es mi cumpleaños
el fin de semana me voy a la playa|la semana pasada fui al cine|¿cuándo son las vacaciones?
what are you doing this weekend?|is it going to rain tomorrow?|last month I went to Cancun
¿qué se festeja el lunes?|happy monday|¿qué es una mesa de servicio?
¿qué es un folio de servicio?|¿qué significa SLA?
""".replace("\n", "|")


def _combine(rng: random.Random, parts: list[list[str]], count: int) -> list[str]:
    seen: set[str] = set()
    for _ in range(count * 4):
        text = "".join(rng.choice(options) for options in parts)
        seen.add(text.strip())
        if len(seen) >= count:
            break
    return sorted(seen)


def training_examples() -> list[tuple[str, str]]:
    """(text, intent) pairs, deterministic for a given code version."""
    rng = random.Random(20261126)
    data: list[tuple[str, str]] = []

    def add(intent: str, texts: list[str]) -> None:
        data.extend((t, intent) for t in texts if t)

    add(
        "create_ticket",
        _combine(
            rng, [_TICKET_PREFIX_ES, _TICKET_PROBLEM_ES, _PRIORITY_SUFFIX, _CONTACT_SUFFIX], 130
        ),
    )
    add(
        "create_ticket",
        _combine(
            rng, [_TICKET_PREFIX_EN, _TICKET_PROBLEM_EN, _PRIORITY_SUFFIX, _CONTACT_SUFFIX], 75
        ),
    )
    add("create_ticket", _combine(rng, [_TICKET_PROBLEM_ES + _TICKET_PROBLEM_EN, _ASK_SUFFIX], 40))
    add("create_ticket", [p.rstrip(", :") for p in _TICKET_PREFIX_ES[1:] if "hola" not in p])
    add("schedule_visit", _combine(rng, [_VISIT_VERB_ES, _VISIT_WHEN_ES, _VISIT_PURPOSE_ES], 100))
    add("schedule_visit", _combine(rng, [_VISIT_VERB_EN, _VISIT_WHEN_EN], 55))
    add(
        "send_notification",
        _combine(
            rng, [_NOTIFY_VERB_ES, [" "], _NOTIFY_TO_ES, _NOTIFY_WHEN_ES, _NOTIFY_CONTENT_ES], 110
        ),
    )
    add(
        "send_notification",
        _combine(
            rng, [_NOTIFY_VERB_EN, [" "], _NOTIFY_TO_EN, _NOTIFY_WHEN_EN, _NOTIFY_CONTENT_EN], 70
        ),
    )
    add(
        "generate_report",
        _combine(
            rng, [_REPORT_VERB_ES, [" "], _REPORT_TYPE_ES, _REPORT_PERIOD_ES, _REPORT_FORMAT], 110
        ),
    )
    add(
        "generate_report",
        _combine(
            rng, [_REPORT_VERB_EN, [" "], _REPORT_TYPE_EN, _REPORT_PERIOD_EN, _REPORT_FORMAT], 60
        ),
    )
    add(
        "generate_report",
        [
            "un reporte por favor", "I'd like a report", "can you make me a report?",
            "quiero un reporte", "necesito un informe", "sácame un reporte", "report please",
            "¿cuántas llamadas entraron hoy?", "¿cuántos tickets se cerraron esta semana?",
            "how many calls did we get last week?", "how many tickets were opened today?",
            "¿cuántos casos atendió cada operador?", "how many calls did each agent take?",
        ],
    )  # fmt: skip
    numbers = ["12", "345", "7789", "1500", "98", "20211", "4"]
    add("ticket_status", [t.format(n=rng.choice(numbers)) for t in _STATUS_ES for _ in range(3)])
    add("ticket_status", [t.format(n=rng.choice(numbers)) for t in _STATUS_EN for _ in range(3)])
    add("unknown", [t.strip() for t in _UNKNOWN.split("|")])
    return data
