"""Natural-language understanding for Watson Orchestrate requests (Spanish and English).

``analyze`` turns one utterance into an intent, a confidence, the language and the entities the
text expresses. Everything runs in-process: the intent model is trained from examples shipped in
this package on first use and cached for the life of the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .entities import extract_entities
from .intents import INTENTS, classify, get_classifier
from .normalize import detect_language

DEFAULT_TIMEZONE = "America/Monterrey"


@dataclass(frozen=True)
class Analysis:
    intent: str
    confidence: float
    language: str
    entities: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "language": self.language,
            "entities": dict(self.entities),
        }


def _reference(reference_time: datetime | None, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    if reference_time is None:
        return datetime.now(zone)
    if reference_time.tzinfo is None:
        # A naive reference is taken to be wall-clock time in the requested zone.
        return reference_time.replace(tzinfo=zone)
    return reference_time.astimezone(zone)


def analyze(
    text: str,
    reference_time: datetime | None = None,
    tz: str = DEFAULT_TIMEZONE,
    client_names: Sequence[str] = (),
    locale: str | None = None,
) -> Analysis:
    """Classify ``text`` and extract its entities, resolving dates against ``reference_time``."""
    text = text or ""
    reference = _reference(reference_time, tz)
    result = classify(text)
    entities = extract_entities(text, result.intent, reference, client_names)
    return Analysis(
        intent=result.intent,
        confidence=result.confidence,
        language=detect_language(text, locale),
        entities=entities,
    )


def warm_up() -> None:
    """Train the model now instead of on the first request (e.g. at application start-up)."""
    get_classifier()


__all__ = ["DEFAULT_TIMEZONE", "INTENTS", "Analysis", "analyze", "warm_up"]
