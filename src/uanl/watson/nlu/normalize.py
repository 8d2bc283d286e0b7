"""Text normalisation shared by the classifier and the entity rules.

Everything downstream works on the same canonical form (lowercase, no accents, punctuation
reduced to spaces, common typos corrected) so that rules are written once, without accents.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

# Words that rules and the classifier key on. A misspelt token close to one of them (and not
# itself a word we know) is rewritten, so "urjente", "tikcet" or "diciembe" still match.
KEYWORDS: frozenset[str] = frozenset(
    """
    ticket tickets folio folios reporte reportes reportar informe incidencia incidencias
    urgente urgentisimo urgent emergencia emergency critico critica critical prioridad priority
    importante important manana pasado proximo proxima siguiente mediodia medianoche noon
    midnight tomorrow today yesterday lunes martes miercoles jueves viernes sabado domingo
    monday tuesday wednesday thursday friday saturday sunday enero febrero marzo abril mayo
    junio julio agosto septiembre setiembre octubre noviembre diciembre january february march
    april june july august september october november december semana semanas ultimos ultimas
    llamadas llamada operadores operador agentes calls operators agents excel visita visitas
    tecnico tecnica agendar agenda programar programa schedule notificacion notificaciones
    notifica notificar avisale mensaje correo email whatsapp estatus status estado seguimiento
    genera generar generate estadisticas exporta exportar export semanal mensual funciona
    servidor impresora sistema internet computadora schedule appointment technician
    """.split()
)

# Common words that sit within one edit of a keyword but must stay as they are.
_PROTECTED: frozenset[str] = frozenset(
    """
    martes marte mayo mayor junio julio llamado llamar agente operar tecnicos visito
    programo agendo reporto reporta reporten report reports status estados informes
    ticketera mensajes correos manzana semanal mensual estas esta este estos pasada pesado
    ultimo ultima general informa informar informes expert
    """.split()
)

_SPACE_RE = re.compile(r"\s+")
# Keep characters that carry meaning for the rules: digits, ':' in times, '/' in dates,
# '#' before ticket numbers, '@' and '.' in e-mails, '+' in phone numbers.
_PUNCT_RE = re.compile(r"[^\w\s:/#@.+\-']")
_TOKEN_RE = re.compile(r"[a-z]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=4096)
def correct_token(token: str) -> str:
    """Map a likely misspelling to its keyword; leave known and short words alone."""
    if len(token) < 6 or token in KEYWORDS or token in _PROTECTED:
        return token
    # One edit for ordinary words, two for long ones: short words have too many neighbours.
    max_edits = 2 if len(token) >= 9 else 1
    match = extractOne(token, KEYWORDS, scorer=OSA.distance, score_cutoff=max_edits)
    return match[0] if match is not None else token


def normalize(text: str) -> str:
    """Lowercase, strip accents, turn stray punctuation into spaces and fix typos."""
    text = strip_accents(text.lower())
    text = _PUNCT_RE.sub(" ", text)
    # Sentence-final dots and commas are noise, but dots inside "5.30" or "a.m." are not.
    text = re.sub(r"(?<!\w)[.\-]|[.\-](?!\w)", " ", text)
    # ':' and '/' only matter inside times and dates ("10:30", "10/12").
    text = re.sub(r"(?<!\d)[:/]|[:/](?!\d)", " ", text)
    text = _TOKEN_RE.sub(lambda m: correct_token(m.group(0)), text)
    return _SPACE_RE.sub(" ", text).strip()


def tokens(normalized: str) -> list[str]:
    return _TOKEN_RE.findall(normalized)


_ES_HINTS = frozenset(
    """
    el la los las de del que en un una por para con mi mis su no es esta hoy manana ayer
    quiero necesito dame genera reporte favor hola gracias buenos buenas se ya como cual
    agenda programa visita manda envia avisa sirve jala funciona semana mes pasado proximo
    al lo le y o pero muy donde cuando quien que tal usted tu nos hay estatus folio caso
    sin sigue porque tengo tiene hace mas ni todo todos ese eso aqui puede pueden puedo sus
    otra otro otra vez ayuda llamadas tarde noche dias mes ano cuantos cuantas hubo desde
    """.split()
)
_EN_HINTS = frozenset(
    """
    the a an of to in on for with my your is are it this that please i we you can need want
    hi hello thanks thank good morning evening what who how when where send still yet
    schedule tomorrow today yesterday last next week month year from at and or not be does
    have has any visit notify open create generate give me show keeps won't doesn't can't
    broken working down there our us were was did do new some all as by
    """.split()
)


def detect_language(text: str, locale: str | None = None) -> str:
    """Guess "es" or "en" from function words; accents and inverted marks decide for Spanish."""
    es_score = 0.0
    en_score = 0.0
    if re.search(r"[áéíóúñ¿¡]", text.lower()):
        es_score += 2
    for tok in tokens(normalize(text)):
        if tok in _ES_HINTS:
            es_score += 1
        if tok in _EN_HINTS:
            en_score += 1
    if es_score > en_score:
        return "es"
    if en_score > es_score:
        return "en"
    if locale and locale.lower().startswith("en"):
        return "en"
    return "es"
