"""Unit tests for uanl.watson.nlu: entity rules, guard rules and the labelled-set evaluation."""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

SRC_DIR = Path(__file__).resolve().parents[2] / "src"
if str(SRC_DIR) not in sys.path:
    sys.path.insert(0, str(SRC_DIR))

from uanl.watson.nlu import Analysis, analyze  # noqa: E402
from uanl.watson.nlu.intents import IntentClassifier, get_classifier  # noqa: E402
from uanl.watson.nlu.normalize import normalize  # noqa: E402
from uanl.watson.nlu.training_data import training_examples  # noqa: E402

TZ = ZoneInfo("America/Monterrey")
REF = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)  # a Thursday
DATA_DIR = Path(__file__).resolve().parent / "data"


def ents(text: str, ref: datetime = REF, clients: tuple[str, ...] = ()) -> dict[str, Any]:
    return analyze(text, reference_time=ref, client_names=clients).entities


def when(text: str, ref: datetime = REF) -> str | None:
    return ents(text, ref).get("when")


def period(text: str, ref: datetime = REF) -> tuple[str, str] | None:
    found = ents(text, ref).get("period")
    return (found["start"], found["end"]) if found else None


@pytest.mark.parametrize(
    "text",
    [
        "hola", "Hola!", "buenos días", "buenas tardes", "Buenas noches", "hi", "Hello there",
        "good morning", "gracias", "muchas gracias", "thanks!", "thank you so much", "ok",
        "¿qué tal?", "hasta luego", "bye", "qué onda", "¿qué es un ticket?", "what is a ticket?",
        "asdfghjkl", "jajaja", "👋",
    ],
)  # fmt: skip
def test_greetings_thanks_and_noise_are_unknown(text: str) -> None:
    result = analyze(text, reference_time=REF)
    assert result.intent == "unknown"
    assert result.entities == {}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("quiero levantar un reporte, no jala la impresora", "create_ticket"),
        ("necesito reportar una falla en el servidor", "create_ticket"),
        ("se cayó el sistema de nómina", "create_ticket"),
        ("genera un reporte de llamadas del mes pasado", "generate_report"),
        ("¿cómo va el folio 123?", "ticket_status"),
        ("agenda una visita técnica mañana a las 10", "schedule_visit"),
        ("manda un correo a ana@uanl.mx", "send_notification"),
    ],
)
def test_mexican_usage_intents(text: str, intent: str) -> None:
    assert analyze(text, reference_time=REF).intent == intent


def test_report_wording_in_a_ticket_is_not_a_report_type() -> None:
    assert "report_type" not in ents("quiero levantar un reporte porque no sirve el proyector")


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("la impresora no sirve, no es urgente", "low"),
        ("the mouse is broken, not urgent", "low"),
        ("no es crítico, pero el monitor parpadea", "low"),
        ("se cayó la red, es crítico", "urgent"),
        ("es una emergencia, no hay luz en el site", "urgent"),
        ("fix the VPN ASAP", "urgent"),
        ("the server is down, urgent!", "urgent"),
        ("abre un ticket con prioridad alta", "high"),
        ("open a high priority ticket", "high"),
        ("abre un ticket, prioridad media", "medium"),
        ("prioridad: baja, el teclado falla", "low"),
    ],
)
def test_priority_and_negations(text: str, priority: str) -> None:
    assert ents(text).get("priority") == priority


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("mándale un SMS al +52 81 1234 5678", "528112345678"),
        ("avisa al (81) 8123-4567 que ya quedó", "8181234567"),
        ("manda un whatsapp al 8187654321", "8187654321"),
        ("text 81-2345-6789 that the laptop is ready", "8123456789"),
        ("envía un mensaje al +52 (81) 1234-9876", "528112349876"),
    ],
)
def test_phone_formats(text: str, phone: str) -> None:
    found = ents(text)
    assert found.get("phone") == phone
    assert "ticket_id" not in found and "when" not in found


def test_email_is_extracted_verbatim() -> None:
    assert ents("notifica a juan.perez@uanl.mx que su equipo está listo")["email"] == (
        "juan.perez@uanl.mx"
    )


