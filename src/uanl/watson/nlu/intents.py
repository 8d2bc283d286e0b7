"""Intent classification: a character/word n-gram linear model behind a few guard rules.

The rules only cover what a statistical model trained on a few hundred sentences gets wrong
in ways that matter: courtesy-only messages must never open a ticket, definition questions
("¿qué es un ticket?") mention intent words without asking for anything, and text with no
known word at all is noise.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from .entities import mask_contacts
from .normalize import normalize, tokens
from .training_data import training_examples

INTENTS = (
    "create_ticket",
    "schedule_visit",
    "send_notification",
    "generate_report",
    "ticket_status",
    "unknown",
)
# Below this probability the best guess is too weak to act on (e.g. open a ticket).
MIN_CONFIDENCE = 0.34

_COURTESY = frozenset(
    """
    hola holi hello hi hey buen buenos buenas dia dias tardes noches good morning afternoon evening
    night gracias thanks thank you mil muchas muchas muchisimas ok okay va sale perfecto excelente
    genial great cool bye adios hasta luego pronto nos vemos see later saludos que tal onda como
    estas esta estan oye de acuerdo entendido listo muy bien todo eso es all that's s a the so
    much cheers alright yes si no nada please porfa favor por lo agradezco te le gracia mucho
    """.split()
)
_DEFINITION_RE = re.compile(
    r"^(?:oye |y )?(?:que|what)\s+(?:es|son|significa|quiere decir|is|are|does)\s+"
    r"(?:un|una|el|la|los|las|a|an|the)?\s*[a-z]+(?:\s+[a-z]+)?(?:\s+mean)?\s*$"
    r"|\b(?:para que sirve|que significa|diferencia entre|difference between|what does .* mean)\b"
)
# Failure wording (incl. Mexican "no jala", "se cayó"): a message describing a breakdown is a
# ticket even when the model, unsure about unfamiliar nouns, leans towards "unknown".
_FAILURE_RE = re.compile(
    r"\bno (?:me )?(?:jala|jalan|sirve|sirven|funciona|funcionan|prende|enciende|carga|abre|"
    r"conecta|imprime|responde|contesta|puedo|deja|da|llega|llegan|arranca|detecta|reconoce|lee)\b"
    r"|\bse (?:cayo|cae|trabo|traba|congelo|descompuso|apago|reinicia|borro|colgo|quemo|rompio)\b"
    r"|\b(?:esta|estan|anda|andan) (?:caido|caida|fallando|lento|lenta|trabado|descompuesto)\b"
    r"|\b(?:falla|fallas|fallando|error|averia|descompuesto|descompuesta|caido|caida)\b"
    r"|\b(?:broken|not working|doesn't work|isn't working|won't|can't|cannot|crash|crashes|"
    r"crashed|is down|are down|stopped working|failing|fails|failed|outage|error|errors)\b"
)
_NUMBER_RE = re.compile(r"\d+")


def prepare(text: str) -> str:
    """Text as the classifier sees it: normalised, contacts masked, numbers collapsed."""
    return _NUMBER_RE.sub("9", normalize(mask_contacts(text)))


@dataclass(frozen=True)
class IntentResult:
    intent: str
    confidence: float


class IntentClassifier:
    def __init__(self) -> None:
        # scikit-learn (with SciPy and NumPy, ~100 MB resident) is imported only when the
        # model is first built: API processes that never understand text don't carry it.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        examples = training_examples()
        texts = [prepare(t) for t, _ in examples]
        labels = [label for _, label in examples]
        features = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
                (
                    "words",
                    TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
                ),
            ]
        )
        self.pipeline: Any = Pipeline(
            [
                ("features", features),
                ("model", LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced")),
            ]
        )
        self.pipeline.fit(texts, labels)
        self.classes: list[str] = list(self.pipeline.classes_)
        self.vocabulary: frozenset[str] = frozenset(tok for t in texts for tok in tokens(t))

    def predict(self, text: str) -> IntentResult:
        prepared = prepare(text)
        words = tokens(prepared)
        if not words:
            return IntentResult("unknown", 0.99)
        if all(w in _COURTESY for w in words):
            return IntentResult("unknown", 0.97)
        if _DEFINITION_RE.search(prepared):
            return IntentResult("unknown", 0.9)
        if not any(w in self.vocabulary and len(w) > 2 for w in words):
            return IntentResult("unknown", 0.9)
        probabilities = self.pipeline.predict_proba([prepared])[0]
        best = max(range(len(probabilities)), key=lambda i: float(probabilities[i]))
        intent, confidence = self.classes[best], float(probabilities[best])
        if intent == "unknown" or confidence < MIN_CONFIDENCE:
            if _FAILURE_RE.search(prepared):
                ticket = float(probabilities[self.classes.index("create_ticket")])
                return IntentResult("create_ticket", round(max(ticket, 0.5), 4))
        if confidence < MIN_CONFIDENCE:
            return IntentResult("unknown", round(1.0 - confidence, 4))
        return IntentResult(intent, round(confidence, 4))


_model: IntentClassifier | None = None
_lock = threading.Lock()


def get_classifier() -> IntentClassifier:
    """Train once per process on first use; later callers reuse the same model."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = IntentClassifier()
    return _model


def classify(text: str) -> IntentResult:
    return get_classifier().predict(text)
