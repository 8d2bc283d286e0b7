"""Composing the `Message` a channel sends from a notification row: the HTML of an e-mail
(rendered again from its template), its stable Message-ID, link and report attachment."""

from __future__ import annotations

import html as html_lib
from typing import Any

from uanl.core.config import Settings
from uanl.models import Notification, NotificationChannel
from uanl.notifications.channels import Message, PermanentError
from uanl.notifications.render import render, template_exists
from uanl.reports.storage import get_storage


def build_message(row: Notification, settings: Settings) -> Message:
    context = row.context or {}
    html: str | None = None
    if row.channel == NotificationChannel.email:
        if row.template and template_exists(row.template):
            try:
                html = render(
                    row.template, row.language.value, context, timezone=settings.timezone
                ).html
            except Exception as exc:  # noqa: BLE001 - shown on the row
                raise PermanentError(f"template error: {type(exc).__name__}: {exc}") from exc
        else:
            html = "<p>" + html_lib.escape(row.body or "").replace("\n", "<br>") + "</p>"
    domain = settings.smtp_from.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return Message(
        notification_id=row.id,
        channel=row.channel,
        to=row.recipient,
        subject=row.subject or "",
        text=row.body or "",
        html=html,
        link=context.get("ticket_url") or context.get("report_url"),
        language=row.language.value,
        message_id=f"<uanl-notification-{row.id}@{domain}>",
        extra={"adhoc": row.event == "adhoc"},
        attachments=_attachments(row, context),
    )


def _attachments(row: Notification, context: dict[str, Any]) -> list[tuple[str, str, bytes]]:
    """A report file to attach (e-mail only), read from storage at delivery time.

    If the file has already been cleaned up (retention), the e-mail still carries the link
    and says when it expired; nothing fails."""
    spec = context.get("attachment")
    if row.channel != NotificationChannel.email or not isinstance(spec, dict):
        return []
    storage = get_storage()
    key = str(spec.get("storage_key") or "")
    if not key or not storage.exists(key):
        return []
    with storage.open_read(key) as fh:
        data = fh.read()
    return [(str(spec["filename"]), str(spec["content_type"]), data)]
