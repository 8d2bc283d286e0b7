"""Channels against real loopback servers: SMTP (plain, STARTTLS, TLS), Slack, Teams, Twilio."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.notifications.fakes import (
    HttpRecorder,
    SmtpServer,
    self_signed_cert,
    server_tls_context,
)
from uanl.core.config import Settings
from uanl.models import NotificationChannel
from uanl.notifications import channels
from uanl.notifications.channels import (
    EmailChannel,
    Message,
    PermanentError,
    SlackChannel,
    TeamsChannel,
    TransientError,
    TwilioSmsChannel,
)


@pytest.fixture(autouse=True)
def _fresh_smtp_pool() -> None:
    channels._drop_connection()


@pytest.fixture
def base(tmp_path: Path) -> Settings:
    return make_settings(None, tmp_path)


def msg(channel: NotificationChannel = NotificationChannel.email, to: str = "ana@cliente.mx"):
    return Message(
        notification_id=7,
        channel=channel,
        to=to,
        subject="[Ticket #7] Resuelto: Impresora",
        text="Resolvimos su ticket #7.",
        html="<p>Resolvimos su ticket <b>#7</b>.</p>",
        link="https://mesa.example.mx/tickets/7",
        message_id="<uanl-notification-7@example.mx>",
    )


def test_email_plain_smtp_text_and_html(base: Settings) -> None:
    server = SmtpServer().start()
    try:
        note = EmailChannel().send(msg(), server.settings(base))
        assert note.startswith("smtp 127.0.0.1")
        [received] = server.messages
        assert received["To"] == "ana@cliente.mx"
        assert received["Message-ID"] == "<uanl-notification-7@example.mx>"
        assert received["Auto-Submitted"] == "auto-generated"
        assert received.get_body(("plain",)).get_content().startswith("Resolvimos")
        assert "<b>#7</b>" in received.get_body(("html",)).get_content()
        # The connection is reused for the next message (no new handshake).
        EmailChannel().send(msg(to="b@cliente.mx"), server.settings(base))
        assert len(server.messages) == 2
    finally:
        server.stop()


def test_smtp_421_is_transient_and_550_permanent(base: Settings) -> None:
    server = SmtpServer().start()
    try:
        s = server.settings(base)
        server.answer_data("421 4.3.2 Service shutting down, try later")
        with pytest.raises(TransientError, match="421"):
            EmailChannel().send(msg(), s)
        server.answer_data("550 5.1.1 Mailbox does not exist")
        with pytest.raises(PermanentError, match="550 5.1.1 Mailbox does not exist"):
            EmailChannel().send(msg(), s)
        server.answer_rcpt("450 4.2.1 Mailbox busy")
        with pytest.raises(TransientError, match="450"):
            EmailChannel().send(msg(), s)
        server.answer_rcpt("553 5.1.3 Bad recipient address syntax")
        with pytest.raises(PermanentError, match="553"):
            EmailChannel().send(msg(), s)
        assert server.messages == []
        EmailChannel().send(msg(), s)
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_smtp_down_is_transient_then_works_after_restart(base: Settings) -> None:
    server = SmtpServer().start()
    s = server.settings(base)
    EmailChannel().send(msg(), s)  # leaves a pooled connection behind
    server.stop()
    with pytest.raises(TransientError, match="unreachable"):
        EmailChannel().send(msg(), s)
    server.start()
    try:
        EmailChannel().send(msg(), s)
        assert len(server.messages) == 2
    finally:
        server.stop()


def test_starttls_and_implicit_tls(
    base: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed_cert(tmp_path)
    untrusted = SmtpServer(starttls=server_tls_context(cert, key)).start()
    try:
        # Not trusted yet: a certificate problem is configuration, not worth retrying.
        with pytest.raises(PermanentError, match="certificate"):
            EmailChannel().send(msg(), untrusted.settings(base))
    finally:
        untrusted.stop()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for server in (
        SmtpServer(starttls=server_tls_context(cert, key)),
        SmtpServer(implicit_tls=server_tls_context(cert, key)),
    ):
        server.start()
        try:
            channels._drop_connection()
            EmailChannel().send(msg(), server.settings(base))
            assert len(server.messages) == 1
        finally:
            server.stop()
    # A plain server when STARTTLS is required by the settings: permanent (misconfigured).
    plain = SmtpServer().start()
    try:
        with pytest.raises(PermanentError, match="STARTTLS"):
            EmailChannel().send(msg(), plain.settings(base, smtp_security="starttls"))
    finally:
        plain.stop()


def test_outbox_without_smtp_host(base: Settings) -> None:
    note = EmailChannel().send(msg(), base)
    path = Path(note.removeprefix("outbox "))
    assert path.parent == base.data_dir / "outbox"
    content = path.read_text()
    assert "Subject: [Ticket #7] Resuelto: Impresora" in content
    production = base.model_copy(update={"uanl_env": "production"})
    with pytest.raises(PermanentError, match="SMTP_HOST"):
        EmailChannel().send(msg(), production)


def test_slack_payload_and_classification(base: Settings) -> None:
    hook = HttpRecorder(200, "ok")
    try:
        s = base.model_copy(update={"slack_webhook_url": hook.url + "/services/T1/B2/XYZ"})
        SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), s)
        [req] = hook.requests
        assert req.path == "/services/T1/B2/XYZ"
        assert req.headers["Content-Type"] == "application/json"
        payload = req.json()
        assert payload["text"].startswith("[Ticket #7] Resuelto")
        assert payload["blocks"][0] == {
            "type": "header",
            "text": {"type": "plain_text", "text": "[Ticket #7] Resuelto: Impresora"},
        }
        button = payload["blocks"][-1]["elements"][0]
        assert button["url"] == "https://mesa.example.mx/tickets/7"
        hook.fail_next(1, 500, "internal_error")
        with pytest.raises(TransientError, match="HTTP 500"):
            SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), s)
        hook.fail_next(1, 429, "rate_limited", {"Retry-After": "7"})
        with pytest.raises(TransientError) as exc:
            SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), s)
        assert exc.value.retry_after == 7
        hook.fail_next(1, 400, "invalid_payload")
        with pytest.raises(PermanentError, match="HTTP 400: invalid_payload"):
            SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), s)
        hook.fail_next(1, 404, "no_service")
        with pytest.raises(PermanentError, match="no_service"):
            SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), s)
        assert len(hook.requests) == 1
        with pytest.raises(PermanentError, match="SLACK_WEBHOOK_URL"):
            SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), base)
    finally:
        hook.close()


def test_teams_adaptive_card(base: Settings) -> None:
    hook = HttpRecorder(200, "1")
    try:
        s = base.model_copy(update={"teams_webhook_url": hook.url + "/webhookb2/abc"})
        TeamsChannel().send(msg(NotificationChannel.teams, "teams-webhook"), s)
        payload = hook.requests[0].json()
        assert payload["type"] == "message"
        [attachment] = payload["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
        assert card["body"][0]["text"] == "[Ticket #7] Resuelto: Impresora"
        assert card["actions"][0] == {
            "type": "Action.OpenUrl",
            "title": "Abrir ticket",
            "url": "https://mesa.example.mx/tickets/7",
        }
        hook.fail_next(1, 503, "busy")
        with pytest.raises(TransientError, match="503"):
            TeamsChannel().send(msg(NotificationChannel.teams, "teams-webhook"), s)
        # Legacy connectors report throttling inside a 200 answer.
        hook.fail_next(1, 200, "Microsoft Teams endpoint returned HTTP error 429")
        with pytest.raises(TransientError, match="throttled"):
            TeamsChannel().send(msg(NotificationChannel.teams, "teams-webhook"), s)
    finally:
        hook.close()


def test_twilio_rest_format_and_errors(base: Settings) -> None:
    hook = HttpRecorder(201, '{"sid": "SMabc", "status": "queued"}', "application/json")
    sid = "AC0123456789abcdef0123456789abcdef"
    try:
        s = base.model_copy(
            update={
                "twilio_base_url": hook.url,
                "twilio_account_sid": sid,
                "twilio_auth_token": "secreto",
                "twilio_from": "+15005550006",
            }
        )
        note = TwilioSmsChannel().send(msg(NotificationChannel.sms, "+528112345678"), s)
        assert note == "twilio HTTP 201 SMabc"
        [req] = hook.requests
        assert req.path == f"/2010-04-01/Accounts/{sid}/Messages.json"
        assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
        import base64

        assert (
            req.headers["Authorization"]
            == "Basic " + base64.b64encode(f"{sid}:secreto".encode()).decode()
        )
        form = req.form()
        assert form["To"] == "+528112345678" and form["From"] == "+15005550006"
        assert form["Body"].startswith("[Ticket #7] Resuelto") and "tickets/7" in form["Body"]
        hook.fail_next(
            1,
            400,
            '{"code": 21211, "message": "The \'To\' number is not a valid phone number.", '
            '"status": 400}',
        )
        with pytest.raises(PermanentError, match="Twilio 21211: The 'To' number"):
            TwilioSmsChannel().send(msg(NotificationChannel.sms, "+52123"), s)
        hook.fail_next(1, 429, '{"code": 20429, "message": "Too Many Requests"}')
        with pytest.raises(TransientError, match="20429"):
            TwilioSmsChannel().send(msg(NotificationChannel.sms, "+528112345678"), s)
        hook.fail_next(1, 500, "")
        with pytest.raises(TransientError):
            TwilioSmsChannel().send(msg(NotificationChannel.sms, "+528112345678"), s)
        with pytest.raises(PermanentError, match="not configured"):
            TwilioSmsChannel().send(msg(NotificationChannel.sms, "+528112345678"), base)
    finally:
        hook.close()


def test_unreachable_webhook_is_transient(base: Settings) -> None:
    from tests.notifications.fakes import free_port

    s = base.model_copy(
        update={"slack_webhook_url": f"http://127.0.0.1:{free_port()}/x", "smtp_timeout_s": 2}
    )
    with pytest.raises(TransientError, match="unreachable"):
        SlackChannel().send(msg(NotificationChannel.slack, "slack-webhook"), s)
