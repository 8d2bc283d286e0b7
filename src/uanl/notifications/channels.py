"""Delivery channels: SMTP e-mail, Slack and Teams incoming webhooks, Twilio SMS.

Each channel sends one `Message` and either returns a short delivery note or raises
`TransientError` (worth retrying: SMTP 4xx, timeouts, refused connections, HTTP 5xx/429)
or `PermanentError` (retrying cannot help: SMTP 5xx, HTTP 4xx, missing configuration).
HTTP goes through the standard library so the channels add no runtime dependency.
"""

from __future__ import annotations

import base64
import json
import re
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from loguru import logger

from uanl.core.config import Settings
from uanl.models import NotificationChannel


class DeliveryError(Exception):
    """A send that did not happen; `reason` is what the row's last_error shows."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """Try again later (with backoff)."""


class PermanentError(DeliveryError):
    """Fail now: the same request will never succeed."""


@dataclass
class Message:
    notification_id: int
    channel: NotificationChannel
    to: str
    subject: str
    text: str
    html: str | None = None
    link: str | None = None
    language: str = "es"
    # Stable per row, so a receiving MTA or mail client can recognise a redelivery.
    message_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # (filename, content type, bytes): sent by e-mail only.
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


class Channel(Protocol):
    def send(self, msg: Message, settings: Settings) -> str: ...


# --------------------------------------------------------------------------- e-mail


def build_email(msg: Message, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = msg.subject
    email["From"] = settings.smtp_from
    email["To"] = msg.to
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = msg.message_id or make_msgid(domain="uanl.local")
    email["Content-Language"] = msg.language
    email["Auto-Submitted"] = "auto-generated"
    email["X-UANL-Notification-Id"] = str(msg.notification_id)
    email.set_content(msg.text)
    if msg.html:
        email.add_alternative(msg.html, subtype="html")
    for filename, content_type, data in msg.attachments:
        maintype, _, subtype = content_type.partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return email


def classify_smtp(exc: BaseException) -> DeliveryError:
    """SMTP 4xx and network trouble are transient; 5xx and protocol refusals permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{rcpt}: {code} {_text(resp)}" for rcpt, (code, resp) in exc.recipients.items()
        )
        if codes and all(400 <= c < 500 for c in codes):
            return TransientError(f"SMTP recipient deferred: {detail}")
        return PermanentError(f"SMTP recipient refused: {detail}")
    if isinstance(exc, smtplib.SMTPResponseException):
        reason = f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            return TransientError(reason)
        return PermanentError(reason)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentError(f"SMTP server does not support it: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentError(f"SMTP TLS certificate rejected: {exc.verify_message or exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError | TimeoutError):
        return TransientError(f"SMTP unreachable: {type(exc).__name__}: {exc}")
    return TransientError(f"SMTP error: {type(exc).__name__}: {exc}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class _SmtpPool(threading.local):
    """One open SMTP connection per thread, reused while fresh (saves the TLS handshake)."""

    conn: smtplib.SMTP | None = None
    key: tuple[Any, ...] | None = None
    used_at: float = 0.0


_pool = _SmtpPool()
IDLE_REUSE_S = 20.0


def _connect(settings: Settings) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.smtp_timeout_s
    conn: smtplib.SMTP
    if settings.smtp_security == "ssl":
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
        if settings.smtp_security == "starttls":
            conn.starttls(context=ssl.create_default_context())
    if settings.smtp_user:
        conn.login(settings.smtp_user, settings.smtp_password or "")
    return conn


def _drop_connection() -> None:
    conn, _pool.conn, _pool.key = _pool.conn, None, None
    if conn is not None:
        try:
            conn.quit()
        except Exception:  # noqa: BLE001 - it is being thrown away
            conn.close()


class EmailChannel:
    """SMTP with STARTTLS, implicit TLS or plain; a local outbox when SMTP_HOST is unset."""

    def send(self, msg: Message, settings: Settings) -> str:
        email = build_email(msg, settings)
        if not settings.smtp_host:
            if settings.is_production:
                raise PermanentError("SMTP_HOST is not configured")
            return self._to_outbox(msg, email, settings.data_dir / "outbox")
        key = (
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_user,
        )
        fresh = _pool.conn is not None and time.monotonic() - _pool.used_at < IDLE_REUSE_S
        if _pool.conn is not None and (_pool.key != key or not fresh):
            _drop_connection()
        for attempt in (1, 2):
            reused = _pool.conn is not None
            try:
                if _pool.conn is None:
                    _pool.conn, _pool.key = _connect(settings), key
                _pool.conn.send_message(email)
                _pool.used_at = time.monotonic()
                return f"smtp {settings.smtp_host}:{settings.smtp_port}"
            except smtplib.SMTPServerDisconnected as exc:
                _drop_connection()
                # A reused connection the server had closed: nothing was sent, reconnect once.
                if reused and attempt == 1:
                    continue
                raise classify_smtp(exc) from exc
            except Exception as exc:  # noqa: BLE001 - every failure is classified
                _drop_connection()
                raise classify_smtp(exc) from exc
        raise TransientError("SMTP connection lost")  # pragma: no cover - loop always returns

    @staticmethod
    def _to_outbox(msg: Message, email: EmailMessage, outbox: Path) -> str:
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{msg.notification_id:08d}.eml"
        path.write_bytes(email.as_bytes())
        # The file is the (development) delivered mail; the log line names no address.
        logger.info(
            "outbox: notification {} «{}» written to {}", msg.notification_id, msg.subject, path
        )
        return f"outbox {path}"


# --------------------------------------------------------------------------- HTTP


def http_post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST and return (status, text); classify what is not 2xx."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "uanl-service-desk/1")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        text = exc.read(2048).decode("utf-8", "replace") if exc.fp else ""
        raise classify_http(exc.code, text, exc.headers.get("Retry-After")) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientError(f"HTTP unreachable: {reason}") from exc


def classify_http(status: int, text: str, retry_after: str | None = None) -> DeliveryError:
    reason = f"HTTP {status}: {text.strip()[:300]}".rstrip(": ")
    if status == 429 or status == 408 or status >= 500:
        return TransientError(reason, retry_after=_seconds(retry_after))
    return PermanentError(reason)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _webhook_url(msg: Message, configured: str | None, name: str) -> str:
    if msg.to.startswith(("https://", "http://")):
        return msg.to
    if not configured:
        raise PermanentError(f"{name} is not configured")
    return configured


def _post_json(url: str, payload: dict[str, Any], settings: Settings) -> tuple[int, str]:
    return http_post(
        url, json.dumps(payload).encode(), "application/json", timeout=settings.smtp_timeout_s
    )


class SlackChannel:
    """Slack incoming webhook: `text` as the fallback plus Block Kit blocks."""

    def send(self, msg: Message, settings: Settings) -> str:
        url = _webhook_url(msg, settings.slack_webhook_url, "SLACK_WEBHOOK_URL")
        status, _ = _post_json(url, slack_payload(msg), settings)
        return f"slack HTTP {status}"


def slack_payload(msg: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": msg.subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": msg.text[:2900]}},
    ]
    if msg.link:
        label = "Open ticket" if msg.language == "en" else "Abrir ticket"
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": label},
                        "url": msg.link,
                    }
                ],
            }
        )
    return {"text": f"{msg.subject}\n{msg.text}"[:3000], "blocks": blocks}