@pytest.mark.parametrize(
    ("text", "ticket_id"),
    [
        ("¿cómo va el ticket 123?", 123),
        ("estatus del #123", 123),
        ("ya quedó el folio 123?", 123),
        ("qué pasó con el caso 123", 123),
        ("status del reporte número 123", 123),
        ("check ticket no. 123", 123),
    ],
)
def test_ticket_ids(text: str, ticket_id: int) -> None:
    assert ents(text)["ticket_id"] == ticket_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agenda una visita mañana a las 10", "2026-11-27T10:00:00-06:00"),
        ("programa una visita el próximo lunes a las 3 de la tarde", "2026-11-30T15:00:00-06:00"),
        ("agenda una visita pasado mañana", "2026-11-28T09:00:00-06:00"),
        ("agenda una visita a mediodía", "2026-11-26T12:00:00-06:00"),
        ("schedule a visit tomorrow at noon", "2026-11-27T12:00:00-06:00"),
        ("schedule a visit Dec 10 at 08:15", "2026-12-10T08:15:00-06:00"),
        ("agenda visita el 10/12", "2026-12-10T09:00:00-06:00"),
        ("agenda visita el 10 de diciembre", "2026-12-10T09:00:00-06:00"),
        ("agenda visita a las 5:30 pm", "2026-11-26T17:30:00-06:00"),
        ("agenda visita a las 8 de la noche", "2026-11-26T20:00:00-06:00"),
        ("schedule a visit at 10 am", "2026-11-27T10:00:00-06:00"),
        ("agenda visita hoy a las 4 de la tarde", "2026-11-26T16:00:00-06:00"),
        ("agenda una visita el jueves", "2026-12-03T09:00:00-06:00"),
        ("agenda una visita el viernes", "2026-11-27T09:00:00-06:00"),
        ("agenda una visita a las 9 y media", "2026-11-27T09:30:00-06:00"),
    ],
)
def test_when_resolution(text: str, expected: str) -> None:
    assert when(text) == expected


def test_when_across_month_and_year_boundaries() -> None:
    new_year_eve = datetime(2026, 12, 31, 18, 0, tzinfo=TZ)
    assert when("agenda visita mañana a las 10", new_year_eve) == "2027-01-01T10:00:00-06:00"
    assert when("agenda visita el lunes", new_year_eve) == "2027-01-04T09:00:00-06:00"
    assert when("agenda visita el 5 de enero", new_year_eve) == "2027-01-05T09:00:00-06:00"
    month_end = datetime(2027, 1, 31, 12, 0, tzinfo=TZ)
    assert when("agenda visita pasado mañana", month_end) == "2027-02-02T09:00:00-06:00"
    # A date already past this year is next year's.
    assert when("agenda visita el 20 de noviembre") == "2027-11-20T09:00:00-06:00"


def test_bare_time_is_today_if_future_else_tomorrow() -> None:
    assert when("agenda visita a las 11") == "2026-11-26T11:00:00-06:00"
    assert when("agenda visita a las 9") == "2026-11-27T09:00:00-06:00"


def test_naive_reference_and_default_reference() -> None:
    naive = datetime(2026, 11, 26, 10, 0)
    assert when("agenda visita mañana a las 10", naive) == "2026-11-27T10:00:00-06:00"
    result = analyze("agenda una visita mañana a las 10")
    assert result.entities["when"].endswith("10:00:00-06:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reporte de tickets de hoy", ("2026-11-26", "2026-11-26")),
        ("reporte de tickets de ayer", ("2026-11-25", "2026-11-25")),
        ("reporte de tickets de esta semana", ("2026-11-23", "2026-11-26")),
        ("reporte de tickets de la semana pasada", ("2026-11-16", "2026-11-22")),
        ("tickets report for last week", ("2026-11-16", "2026-11-22")),
        ("reporte de tickets de este mes", ("2026-11-01", "2026-11-26")),
        ("reporte de tickets del mes pasado", ("2026-10-01", "2026-10-31")),
        ("reporte de tickets de este año", ("2026-01-01", "2026-11-26")),
        ("reporte de tickets de octubre", ("2026-10-01", "2026-10-31")),
        ("reporte de tickets de diciembre", ("2025-12-01", "2025-12-31")),
        ("reporte de tickets del 1 al 15 de noviembre", ("2026-11-01", "2026-11-15")),
        ("tickets report from November 1 to 15", ("2026-11-01", "2026-11-15")),
        ("reporte de tickets de los últimos 7 días", ("2026-11-20", "2026-11-26")),
        ("calls report for the last 30 days", ("2026-10-28", "2026-11-26")),
    ],
)
def test_periods(text: str, expected: tuple[str, str]) -> None:
    assert period(text) == expected


