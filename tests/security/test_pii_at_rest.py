"""Issue 12, item 3: a client's e-mail, phone and RFC are nowhere at rest in plaintext.

A client is created through the API, tickets for it are created with an Idempotency-Key
(so the replay bodies are stored) and replayed, notifications and a Watson exchange name
it, and its contact data is edited. Then every byte the service keeps is searched: the
`pg_dump` of schema uanl (PostgreSQL) or the SQLite file with its -wal/-shm, every file
under the data dir (queue messages, reports, outbox...) and an INFO log file, for the
values as sent, their stored (normalised) forms and case variations.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from loguru import logger
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import Backend, auth_header, make_operator
from tests.factories import raw_store
from tests.watson.watson_fixtures import key_headers, world, wsettings
from uanl.backup.keyrotation import rotate
from uanl.core import db as dbmod
from uanl.core.crypto import generate_key, key_id, parse_key
from uanl.core.validators import rfc_check_digit
from uanl.models import Role

__all__ = ["world", "wsettings"]

TAG = uuid.uuid4().hex[:6]
# Unique per run, so files left in the session's data dir by other tests cannot match.
EMAIL = f"Xochitl.Quintanilla.{TAG}@Ferreteria-Sabinas.mx"
PHONE_DIGITS = f"866{int(TAG, 16) % 10_000_000:07d}"
PHONE = f"+52 ({PHONE_DIGITS[:3]}) {PHONE_DIGITS[3:6]}-{PHONE_DIGITS[6:]}"


def _rfc() -> str:
    """A valid company RFC (3 letters, YYMMDD, homoclave with its check digit)."""
    day = int(TAG, 16) % 28 + 1
    base = f"QXS9203{day:02d}{TAG[0].upper()}{TAG[1].upper()}"
    return base + rfc_check_digit(base)


RFC = _rfc()
NEEDLES = {
    "email": EMAIL.lower(),  # case-insensitive search below covers every case variation
    "email local part": EMAIL.split("@")[0].lower(),
    "phone digits": PHONE_DIGITS,
    "phone as sent": PHONE,
    "rfc": RFC.lower(),
}


def _data_dir_files(data_dir: Path, database: Path | None) -> dict[str, bytes]:
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in data_dir.rglob("*")
        if p.is_file() and (database is None or not p.name.startswith(database.name))
    }


def _leaks(blob: bytes) -> list[str]:
    lowered = blob.lower()
    return [name for name, value in NEEDLES.items() if value.lower().encode() in lowered]


def _store_everything(client: Any, admin_h: dict[str, str]) -> dict[str, Any]:
    made = client.post(
        "/api/v1/clients/",
        json={"name": f"Ferretería Sabinas {TAG}", "email": EMAIL, "phone": PHONE, "rfc": RFC},
        headers={**admin_h, "Idempotency-Key": f"cliente-{TAG}"},
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["rfc"] == RFC and made.json()["email"] == EMAIL.lower()
    tickets = []
    for n in range(3):
        body = {
            "title": f"Falla de red {n}",
            "client_id": cid,
            "requester_name": "Xóchitl Quintanilla",
            "requester_email": EMAIL,
        }
        key = {"Idempotency-Key": f"ticket-{TAG}-{n}"}
        first = client.post("/api/v1/tickets/", json=body, headers={**admin_h, **key})
        assert first.status_code == 201, first.text
        # The replay is served from the stored body: same answer, contact data included.
        again = client.post("/api/v1/tickets/", json=body, headers={**admin_h, **key})
        assert again.status_code == 201, again.text
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        assert again.json()["requester_email"].lower() == EMAIL.lower()
        tickets.append(first.json()["id"])
    for channel, target in (("email", {"to_client_id": cid}), ("sms", {"to_address": PHONE})):
        sent = client.post(
            "/api/v1/notifications/",
            json={"channel": channel, "body": "Su equipo está listo", **target},
            headers={**admin_h, "Idempotency-Key": f"aviso-{channel}-{TAG}"},
        )
        assert sent.status_code == 201, sent.text
    edited = client.patch(
        f"/api/v1/clients/{cid}",
        json={"email": EMAIL.upper(), "phone": PHONE_DIGITS},
        headers=admin_h,
    )
    assert edited.status_code == 200, edited.text
    back = client.patch(f"/api/v1/clients/{cid}", json={"email": EMAIL}, headers=admin_h)
    assert back.status_code == 200, back.text
    found = client.get("/api/v1/clients/", params={"q": EMAIL.upper()}, headers=admin_h)
    assert [c["id"] for c in found.json()["items"]] == [cid], found.text
    said = client.post(
        "/api/v1/watson/webhook",
        json={
            "text": "Se cayó la red en la sucursal, abre un ticket por favor",
            "session_id": f"s-{TAG}",
            "user": {"email": EMAIL, "name": "Xóchitl"},
        },
        headers=key_headers(**{"Idempotency-Key": f"watson-{TAG}"}),
    )
    assert said.status_code == 200, said.text
    return {"client": cid, "tickets": tickets}


@pytest.fixture
def log_file(tmp_path: Path) -> Any:
    """An INFO log file, as a production deployment keeps one."""
    path = tmp_path / "uanl.log"
    sink = logger.add(path, level="INFO", serialize=True)
    yield path
    logger.remove(sink)


def test_contact_data_is_nowhere_at_rest_in_plaintext(
    client, staff, admin_h, backend, wsettings, log_file
):
    ids = _store_everything(client, admin_h)
    # The replay bodies are stored (sealed, not dropped): a replay of each ticket works.
    with dbmod.get_engine().connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM idempotency_keys WHERE status_code = 201")
        ).scalar_one()
    assert stored >= len(ids["tickets"])

    database = Path(make_url(backend.url).database or "") if backend.name == "sqlite" else None
    found = {
        "database": _leaks(raw_store(backend, "idempotency_keys")),
        "log file": _leaks(log_file.read_bytes()),
    }
    data_dir = Path(backend.settings.data_dir)
    files = _data_dir_files(data_dir, database)
    assert any(name.startswith("queue") for name in files), sorted(files)  # tasks were queued
    found.update({name: _leaks(blob) for name, blob in files.items()})
    assert {where: what for where, what in found.items() if what} == {}


def _replay_tokens() -> dict[tuple[str, str], str]:
    with dbmod.get_engine().connect() as conn:
        rows = conn.execute(text("SELECT key, scope, response FROM idempotency_keys")).all()
    return {(r[0], r[1]): r[2] for r in rows}


def _use_keys(monkeypatch: pytest.MonkeyPatch, backend: Backend, data_keys: str) -> None:
    settings = backend.settings.model_copy(update={"data_encryption_keys": data_keys})
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: settings)


def test_rotation_re_seals_replay_bodies_and_replays_survive_the_old_key(
    client, backend, monkeypatch
):
    old, new = generate_key(), generate_key()
    _use_keys(monkeypatch, backend, old)
    headers = auth_header(make_operator("Rota Réplica", f"rota.{TAG}@uanl.mx", Role.admin))
    body = {"title": "Sin impresora", "requester_email": EMAIL}
    first = {}
    for n in range(3):
        key = {"Idempotency-Key": f"rota-{TAG}-{n}"}
        resp = client.post(
            "/api/v1/tickets/",
            json={**body, "title": f"Sin impresora {n}"},
            headers={**headers, **key},
        )
        assert resp.status_code == 201, resp.text
        first[key["Idempotency-Key"]] = resp.json()
    tokens = _replay_tokens()
    assert len(tokens) == 3
    assert all(t.startswith(f"enc1.{key_id(parse_key(old))}.") for t in tokens.values())
    assert not any(EMAIL.lower() in t.lower() for t in tokens.values())

    _use_keys(monkeypatch, backend, f"{new},{old}")
    reports = {r.table: r for r in rotate(batch_size=1)}  # one row per batch: the keyset walk
    assert reports["idempotency_keys"].rows == 3
    assert reports["idempotency_keys"].reencrypted == 3
    assert sum(r.reencrypted + r.reindexed for r in rotate()) == 0
    assert all(t.startswith(f"enc1.{key_id(parse_key(new))}.") for t in _replay_tokens().values())

    _use_keys(monkeypatch, backend, new)  # the old key is gone: replays still open
    for n, (key, answer) in enumerate(first.items()):
        again = client.post(
            "/api/v1/tickets/",
            json={**body, "title": f"Sin impresora {n}"},
            headers={**headers, "Idempotency-Key": key},
        )
        assert again.status_code == 201, again.text
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == answer


@pytest.mark.parametrize("backend_name", ["sqlite", "postgres"])
def test_0012_seals_stored_replay_bodies_and_downgrade_opens_them(
    backend_name, tmp_path, monkeypatch
):
    from tests.core.test_migrations import _keyed_database_at
    from uanl.core import migrate
    from uanl.core.db import build_engine
    from uanl.models import IdempotencyRecord

    url = _keyed_database_at("0011", backend_name, tmp_path, monkeypatch)
    # More rows than one batch of the migration (500): the (key, scope) walk must go on.
    plain = [
        {
            "k": f"k-{n:04d}",
            "s": "tickets.create:1",
            "r": json.dumps({"id": n, "requester_email": EMAIL}),
        }
        for n in range(501)
    ]
    engine = build_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO idempotency_keys (key, scope, request_hash, status_code, response, "
                "created_at) VALUES (:k, :s, 'h', 201, :r, CURRENT_TIMESTAMP)"
            ),
            plain,
        )
    engine.dispose()
    migrate.upgrade(url=url)
    engine = build_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT response FROM idempotency_keys")).scalars().all()
    assert len(stored) == 501
    assert all(s.startswith("enc1.") and EMAIL.lower() not in s.lower() for s in stored)
    with Session(engine) as db:
        row = db.get(IdempotencyRecord, ("k-0500", "tickets.create:1"))
        assert row is not None and row.response == {"id": 500, "requester_email": EMAIL}
    engine.dispose()

    migrate.downgrade("0011", url=url)
    engine = build_engine(url)
    with engine.connect() as conn:
        opened = conn.execute(text("SELECT key, response FROM idempotency_keys ORDER BY key")).all()
    engine.dispose()
    back = [json.loads(r) if isinstance(r, str) else r for _, r in opened]
    assert back == [{"id": n, "requester_email": EMAIL} for n in range(501)]


def test_delivering_notifications_logs_and_keeps_no_contact_data(
    client, staff, admin_h, backend, log_file, monkeypatch
):
    """Delivery through real loopback SMTP and Twilio servers, one refusal each that quotes
    the address (as real servers do): the worker's log lines name no recipient."""
    from tests.notifications.fakes import HttpRecorder, SmtpServer
    from uanl.models import Notification, NotificationStatus
    from uanl.notifications.delivery import deliver

    smtp, twilio = SmtpServer().start(), HttpRecorder(201, '{"sid": "SM1", "status": "queued"}')
    try:
        patched = smtp.settings(
            backend.settings,
            twilio_base_url=twilio.url,
            twilio_account_sid="AC0123456789abcdef0123456789abcdef",
            twilio_auth_token="token-de-prueba",
            twilio_from="+15005550006",
        )
        monkeypatch.setattr("uanl.core.config.get_settings", lambda: patched)
        made = client.post(
            "/api/v1/clients/",
            json={"name": f"Aceros Sabinas {TAG}", "email": EMAIL, "phone": PHONE, "rfc": RFC},
            headers=admin_h,
        )
        assert made.status_code == 201, made.text
        ticket = {"title": "Sin correo", "client_id": made.json()["id"], "requester_email": EMAIL}
        assert client.post("/api/v1/tickets/", json=ticket, headers=admin_h).status_code == 201
        for channel, target in (
            ("email", {"to_client_id": made.json()["id"]}),
            ("sms", {"to_address": PHONE}),
            ("sms", {"to_address": PHONE}),
        ):
            sent = client.post(
                "/api/v1/notifications/",
                json={"channel": channel, "body": f"Aviso por {channel}", **target},
                headers=admin_h,
            )
            assert sent.status_code == 201, sent.text
        stored = "+" + "52" + PHONE_DIGITS
        smtp.answer_rcpt(f"550 5.1.1 <{EMAIL.lower()}>: Recipient address rejected")
        twilio.fail_next(
            1, 400, f'{{"code": 21211, "message": "The To number {stored} is invalid"}}'
        )
        with dbmod.session_scope() as db:
            ids = db.scalars(select(Notification.id).order_by(Notification.id)).all()
        with dbmod.session_scope() as db:
            outcomes = [deliver(db, nid, settings=patched).status for nid in ids]
        assert outcomes.count("failed") == 2 and outcomes.count("sent") >= 2, outcomes
        assert smtp.messages and twilio.requests  # the others went out
        with dbmod.session_scope() as db:
            failed = db.scalars(
                select(Notification.last_error).where(
                    Notification.status == NotificationStatus.failed
                )
            ).all()
        # The row keeps the server's words (sealed at rest), the log line does not.
        assert any(EMAIL.lower() in e for e in failed) and any(stored in e for e in failed)
    finally:
        smtp.stop()
        twilio.close()
    log = log_file.read_bytes()
    assert b"failed" in log and b"sent" in log  # the delivery lines are there
    data_dir = Path(backend.settings.data_dir)
    database = Path(make_url(backend.url).database or "") if backend.name == "sqlite" else None
    found = {"database": _leaks(raw_store(backend, "idempotency_keys")), "log file": _leaks(log)}
    found.update({name: _leaks(blob) for name, blob in _data_dir_files(data_dir, database).items()})
    assert {where: what for where, what in found.items() if what} == {}