class TeamsChannel:
    """Teams incoming webhook / Workflows: a message with one Adaptive Card attachment."""

    def send(self, msg: Message, settings: Settings) -> str:
        url = _webhook_url(msg, settings.teams_webhook_url, "TEAMS_WEBHOOK_URL")
        status, text = _post_json(url, teams_payload(msg), settings)
        # Legacy Office 365 connectors answer 200 with the error (e.g. throttling) in the body.
        if re.search(r"HTTP error 429|throttl", text, re.IGNORECASE):
            raise TransientError(f"Teams throttled: {text[:200]}")
        return f"teams HTTP {status}"


def teams_payload(msg: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": msg.subject},
        {"type": "TextBlock", "text": msg.text, "wrap": True},
    ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if msg.link:
        label = "Open ticket" if msg.language == "en" else "Abrir ticket"
        card["actions"] = [{"type": "Action.OpenUrl", "title": label, "url": msg.link}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


class TwilioSmsChannel:
    """Twilio Programmable Messaging: form POST to Accounts/{sid}/Messages.json."""

    def send(self, msg: Message, settings: Settings) -> str:
        sid, token = settings.twilio_account_sid, settings.twilio_auth_token
        if not (sid and token and settings.twilio_from):
            raise PermanentError(
                "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)"
            )
        url = f"{settings.twilio_base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        form = urllib.parse.urlencode(
            {"To": msg.to, "From": settings.twilio_from, "Body": sms_text(msg)}
        ).encode()
        auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
        try:
            status, text = http_post(
                url,
                form,
                "application/x-www-form-urlencoded",
                timeout=settings.smtp_timeout_s,
                headers={"Authorization": f"Basic {auth}"},
            )
        except DeliveryError as exc:
            raise type(exc)(_twilio_reason(exc.reason), retry_after=exc.retry_after) from exc
        try:
            message_sid = json.loads(text).get("sid")
        except (ValueError, AttributeError):
            message_sid = None
        return f"twilio HTTP {status} {message_sid or ''}".strip()


def to_e164(phone: str, default_country: str = "52") -> str:
    """Stored phones keep a leading + when given; bare 10-digit numbers are Mexican."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+"):
        return "+" + digits
    return f"+{default_country}{digits}" if len(digits) == 10 else "+" + digits


def sms_text(msg: Message) -> str:
    text = msg.subject if not msg.link else f"{msg.subject} {msg.link}"
    if msg.extra.get("adhoc"):
        text = msg.text
    return text.strip()[:480]


def _twilio_reason(reason: str) -> str:
    """Twilio errors are JSON `{code, message, more_info}`: show its code and message."""
    head, _, body = reason.partition(": ")
    try:
        data = json.loads(body)
        return f"{head}: Twilio {data.get('code')}: {data.get('message')}"
    except (ValueError, AttributeError):
        return reason


CHANNELS: dict[NotificationChannel, Channel] = {
    NotificationChannel.email: EmailChannel(),
    NotificationChannel.slack: SlackChannel(),
    NotificationChannel.teams: TeamsChannel(),
    NotificationChannel.sms: TwilioSmsChannel(),
}
