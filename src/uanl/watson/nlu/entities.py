"""Rule-based entity extraction.

Which entities are looked for depends on the intent, because the same words mean different
things: "ayer" in a report request is a period, in a problem report it is when the failure began;
"tickets" names a report type only when a report is being asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from .dates import parse_when
from .normalize import normalize
from .periods import parse_period

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people type in phone numbers; validated by digit count.
PHONE_RE = re.compile(r"(?<![\w/:#])(?:\+\s?)?\(?\d[\d\s().-]{6,22}\d(?![\w/:])")

_TICKET_RE = re.compile(
    r"\b(?:ticket|tickets|tiket|tiquet|folio|caso|case|reporte|report|incidencia|incidente|"
    r"incident|solicitud|request|orden|order)\s*(?:(?:numero|num|no|nro|number|nr|n)\s*)?"
    r"#?\s*(\d{1,9})\b"
)
_HASH_RE = re.compile(r"(?<![\w&])#\s?(\d{1,9})\b")

_NEGATOR = r"(?:no|not|nada|nothing|isn't|isnt|is not|ni)"
_COPULA = r"(?:\s+(?:es|esta|estan|son|sea|is|are|so|seems))?"
_DEGREE = r"(?:\s+(?:tan|muy|tanto|so|very|that|really|particularly|super))?"
_SEVERE = r"(?:urgente|urgentes|urgent|critico|critica|critical|prioritario|prioritaria|emergencia|emergency|importante|important|grave)"  # noqa: E501
_PRIORITY_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "low",
        re.compile(
            rf"\b{_NEGATOR}{_COPULA}{_DEGREE}\s+{_SEVERE}\b|\bsin\s+(?:prisa|urgencia|apuro)\b"
            r"|\bno\s+(?:corre|hay)\s+(?:prisa|apuro)\b|\bno\s+(?:rush|hurry)\b"
            r"|\b(?:prioridad|priority)\s+(?:baja|low)\b|\b(?:baja|low)\s+(?:prioridad|priority)\b"
            r"|\bcuando\s+(?:puedan|se pueda|tengan tiempo)\b|\bwhenever you can\b"
            r"|\b(?:de|con)\s+baja\s+(?:importancia|prioridad)\b"
        ),
    ),
    (
        "urgent",
        re.compile(
            r"\b(?:urgente|urgentes|urgentisimo|urgentisima|urgent|urgently|asap|critico|critica|"
            r"critical|emergencia|emergency|inmediato|inmediata|inmediatamente|immediately|urge)\b"
            r"|\blo (?:antes|mas pronto) posible\b|\bcuanto antes\b|\bas soon as possible\b"
            r"|\b(?:prioridad|priority)\s+(?:urgente|urgent|maxima|critica|critical|top)\b"
        ),
    ),
    (
        "high",
        re.compile(
            r"\b(?:prioridad|priority)\s+(?:alta|high)\b|\b(?:alta|high)\s+(?:prioridad|priority)\b"
            r"|\b(?:importante|important|prioritario|prioritaria)\b"
        ),
    ),
    (
        "medium",
        re.compile(
            r"\b(?:prioridad|priority)\s+(?:media|medium|normal|moderada|regular)\b"
            r"|\b(?:media|mediana|medium|normal|moderate)\s+(?:prioridad|priority)\b"
        ),
    ),
]

_REPORT_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("calls", re.compile(r"\b(?:llamadas?|calls?|telefonia)\b")),
    ("operators", re.compile(r"\b(?:operador(?:es|as?)?|operators?|agentes?|agents?|staff)\b")),
    (
        "tickets",
        re.compile(
            r"\b(?:tickets?|tikets?|tiquets?|incidencias?|incidentes?|incidents?|casos|folios)\b"
        ),
    ),
]
_FORMATS: list[tuple[str, re.Pattern[str]]] = [
    ("xlsx", re.compile(r"\b(?:excel|xlsx|xls|hoja de calculo|spreadsheet)\b")),
    ("csv", re.compile(r"\bcsv\b")),
    ("json", re.compile(r"\bjson\b")),
]
# Message content follows these words in a notification; dates there are not the send time.
_CONTENT_START = re.compile(r"\b(?:que|that|diciendo|saying|avisando|recordando|informando)\b|:")
_GENERIC_NAME_WORDS = frozenset(
    "grupo group de del la el los las y sa cv s a c v inc corp co company compania cia "
    "universidad university hospital banco bank industrias servicios the of san santa".split()
)
_CONNECTORS = frozenset("de del la el los las y the of and".split())


def extract_email(text: str) -> str | None:
    m = EMAIL_RE.search(text)
    return m.group(0).rstrip(".") if m else None


def extract_phone(text: str) -> str | None:
    """Digits of the first phone-like run with 10-13 digits (country code kept if typed)."""
    for m in PHONE_RE.finditer(text):
        candidate = m.group(0)
        if "  " in candidate or re.search(r"\d\.\d{1,2}(?!\d)", candidate):
            continue
        digits = re.sub(r"\D", "", candidate)
        if 10 <= len(digits) <= 13:
            return digits
    return None


def mask_contacts(text: str) -> str:
    """Hide e-mails and phone numbers so their digits are not read as tickets or times."""
    text = EMAIL_RE.sub(" correo_electronico ", text)

    def _phone(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return " numero_telefono " if 10 <= len(digits) <= 13 else m.group(0)

    return PHONE_RE.sub(_phone, text)


def extract_ticket_id(norm: str) -> int | None:
    m = _TICKET_RE.search(norm) or _HASH_RE.search(norm)
    return int(m.group(1)) if m else None


def extract_priority(norm: str) -> str | None:
    for level, pattern in _PRIORITY_RULES:
        if pattern.search(norm):
            return level
    return None


def _first_match(norm: str, table: list[tuple[str, re.Pattern[str]]]) -> str | None:
    best: tuple[int, str] | None = None
    for label, pattern in table:
        m = pattern.search(norm)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), label)
    return best[1] if best else None


def extract_report_type(norm: str) -> str | None:
    return _first_match(norm, _REPORT_TYPES)


def extract_format(norm: str) -> str | None:
    return _first_match(norm, _FORMATS)


@lru_cache(maxsize=256)
def _client_keys(name: str) -> tuple[str, tuple[str, ...], str]:
    norm = normalize(name)
    words: list[str] = re.findall(r"[a-z0-9]+", norm)
    distinctive = tuple(w for w in words if w not in _GENERIC_NAME_WORDS and len(w) >= 3)
    initials = "".join(w[0] for w in words if w not in _CONNECTORS)
    return norm, distinctive, initials if len(initials) >= 3 else ""


def _word_score(key: str, words: Sequence[str]) -> float:
    best = 0.0
    for word in words:
        # Short names (acronyms) must match exactly; longer ones tolerate a typo.
        if len(key) <= 4 or len(word) <= 3:
            ratio = 100.0 if word == key else 0.0
        else:
            ratio = fuzz.ratio(word, key)
        best = max(best, ratio)
    return best if best >= 84 else 0.0


def extract_client(norm: str, client_names: Sequence[str]) -> str | None:
    """Best known client named in the text: whole name, acronym or distinctive words, fuzzily.

    A name with several distinctive words needs two of them, so "nuevo" alone does not pick
    "Universidad Autonoma de Nuevo Leon".
    """
    if not client_names:
        return None
    words = re.findall(r"[a-z0-9]+", norm)
    padded = f" {' '.join(words)} "
    best: tuple[float, str] | None = None
    for name in client_names:
        full, distinctive, initials = _client_keys(name)
        if not full:
            continue
        if f" {full} " in padded or (initials and initials in words):
            score = 200.0 + len(full)
        else:
            scores = sorted((_word_score(key, words) for key in distinctive), reverse=True)
            needed = 1 if len(distinctive) == 1 else 2
            matched = [s for s in scores if s > 0]
            score = sum(matched[:needed]) / needed if len(matched) >= needed else 0.0
        if score and (best is None or score > best[0]):
            best = (score, name)
    return best[1] if best else None


def extract_entities(
    raw: str,
    intent: str,
    reference: datetime,
    client_names: Sequence[str] = (),
) -> dict[str, Any]:
    """Entities the text expresses, given the intent already predicted for it."""
    entities: dict[str, Any] = {}
    email = extract_email(raw)
    if email:
        entities["email"] = email
    without_email = EMAIL_RE.sub(" ", raw)
    phone = extract_phone(without_email)
    if phone:
        entities["phone"] = phone
    norm = normalize(mask_contacts(raw))
    ticket_id = extract_ticket_id(norm)
    if ticket_id is not None:
        entities["ticket_id"] = ticket_id
    client = extract_client(norm, client_names)
    if client:
        entities["client"] = client
    if intent == "unknown":
        return entities
    priority = extract_priority(norm)
    if priority:
        entities["priority"] = priority
    fmt = extract_format(norm)
    if fmt:
        entities["format"] = fmt
    if intent == "generate_report":
        report_type = extract_report_type(norm)
        if report_type:
            entities["report_type"] = report_type
        period = parse_period(norm, reference.date())
        if period:
            entities["period"] = {"start": period[0].isoformat(), "end": period[1].isoformat()}
    elif intent in ("schedule_visit", "send_notification", "create_ticket"):
        when_text = norm
        if intent == "send_notification":
            cut = _CONTENT_START.search(norm)
            when_text = norm[: cut.start()] if cut and cut.start() > 0 else norm
        when = parse_when(when_text, reference, future_only=intent == "create_ticket")
        if when:
            entities["when"] = when.isoformat()
    return entities


__all__ = ["extract_entities", "mask_contacts"]