def test_the_development_outbox_log_line_names_no_address(client, staff, admin_h, log_file):
    """Without SMTP_HOST (development) e-mail goes to <data dir>/outbox: that file is the
    delivered mail and is addressed, the log line about it is not."""
    from uanl.models import Notification
    from uanl.notifications.delivery import deliver

    sent = client.post(
        "/api/v1/notifications/",
        json={"channel": "email", "to_address": EMAIL, "body": "Aviso local"},
        headers=admin_h,
    )
    assert sent.status_code == 201, sent.text
    with dbmod.session_scope() as db:
        [nid] = db.scalars(select(Notification.id)).all()
    with dbmod.session_scope() as db:
        assert deliver(db, nid).status == "sent"
    log = log_file.read_bytes()
    assert b"outbox: notification" in log and b".eml" in log
    assert _leaks(log) == []


def test_contact_data_watson_extracts_is_sealed_and_retries_still_match(
    client, staff, admin_h, backend, wsettings
):
    """A chat user types their e-mail, phone and RFC: what the NLU extracts (entities) and
    the turn's outcome are sealed, read back whole by the API, and a retried delivery (same
    session and text, no Idempotency-Key) is still recognised.

    The typed text itself (input_text, and the ticket description made from it) is free
    text, searchable like every description, and stays plaintext: not covered here."""
    from uanl.models import Ticket

    said = {
        "text": f"No tengo internet, abre un ticket. Mi correo es {EMAIL}, mi teléfono "
        f"{PHONE} y mi RFC {RFC}",
        "session_id": f"s-chat-{TAG}",
        "user": {"name": "Xóchitl", "email": EMAIL},
    }
    first = client.post("/api/v1/watson/webhook", json=said, headers=key_headers())
    assert first.status_code == 200, first.text
    assert first.json()["entities"]["email"].lower() == EMAIL.lower()
    assert first.json()["entities"]["phone"].endswith(PHONE_DIGITS)
    again = client.post("/api/v1/watson/webhook", json=said, headers=key_headers())
    assert again.status_code == 200, again.text
    assert again.json()["activity_id"] == first.json()["activity_id"]  # the same turn
    with dbmod.session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1  # acted once
    talk = client.get(f"/api/v1/watson/sessions/{said['session_id']}", headers=admin_h)
    assert talk.status_code == 200, talk.text
    [turn] = talk.json()["turns"]
    assert turn["entities"]["email"].lower() == EMAIL.lower()  # read back whole
    assert turn["result"]["ticket_id"] == first.json()["result"]["ticket_id"]
    # The reply quotes the address it sends to ("te llega a <e-mail>").
    report = {"session_id": f"s-rep-{TAG}"}
    for line in ("genera el reporte de tickets del mes pasado en excel", f"a {EMAIL} por favor"):
        turn = client.post(
            "/api/v1/watson/webhook", json={**report, "text": line}, headers=key_headers()
        )
        assert turn.status_code == 200, turn.text
    assert turn.json()["action"] == "report_queued", turn.text
    assert EMAIL.lower() in turn.json()["reply"].lower()
    with dbmod.get_engine().connect() as conn:
        rows = conn.execute(text("SELECT * FROM watson_activities")).mappings().all()
    assert len(rows) == 3
    for row in rows:
        assert row["entities"].startswith("enc1.") and row["result"].startswith("enc1.")
        assert row["reply_text"].startswith("enc1.")
        kept = " ".join(str(v) for k, v in row.items() if k != "input_text")
        assert _leaks(kept.encode()) == [], row["id"]


