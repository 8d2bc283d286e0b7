"""Contact data is encrypted at rest: raw rows, the SQLite file and pg_dump show no plaintext.

The API still reads and writes plaintext, logins and lookups by e-mail work through the
blind index, keys rotate with `uanl keys rotate`, and an altered value is refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.conftest import PASSWORD, Backend, assert_problem, auth_header, make_operator
from tests.factories import raw_store
from uanl.backup.keyrotation import rotate
from uanl.cli import app as cli_app
from uanl.core import db as dbmod
from uanl.core.crypto import CryptoError, generate_key, key_id
from uanl.models import (
    Client,
    Notification,
    Operator,
    Role,
    ScheduledVisit,
    TicketComment,
    WatsonActivity,
)
from uanl.models.base import utcnow
from uanl.notifications.events import emit

CLIENT = {
    "name": "Cementos del Norte",
    "rfc": "SAT970701NN3",
    "contact_name": "Jorge Treviño",
    "email": "jorge.trevino@cementos-norte.mx",
    "phone": "+52 81 8123 4567",
    "address": "Av. Constitución 405, Monterrey, N.L.",
    "notes": "Contacto alterno: Marisela, ext. 2231",
}
OPERATOR = {
    "name": "Lupita Garza",
    "email": "lupita.garza@uanl.mx",
    "phone": "+52 81 1111 2222",
    "password": "Contra-Segura-9",
    "role": "operator",
}
SECRETS = [
    CLIENT["email"],
    CLIENT["rfc"],
    CLIENT["address"],
    CLIENT["notes"],
    # The phone's subscriber part, spaced and bare; a 4-digit piece alone also matches
    # timestamps in the file (a microsecond field such as .812345) and made this test flaky.
    "8123 4567",
    "81234567",
    "cementos-norte",
    OPERATOR["email"],
    "lupita.garza",
    "1111",
]


# Contact data outside clients/operators (migration 0009).
ELSEWHERE = {
    "requester_email": "maria.lopez@proveedor-norte.mx",
    "author_email": "ext.soporte@mantto-aguascalientes.mx",
    "user_email": "chat.usuario@refacciones-gza.mx",
    "address": "Calle Zaragoza 1234, San Nicolás de los Garza",
    "adhoc_to": "aviso.directo@cliente-final.mx",
}
ELSEWHERE_SECRETS = [
    *ELSEWHERE.values(),
    "proveedor-norte",
    "mantto-aguascalientes",
    "refacciones-gza",
    "Zaragoza 1234",
    "cliente-final",
]


def _create_elsewhere(client: Any, admin_h: dict[str, str]) -> dict[str, Any]:
    """A ticket with a requester e-mail (it notifies them), a comment by e-mail, a Watson
    exchange, a visit with an address and an ad-hoc notification through the API."""
    ticket = client.post(
        "/api/v1/tickets/",
        json={
            "title": "Sin red en el almacén",
            "requester_name": "María López",
            "requester_email": ELSEWHERE["requester_email"],
        },
        headers=admin_h,
    )
    assert ticket.status_code == 201, ticket.text
    tid = ticket.json()["id"]
    adhoc = client.post(
        "/api/v1/notifications/",
        json={
            "to_address": ELSEWHERE["adhoc_to"],
            "body": "Su equipo está listo",
            "ticket_id": tid,
        },
        headers={**admin_h, "Idempotency-Key": "aviso-1"},
    )
    assert adhoc.status_code == 201, adhoc.text
    made = client.post(
        "/api/v1/clients/",
        json={"name": "Refacciones GZA", "email": "compras@refacciones-gza.mx"},
        headers=admin_h,
    )
    start = utcnow()
    with dbmod.session_scope() as db:
        comment = TicketComment(
            ticket_id=tid,
            author_name="Soporte externo",
            author_email=ELSEWHERE["author_email"],
            body="Revisamos el enlace",
        )
        activity = WatsonActivity(
            session_id="s-cifrado", input_text="hola", user_email=ELSEWHERE["user_email"]
        )
        visit = ScheduledVisit(
            client_id=made.json()["id"],
            ticket_id=tid,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
            address=ELSEWHERE["address"],
        )
        db.add_all([comment, activity, visit])
        db.flush()
        # The visit's notification quotes the address in its body and context.
        [scheduled] = emit(db, "visit.scheduled", visit=visit)
        assert ELSEWHERE["address"] in (scheduled.body or "")
        ids = {"ticket": tid, "comment": comment.id, "activity": activity.id, "visit": visit.id}
        ids["notifications"] = [n.id for n in db.query(Notification)]
    # ticket.created to the requester, the ad-hoc one, the visit's (ticket.assigned too, when
    # there are operators to assign)
    assert len(ids["notifications"]) >= 3
    return ids


def _raw_row(table: str, row_id: int) -> dict[str, Any]:
    with dbmod.get_engine().connect() as conn:
        row = conn.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})
        return dict(row.mappings().one())


def _create_both(client: Any, admin_h: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    made = client.post("/api/v1/clients/", json=CLIENT, headers=admin_h)
    assert made.status_code == 201, made.text
    op = client.post("/api/v1/operators/", json=OPERATOR, headers=admin_h)
    assert op.status_code == 201, op.text
    return made.json(), op.json()


def test_raw_rows_hold_no_contact_data_and_the_api_reads_it_back(client, staff, admin_h):
    created, op = _create_both(client, admin_h)
    raw_client = _raw_row("clients", created["id"])
    raw_op = _raw_row("operators", op["id"])
    dumped = " ".join(str(v) for v in (*raw_client.values(), *raw_op.values())).lower()
    for secret in SECRETS:
        assert secret.lower() not in dumped, secret
    for field in ("rfc", "email", "phone", "address", "notes"):
        assert raw_client[field].startswith("enc1."), field
    assert raw_op["email"].startswith("enc1.") and raw_op["phone"].startswith("enc1.")
    assert raw_client["email_bidx"] and len(raw_client["email_bidx"]) == 64
    # Names stay searchable in plain text (not contact data by the list).
    assert raw_client["name"] == CLIENT["name"]

    got = client.get(f"/api/v1/clients/{created['id']}", headers=admin_h).json()
    for field in ("rfc", "email", "address", "notes"):
        assert got[field] == CLIENT[field]
    assert got["phone"] == created["phone"]
    got_op = client.get(f"/api/v1/operators/{op['id']}", headers=admin_h).json()
    assert got_op["email"] == OPERATOR["email"]
    # The audit trail does not leak what the columns hide.
    audit = client.get("/api/v1/audit?entity=clients", headers=admin_h)
    assert audit.status_code == 200, audit.text
    assert CLIENT["email"] not in audit.text and CLIENT["rfc"] not in audit.text


def test_contact_data_outside_clients_is_encrypted_and_the_api_reads_it_back(
    client, staff, admin_h
):
    ids = _create_elsewhere(client, admin_h)
    raws = [
        _raw_row("tickets", ids["ticket"]),
        _raw_row("ticket_comments", ids["comment"]),
        _raw_row("watson_activities", ids["activity"]),
        _raw_row("scheduled_visits", ids["visit"]),
        *(_raw_row("notifications", n) for n in ids["notifications"]),
    ]
    dumped = " ".join(str(v) for raw in raws for v in raw.values()).lower()
    for secret in ELSEWHERE_SECRETS:
        assert secret.lower() not in dumped, secret
    assert raws[0]["requester_email"].startswith("enc1.")
    assert raws[0]["requester_name"] == "María López"  # names stay plain, as in clients
    assert raws[1]["author_email"].startswith("enc1.")
    assert raws[2]["user_email"].startswith("enc1.")
    assert raws[3]["address"].startswith("enc1.")
    for raw in raws[4:]:
        assert raw["recipient"].startswith("enc1.") and len(raw["recipient_bidx"]) == 64
        assert raw["dedupe_key"] is None or len(raw["dedupe_key"]) == 64

    ticket = client.get(f"/api/v1/tickets/{ids['ticket']}", headers=admin_h).json()
    assert ticket["requester_email"] == ELSEWHERE["requester_email"]
    visit = client.get(f"/api/v1/visits/{ids['visit']}", headers=admin_h).json()
    assert visit["address"] == ELSEWHERE["address"]
    for to in (ELSEWHERE["requester_email"], ELSEWHERE["adhoc_to"].upper()):
        found = client.get("/api/v1/notifications", params={"recipient": to}, headers=admin_h)
        assert [n["recipient"].lower() for n in found.json()["items"]] == [to.lower()], to
    talk = client.get("/api/v1/watson/sessions/s-cifrado", headers=admin_h)
    assert talk.status_code == 200, talk.text
    assert ELSEWHERE["user_email"] in talk.text
    with dbmod.session_scope() as db:
        assert db.get(TicketComment, ids["comment"]).author_email == ELSEWHERE["author_email"]
    # Reports can show the sealed address but not filter, group or sort by it.
    spec = {"dataset": "visits", "columns": ["id", "address"]}
    shown = client.post("/api/v1/reports/custom", json=spec, headers=admin_h)
    assert shown.status_code == 200, shown.text
    assert ELSEWHERE["address"] in shown.text
    for bad, where in (
        ({"filters": [{"column": "address", "op": "contains", "value": "Zar"}]}, "filters.0.op"),
        ({"group_by": ["address"], "columns": ["address"]}, "group_by.0"),
        ({"sort": ["address"]}, "sort.0"),
    ):
        resp = client.post("/api/v1/reports/custom", json={**spec, **bad}, headers=admin_h)
        assert_problem(resp, 422, where)
    kept = {"filters": [{"column": "address", "op": "is_null", "value": False}]}
    assert client.post("/api/v1/reports/custom", json={**spec, **kept}, headers=admin_h).json()


def test_database_file_or_dump_reveals_no_contact_data(client, staff, admin_h, backend):
    _create_both(client, admin_h)
    _create_elsewhere(client, admin_h)
    client.patch(
        "/api/v1/clients/1", json={"notes": "Nueva nota: llamar a Marisela"}, headers=admin_h
    )
    lowered = raw_store(backend, "clients").lower()
    for secret in [*SECRETS, *ELSEWHERE_SECRETS, "Marisela"]:
        assert secret.lower().encode() not in lowered, secret


def test_login_uniqueness_and_lookups_go_through_the_blind_index(client, staff, admin_h, op_h):
    created, op = _create_both(client, admin_h)
    login = client.post(
        "/api/v1/auth/token",
        data={"username": "  Lupita.Garza@UANL.mx ", "password": OPERATOR["password"]},
    )
    assert login.status_code == 200, login.text
    fixture_login = client.post(
        "/api/v1/auth/token", data={"username": "oper@example.mx", "password": PASSWORD}
    )
    assert fixture_login.status_code == 200, fixture_login.text
    # Duplicates are still a clear 409 naming the field.
    dup = client.post(
        "/api/v1/operators/",
        json={**OPERATOR, "email": "LUPITA.GARZA@uanl.mx"},
        headers=admin_h,
    )
    assert_problem(dup, 409, "email")
    moved = client.patch(
        f"/api/v1/operators/{op['id']}", json={"email": "oper@example.mx"}, headers=admin_h
    )
    assert_problem(moved, 409, "email")
    assert_problem(
        client.post("/api/v1/clients/", json={**CLIENT, "rfc": "sat970701nn3"}, headers=op_h),
        409,
        "rfc",
    )
    # q: names by substring, e-mail and RFC by exact (case-insensitive) value.
    for q in ("cementos", CLIENT["email"].upper(), "sat970701nn3"):
        found = client.get("/api/v1/clients", params={"q": q}, headers=op_h).json()
        assert [c["id"] for c in found["items"]] == [created["id"]], q
    partial = client.get("/api/v1/clients", params={"q": "jorge.trevino@"}, headers=op_h)
    assert partial.json()["total"] == 0
    ops = client.get("/api/v1/operators", params={"q": OPERATOR["email"]}, headers=op_h)
    assert [o["id"] for o in ops.json()["items"]] == [op["id"]]
    # Watson finds the client by the chat user's e-mail.
    from uanl.watson.actions import client_by_email

    with dbmod.session_scope() as db:
        by_email = client_by_email(db, " Jorge.Trevino@Cementos-Norte.mx")
        assert by_email is not None and by_email.id == created["id"]
    # Changing the e-mail moves the index with it.
    changed = client.patch(
        f"/api/v1/clients/{created['id']}",
        json={"email": "compras@cementos-norte.mx"},
        headers=op_h,
    )
    assert changed.status_code == 200, changed.text
    with dbmod.session_scope() as db:
        assert client_by_email(db, CLIENT["email"]) is None
        assert client_by_email(db, "compras@cementos-norte.mx") is not None


def test_sorting_by_an_encrypted_column_is_refused(client, staff, op_h):
    resp = client.get("/api/v1/operators", params={"sort": "email"}, headers=op_h)
    assert_problem(resp, 422, "sort")


def _use_keys(
    monkeypatch: pytest.MonkeyPatch, backend: Backend, data_keys: str, index_key: str
) -> None:
    settings = backend.settings.model_copy(
        update={"data_encryption_keys": data_keys, "blind_index_key": index_key}
    )
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: settings)


def _tokens() -> list[str]:
    with dbmod.get_engine().connect() as conn:
        rows = conn.execute(text("SELECT email, phone, rfc, address, notes FROM clients")).all()
        rows += conn.execute(text("SELECT email, phone, NULL, NULL, NULL FROM operators")).all()
    return [v for row in rows for v in row if v is not None]


def _write_people() -> None:
    with dbmod.session_scope() as db:
        db.add(Client(**CLIENT))
        db.add(Client(name="Sin contacto"))
        db.add(Client(name="Otra", email="otra@ejemplo.mx", phone="8180000000"))
    make_operator("Rota Ción", "rota@uanl.mx", Role.admin, phone="8112345678")


def test_rotation_re_encrypts_everything_and_old_keys_can_then_go(client, backend, monkeypatch):
    old, new, index_key = generate_key(), generate_key(), generate_key()
    _use_keys(monkeypatch, backend, old, index_key)
    _write_people()
    assert {t.split(".")[1] for t in _tokens()} == {key_id(_raw(old))}

    # Without the old key the data cannot be read, and the error says what to do.
    _use_keys(monkeypatch, backend, new, index_key)
    with (
        pytest.raises(CryptoError, match="not in DATA_ENCRYPTION_KEYS"),
        dbmod.session_scope() as db,
    ):
        db.query(Client).all()

    _use_keys(monkeypatch, backend, f"{new},{old}", index_key)
    reports = {r.table: r for r in rotate(batch_size=1)}  # one row per transaction
    values = len(_tokens())
    assert reports["clients"].rows == 3 and reports["operators"].rows == 1
    assert reports["clients"].reencrypted + reports["operators"].reencrypted == values
    assert reports["clients"].reindexed == 0  # same blind-index key: nothing to recompute
    again = rotate()
    assert sum(r.reencrypted + r.reindexed for r in again) == 0  # idempotent
    assert {t.split(".")[1] for t in _tokens()} == {key_id(_raw(new))}

    _use_keys(monkeypatch, backend, new, index_key)
    with dbmod.session_scope() as db:
        stored = db.query(Client).filter(Client.name == CLIENT["name"]).one()
        assert (stored.email, stored.rfc, stored.notes) == (
            CLIENT["email"],
            CLIENT["rfc"],
            CLIENT["notes"],
        )
    rota = make_operator("Dummy", "dummy@uanl.mx", Role.operator)
    assert (
        client.get("/api/v1/clients?q=otra@ejemplo.mx", headers=auth_header(rota)).json()["total"]
        == 1
    )
    login = client.post(
        "/api/v1/auth/token", data={"username": "rota@uanl.mx", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text


ELSEWHERE_COLUMNS = {
    "tickets": "requester_email",
    "ticket_comments": "author_email",
    "watson_activities": "user_email",
    "scheduled_visits": "address",
    "notifications": "recipient, body, context",
}


def _elsewhere_tokens() -> list[str]:
    with dbmod.get_engine().connect() as conn:
        return [
            v
            for table, column in ELSEWHERE_COLUMNS.items()
            for row in conn.execute(text(f"SELECT {column} FROM {table}")).all()
            for v in row
            if v is not None
        ]


def test_rotation_covers_the_contact_data_outside_clients(client, backend, monkeypatch):
    old, new, first_index, second_index = (generate_key() for _ in range(4))
    _use_keys(monkeypatch, backend, old, first_index)
    admin = make_operator("Rota Ción", "rota@uanl.mx", Role.admin)
    _create_elsewhere(client, auth_header(admin))
    tokens = _elsewhere_tokens()
    assert len(tokens) >= 13 and {t.split(".")[1] for t in tokens} == {key_id(_raw(old))}

    # New data key and new blind-index key at once: one run re-seals and re-indexes.
    _use_keys(monkeypatch, backend, f"{new},{old}", second_index)
    reports = {r.table: r for r in rotate(batch_size=1)}
    for table in ELSEWHERE_COLUMNS:
        assert reports[table].rows >= 1, table
    # recipient_bidx follows the new key
    assert reports["notifications"].reindexed == reports["notifications"].rows
    assert {t.split(".")[1] for t in _elsewhere_tokens()} == {key_id(_raw(new))}
    assert sum(r.reencrypted + r.reindexed for r in rotate()) == 0

    _use_keys(monkeypatch, backend, new, second_index)
    headers = auth_header(admin)
    found = client.get(
        "/api/v1/notifications", params={"recipient": ELSEWHERE["adhoc_to"]}, headers=headers
    )
    assert [n["recipient"] for n in found.json()["items"]] == [ELSEWHERE["adhoc_to"]]
    with dbmod.session_scope() as db:
        assert db.query(ScheduledVisit).one().address == ELSEWHERE["address"]
        assert db.query(WatsonActivity).one().user_email == ELSEWHERE["user_email"]


def test_a_new_blind_index_key_takes_effect_after_rotate(client, backend, monkeypatch):
    key, first_index, second_index = generate_key(), generate_key(), generate_key()
    _use_keys(monkeypatch, backend, key, first_index)
    _write_people()
    _use_keys(monkeypatch, backend, key, second_index)
    form = {"username": "rota@uanl.mx", "password": PASSWORD}
    assert client.post("/api/v1/auth/token", data=form).status_code == 401  # index is stale
    reports = {r.table: r for r in rotate()}
    assert reports["clients"].reindexed == 3  # two e-mails and one RFC
    assert reports["operators"].reindexed == 1
    assert reports["clients"].reencrypted == 0
    assert client.post("/api/v1/auth/token", data=form).status_code == 200


def test_altered_values_are_detected_not_returned_as_garbage(client, staff, admin_h):
    created, _ = _create_both(client, admin_h)
    cid = created["id"]
    raw = _raw_row("clients", cid)
    flipped = raw["email"][:-3] + ("A" if raw["email"][-3] != "A" else "B") + raw["email"][-2:]
    with dbmod.get_engine().begin() as conn:
        conn.execute(
            text("UPDATE clients SET email = :v WHERE id = :id"), {"v": flipped, "id": cid}
        )
    with pytest.raises(CryptoError, match="integrity check"), dbmod.session_scope() as db:
        db.get(Client, cid)
    resp = client.get(f"/api/v1/clients/{cid}", headers=admin_h)
    assert_problem(resp, 500)
    assert "enc1" not in resp.text
    # A valid token moved into another column does not open either (bound to its column).
    with dbmod.get_engine().begin() as conn:
        conn.execute(
            text("UPDATE clients SET email = :e, phone = :e WHERE id = :id"),
            {"e": raw["email"], "id": cid},
        )
    with pytest.raises(CryptoError, match="clients.phone"), dbmod.session_scope() as db:
        db.get(Client, cid)
    # Plaintext slipped in behind the application's back is refused too.
    with dbmod.get_engine().begin() as conn:
        conn.execute(text("UPDATE clients SET phone = '8112345678' WHERE id = :id"), {"id": cid})
    with pytest.raises(CryptoError, match="not an encrypted token"), dbmod.session_scope() as db:
        db.get(Client, cid)


def test_encrypted_columns_refuse_sql_comparisons():
    with pytest.raises(TypeError, match="blind-index"):
        _ = Client.email == "x@y.mx"
    with pytest.raises(TypeError, match="blind-index"):
        Operator.email.like("%x%")
    assert Client.email.is_(None) is not None


def test_keys_generate_and_rotate_commands(client, backend, monkeypatch):
    runner = CliRunner()
    out = runner.invoke(cli_app, ["keys", "generate"])
    assert out.exit_code == 0 and len(_raw(out.stdout.strip())) == 32
    key, index_key = generate_key(), generate_key()
    _use_keys(monkeypatch, backend, key, index_key)
    _write_people()
    monkeypatch.setattr("uanl.cli._settings", lambda: None)
    first = runner.invoke(cli_app, ["keys", "rotate", "--batch-size", "2"])
    assert first.exit_code == 0, first.output
    assert "clients: 3 rows, 7 encrypted values checked, 0 re-encrypted" in first.output
    assert "operators: 1 rows, 2 encrypted values checked, 0 re-encrypted" in first.output
    _use_keys(monkeypatch, backend, generate_key(), index_key)  # the data's key is gone
    failed = runner.invoke(cli_app, ["keys", "rotate"])
    assert failed.exit_code == 1 and "add that key back" in failed.output


def _raw(key: str) -> bytes:
    from uanl.core.crypto import parse_key

    return parse_key(key)