def test_periods_across_boundaries() -> None:
    january = datetime(2027, 1, 4, 9, 0, tzinfo=TZ)
    assert period("reporte de tickets de la semana pasada", january) == ("2026-12-28", "2027-01-03")
    assert period("reporte de tickets del mes pasado", january) == ("2026-12-01", "2026-12-31")
    assert period("reporte de tickets de esta semana", january) == ("2027-01-04", "2027-01-04")
    leap = datetime(2028, 3, 2, 9, 0, tzinfo=TZ)
    assert period("reporte de llamadas de los últimos 7 días", leap) == ("2028-02-25", "2028-03-02")
    assert period("reporte de llamadas del mes pasado", leap) == ("2028-02-01", "2028-02-29")


def test_report_entities() -> None:
    found = ents("genera un reporte de llamadas del mes pasado en Excel")
    assert found == {
        "report_type": "calls",
        "format": "xlsx",
        "period": {"start": "2026-10-01", "end": "2026-10-31"},
    }
    assert ents("export the operators report as csv")["report_type"] == "operators"
    assert ents("dame el reporte de agentes en json")["format"] == "json"


def test_client_fuzzy_match_returns_canonical_name() -> None:
    clients = ("Cemex", "Grupo Bimbo", "Universidad Autónoma de Nuevo León")
    assert ents("abre un ticket para cemx, no sirve el servidor", clients=clients)["client"] == (
        "Cemex"
    )
    assert ents("agenda visita a bimbo mañana", clients=clients)["client"] == "Grupo Bimbo"
    assert ents("reporte de tickets de la UANL", clients=clients)["client"] == (
        "Universidad Autónoma de Nuevo León"
    )
    assert "client" not in ents("el equipo nuevo no prende", clients=clients)


def test_accents_capitals_and_typos_are_optional() -> None:
    assert normalize("MAÑANA a las 10, URGENTE") == "manana a las 10 urgente"
    assert when("AGENDA UNA VISITA MANANA A LAS 10") == "2026-11-27T10:00:00-06:00"
    assert ents("la impresora no jala, es urjente")["priority"] == "urgent"
    assert analyze("crea un tikcet, no sirve el mouse", reference_time=REF).intent == (
        "create_ticket"
    )


def test_analysis_shape_and_language() -> None:
    result = analyze("Schedule a visit tomorrow at noon", reference_time=REF)
    assert isinstance(result, Analysis)
    assert result.language == "en"
    assert 0.0 <= result.confidence <= 1.0
    payload = json.loads(json.dumps(result.to_dict()))
    assert set(payload) == {"intent", "confidence", "language", "entities"}
    assert analyze("agenda una visita mañana", reference_time=REF).language == "es"


def test_classifier_is_a_thread_safe_singleton() -> None:
    seen: list[IntentClassifier] = []
    threads = [threading.Thread(target=lambda: seen.append(get_classifier())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(model) for model in seen}) == 1


def test_a_fresh_classifier_trains_from_the_shipped_examples() -> None:
    # Training time is measured by bench/nlu_latency.py, not asserted here.
    fresh = IntentClassifier()
    assert fresh.predict(normalize("la impresora no jala")).intent == "create_ticket"
    assert fresh.predict(normalize("hola, buenos días")).intent == "unknown"


def test_training_sentences_differ_from_labelled_sets() -> None:
    labelled = set()
    for name in ("dev", "heldout"):
        with open(DATA_DIR / f"{name}.jsonl", encoding="utf-8") as handle:
            labelled |= {normalize(json.loads(line)["text"]) for line in handle if line.strip()}
    training = {normalize(text) for text, _ in training_examples()}
    # Emoji and punctuation-only lines all normalise to "", which is not a shared sentence.
    assert labelled & training <= {""}


def test_labelled_sets_are_well_formed() -> None:
    import eval_nlu

    rows = eval_nlu.load("all")
    assert len(rows) >= 300
    for row in rows:
        assert row["intent"] in eval_nlu.INTENTS
        datetime.fromisoformat(row["reference_time"])


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_evaluation_meets_quality_bar(split: str) -> None:
    import eval_nlu

    report = eval_nlu.evaluate(split)
    assert report.intent_accuracy >= 0.95, report.errors
    assert report.entity_accuracy >= 0.95, report.errors