@pytest.mark.parametrize("backend_name", ["sqlite", "postgres"])
def test_0013_0014_seal_watson_rows_and_downgrade_opens_them(backend_name, tmp_path, monkeypatch):
    from tests.core.test_migrations import _keyed_database_at
    from uanl.core import migrate
    from uanl.core.db import build_engine
    from uanl.models import WatsonActivity

    url = _keyed_database_at("0012", backend_name, tmp_path, monkeypatch)
    entities = {"email": EMAIL, "phone": PHONE_DIGITS}
    result = {"pending": {"action": "create_ticket", "slots": entities}}
    reply, error = f"Te llega a {EMAIL}.", f"SMS a {PHONE_DIGITS} rechazado"
    plain = [(entities, result, reply, error), (entities, result, None, None)]
    engine = build_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO watson_activities (session_id, channel, input_text, entities, "
                "result, reply_text, error, status, created_at) VALUES ('s-1', 'orchestrate', "
                "'hola', :e, :r, :t, :x, 'ok', CURRENT_TIMESTAMP)"
            ),
            [{"e": json.dumps(e), "r": json.dumps(r), "t": t, "x": x} for e, r, t, x in plain],
        )
    engine.dispose()
    migrate.upgrade(url=url)
    engine = build_engine(url)
    columns = "entities, result, reply_text, error"
    with engine.connect() as conn:
        sealed = conn.execute(text(f"SELECT {columns} FROM watson_activities ORDER BY id")).all()
    assert [[v is None for v in row] for row in sealed] == [[False] * 4, [False, False, True, True]]
    assert all(v.startswith("enc1.") and not _leaks(v.encode()) for r in sealed for v in r if v)
    with Session(engine) as db:
        rows = db.scalars(select(WatsonActivity).order_by(WatsonActivity.id)).all()
        assert [(r.entities, r.result, r.reply_text, r.error) for r in rows] == plain
    engine.dispose()

    migrate.downgrade("0012", url=url)
    engine = build_engine(url)
    with engine.connect() as conn:
        opened = conn.execute(text(f"SELECT {columns} FROM watson_activities ORDER BY id")).all()
    engine.dispose()
    back = [
        tuple(json.loads(v) if i < 2 and isinstance(v, str) else v for i, v in enumerate(r))
        for r in opened
    ]
    assert back == plain


