"""Every event's template renders in Spanish (default) and English, text and HTML."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from uanl.notifications.render import TEMPLATES, format_when, render

TZ = "America/Monterrey"
CONTEXT: dict[str, Any] = {
    "ticket_id": 42,
    "ticket_title": "Impresora <sin> tóner",
    "ticket_state": "in_progress",
    "ticket_priority": "urgent",
    "ticket_url": "https://mesa.example.mx/tickets/42",
    "client_name": "Cervecería del Norte",
    "assignee_name": "Óscar Operador",
    "resolution_due_at": "2026-12-07T18:00:00+00:00",
    "recipient_name": "Ana",
    "from_state": "open",
    "to_state": "waiting",
    "csat_url": "https://mesa.example.mx/api/v1/csat/abc.def",
    "level": 2,
    "reason": "SLA en riesgo",
    "comment_body": "Ya revisamos el equipo.",
    "comment_author": "Óscar Operador",
    "visit_id": 5,
    "operator_name": "Óscar Operador",
    "visit_start": "2026-12-07T16:00:00+00:00",
    "visit_end": "2026-12-07T17:30:00+00:00",
    "address": "Av. Universidad s/n, San Nicolás",
    "cancel_reason": "El cliente no estará",
    "previous_start": "2026-12-05T16:00:00+00:00",
    "hours": 24,
    "report_id": 9,
    "report_type": "tickets",
    "report_format": "xlsx",
    "row_count": 1200,
    "expires_at": "2026-12-14T16:00:00+00:00",
    "report_url": "https://mesa.example.mx/api/v1/reports/9/download",
    "subject": None,
    "body": "Mensaje libre",
    "sender_name": "Sofía",
}
NAMES = sorted(
    {p.name.split(".")[0] for p in TEMPLATES.glob("*.es.jinja") if not p.name.startswith("_")}
)


def test_every_template_has_both_languages() -> None:
    assert len(NAMES) == 12
    for name in NAMES:
        assert (TEMPLATES / f"{name}.en.jinja").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_renders_in_spanish_and_english(name: str) -> None:
    es = render(name, "es", CONTEXT, timezone=TZ)
    en = render(name, "en", CONTEXT, timezone=TZ)
    for r in (es, en):
        assert r.subject and "\n" not in r.subject
        assert r.text.strip()
        assert r.html.startswith("<!doctype html>")
        assert "{{" not in r.text + r.html
        # HTML escapes what people typed; the text part keeps it verbatim.
        assert "<sin>" not in r.html
    assert 'lang="es"' in es.html and 'lang="en"' in en.html
    assert "Mesa de Servicio UANL" in es.html and "UANL Service Desk" in en.html
    assert es.subject != en.subject


def test_spanish_words_dates_and_links() -> None:
    es = render("ticket_state_changed", "es", CONTEXT, timezone=TZ)
    assert es.subject == "[Ticket #42] Ahora está en espera"
    assert "«abierto» a «en espera»" in es.text
    assert "https://mesa.example.mx/tickets/42" in es.text
    en = render("ticket_state_changed", "en", CONTEXT, timezone=TZ)
    assert en.subject == "[Ticket #42] Now waiting"
    visit = render("visit_scheduled", "es", CONTEXT, timezone=TZ)
    # 16:00 UTC is 10:00 in Monterrey (UTC-6).
    assert "lunes 7 de diciembre de 2026, 10:00 h a 11:30 h" in visit.text
    visit_en = render("visit_scheduled", "en", CONTEXT, timezone=TZ)
    assert "Monday, December 7, 2026, 10:00 to 11:30" in visit_en.text
    reminder = render("visit_reminder", "es", {**CONTEXT, "hours": 1}, timezone=TZ)
    assert reminder.subject.startswith("Recordatorio: visita en 1 hora")


def test_resolved_carries_one_click_csat_links() -> None:
    es = render("ticket_resolved", "es", CONTEXT, timezone=TZ)
    for n in range(1, 6):
        assert f"{CONTEXT['csat_url']}?score={n}" in es.text
        assert f'href="{CONTEXT["csat_url"]}?score={n}"' in es.html
    assert "Califíquenos" in es.text
    without = render("ticket_resolved", "es", {**CONTEXT, "csat_url": None}, timezone=TZ)
    assert "score=" not in without.text + without.html


def test_unknown_language_falls_back_to_spanish() -> None:
    assert render("ticket_created", "fr", CONTEXT, timezone=TZ).subject.startswith(
        "[Ticket #42] Recibimos"
    )


def test_format_when() -> None:
    tz = ZoneInfo(TZ)
    assert (
        format_when("2026-01-01T06:00:00+00:00", "es", tz) == "jueves 1 de enero de 2026, 00:00 h"
    )
    assert format_when(None, "es", tz) == ""
