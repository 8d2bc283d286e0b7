"""Jinja2 rendering of notifications: one template per event and language, three blocks.

`templates/<name>.<lang>.jinja` defines `subject`, `text` and `html`; the HTML block is
wrapped in `_layout.html.jinja`. Subject and text render without escaping, HTML with it
(two environments over the same files). Spanish is the default; English on request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("es", "en")

STATES = {
    "es": {
        "new": "nuevo",
        "open": "abierto",
        "in_progress": "en proceso",
        "waiting": "en espera",
        "resolved": "resuelto",
        "closed": "cerrado",
        "cancelled": "cancelado",
    },
    "en": {
        "new": "new",
        "open": "open",
        "in_progress": "in progress",
        "waiting": "waiting",
        "resolved": "resolved",
        "closed": "closed",
        "cancelled": "cancelled",
    },
}
PRIORITIES = {
    "es": {"low": "baja", "medium": "media", "high": "alta", "urgent": "urgente"},
    "en": {"low": "low", "medium": "medium", "high": "high", "urgent": "urgent"},
}
DAYS = {
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
MONTHS = {
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
LINK_LABELS = {
    "es": {"ticket": "Ver ticket", "report": "Descargar reporte"},
    "en": {"ticket": "View ticket", "report": "Download report"},
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _lang(value: str | None) -> str:
    return value if value in LANGUAGES else "es"


def format_when(value: Any, lang: str, tz: ZoneInfo, style: str = "full") -> str:
    """`lunes 7 de diciembre de 2026, 10:00 h` / `Monday, December 7, 2026, 10:00`."""
    if value in (None, ""):
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = instant.astimezone(tz)
    hhmm = local.strftime("%H:%M")
    if style == "time":
        return f"{hhmm} h" if lang == "es" else hhmm
    day, month = DAYS[lang][local.weekday()], MONTHS[lang][local.month - 1]
    if lang == "en":
        return f"{day}, {month} {local.day}, {local.year}, {hhmm}"
    return f"{day} {local.day} de {month} de {local.year}, {hhmm} h"


@lru_cache(maxsize=4)
def _environment(html: bool, timezone: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    tz = ZoneInfo(timezone)
    env.filters["when"] = lambda v, lang, style="full": format_when(v, _lang(lang), tz, style)
    env.filters["state"] = lambda v, lang: STATES[_lang(lang)].get(str(v), str(v))
    env.filters["priority"] = lambda v, lang: PRIORITIES[_lang(lang)].get(str(v), str(v))
    return env


def template_exists(name: str) -> bool:
    return (TEMPLATES / f"{name}.es.jinja").exists()


def render(
    name: str,
    language: str | None,
    context: dict[str, Any],
    *,
    timezone: str,
    html: bool = True,
) -> Rendered:
    """Render subject, text and HTML of template `name` in `language` (Spanish fallback).

    ``html=False`` skips the HTML (``Rendered.html`` is empty): rows store only subject and
    text, and the HTML is rendered when the e-mail is built for delivery."""
    lang = _lang(language)
    values = {**context, "lang": lang}
    text_env, html_env = _environment(False, timezone), _environment(True, timezone)
    try:
        text_tpl = text_env.get_template(f"{name}.{lang}.jinja")
        html_tpl = html_env.get_template(f"{name}.{lang}.jinja") if html else None
    except TemplateNotFound:
        if lang == "es":
            raise
        return render(name, "es", context, timezone=timezone, html=html)
    subject = _block(text_env, text_tpl, "subject", values)
    text = _block(text_env, text_tpl, "text", values)
    if html_tpl is None:
        return Rendered(subject=_one_line(subject), text=text, html="")
    inner = _block(html_env, html_tpl, "html", values)
    link = context.get("report_url") or context.get("ticket_url")
    kind = "report" if context.get("report_url") else "ticket"
    page = html_env.get_template("_layout.html.jinja").render(
        lang=lang,
        subject=subject,
        content=Markup(inner),
        link=link,
        link_label=LINK_LABELS[lang][kind],
    )
    return Rendered(subject=_one_line(subject), text=text, html=page)


def _one_line(subject: str) -> str:
    return re.sub(r"\s+", " ", subject).strip()[:300]


def _block(env: Environment, template: Any, block: str, values: dict[str, Any]) -> str:
    ctx = template.new_context(values)
    out = "".join(template.blocks[block](ctx))
    return re.sub(r"\n{3,}", "\n\n", out).strip() + ("\n" if block == "text" else "")