def test_stored_answers_are_forgotten_after_48_hours_by_a_beat_task(client, op_h):
    from datetime import timedelta

    from sqlalchemy import update

    from uanl.models import IdempotencyRecord, utcnow
    from uanl.tickets.tasks import purge_idempotency_keys_task
    from uanl.worker import BEAT_SCHEDULE

    assert {"task": purge_idempotency_keys_task.name, "schedule": timedelta(hours=1)} in (
        BEAT_SCHEDULE.values()
    )
    body = {"title": "Sin red", "requester_email": EMAIL}
    made = {}
    for key in ("viejo", "reciente"):
        resp = client.post("/api/v1/tickets/", json=body, headers={**op_h, "Idempotency-Key": key})
        assert resp.status_code == 201, resp.text
        made[key] = resp.json()["id"]
    with dbmod.session_scope() as db:
        db.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "viejo")
            .values(created_at=utcnow() - timedelta(hours=49))
        )
    assert purge_idempotency_keys_task() == 1
    assert [k for k, _ in _replay_tokens()] == ["reciente"]
    kept = client.post(
        "/api/v1/tickets/", json=body, headers={**op_h, "Idempotency-Key": "reciente"}
    )
    assert (
        kept.headers.get("Idempotent-Replayed") == "true" and kept.json()["id"] == made["reciente"]
    )
    gone = client.post("/api/v1/tickets/", json=body, headers={**op_h, "Idempotency-Key": "viejo"})
    assert gone.status_code == 201 and "Idempotent-Replayed" not in gone.headers
    assert gone.json()["id"] not in made.values()  # a new ticket: the old answer is gone


def test_pending_watson_slots_in_redis_are_sealed(client, world, backend, monkeypatch):
    """The pending action of a conversation (its slots: the text, the e-mail and phone the
    NLU found) is kept in Redis when REDIS_URL is set: sealed there, and still carried on."""
    import redis

    from tests.watson.watson_fixtures import watson_settings

    url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).ping()  # a required service of the suite: fail loudly if down
    monkeypatch.setattr(
        "uanl.core.config.get_settings", lambda: watson_settings(backend, REDIS_URL=url)
    )
    session = f"redis-pii-{TAG}-{backend.name}"
    said = {"text": f"agenda una visita técnica para Vitro. Contacto: {EMAIL}, {PHONE}"}
    first = client.post(
        "/api/v1/watson/webhook", json={**said, "session_id": session}, headers=key_headers()
    )
    assert first.status_code == 200 and first.json()["needs"] == "when", first.text
    stored = redis.Redis.from_url(url).get(f"uanl:watson:pending:{session}")
    assert stored is not None and stored.startswith(b"enc1.")
    assert _leaks(stored) == []
    second = client.post(
        "/api/v1/watson/webhook",
        json={"text": "mañana a las 12", "session_id": session},
        headers=key_headers(),
    )
    assert second.status_code == 200 and second.json()["action"] == "visit_scheduled", second.text
