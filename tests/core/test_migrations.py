"""Migrations go up, down to base and up again on both backends, and match the models."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from tests.conftest import ensure_pg_database, make_settings, pg_url_for_worker, reset_pg_schema
from uanl.core import migrate
from uanl.core.crypto import blind_index
from uanl.core.db import build_engine
from uanl.models import Base, Client, Operator

SPEC_TABLES = {
    "operators",
    "clients",
    "calls",
    "tickets",
    "scheduled_visits",
    "notifications",
    "reports",
    "watson_activities",
}


def _pg_url() -> str:
    base = pg_url_for_worker()
    url = base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + "_mig"
    ensure_pg_database(url)
    reset_pg_schema(url)
    return url


def _tables(url: str, schema: str | None) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": migrate.include_object}
            )
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def test_postgres_upgrade_creates_spec_tables_in_schema_uanl_and_round_trips():
    url = _pg_url()
    migrate.upgrade(url=url)
    assert migrate.current_revision(url) == migrate.head_revision()
    tables = _tables(url, "uanl")
    assert SPEC_TABLES <= tables
    assert not (SPEC_TABLES & _tables(url, "public"))
    assert _diff(url) == []  # the models and the migrations describe the same schema
    engine = build_engine(url)
    with engine.connect() as conn:
        names = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = 'uanl'")
            ).scalars()
        )
    engine.dispose()
    assert migrate.DB_ONLY_INDEXES <= names
    migrate.downgrade("base", url=url)
    assert migrate.current_revision(url) is None
    assert _tables(url, "uanl") <= {"alembic_version"}
    migrate.upgrade(url=url)
    assert SPEC_TABLES <= _tables(url, "uanl")


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url=url)
    assert SPEC_TABLES <= _tables(url, None)
    assert _diff(url) == []
    migrate.downgrade("base", url=url)
    assert _tables(url, None) <= {"alembic_version"}
    migrate.upgrade(url=url)
    assert SPEC_TABLES <= _tables(url, None)
    engine = build_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


OPERATOR_ROW = (
    "INSERT INTO operators (name, email, phone, role, skills, max_open_tickets, is_active, "
    "is_available, language, password_hash, is_senior, created_at, updated_at) VALUES "
    "('Root', 'root@uanl.mx', '8112345678', 'admin', '[]', 0, :t, :t, 'es', 'x', :f, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
CLIENT_ROW = (
    "INSERT INTO clients (name, rfc, email, phone, address, notes, tier, language, created_at, "
    "updated_at) VALUES ('Aceros SA', 'SAT970701NN3', 'compras@aceros.mx', '8180001111', "
    "'Calle 1, Monterrey', 'VIP', 'standard', 'es', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def _keyed_database_at(revision: str, backend_name: str, tmp_path, monkeypatch) -> str:
    """A fresh database migrated to `revision`, with data keys of its own configured."""
    from uanl.core.crypto import generate_key

    url = f"sqlite:///{tmp_path / 'd.db'}" if backend_name == "sqlite" else _pg_url()
    keys = make_settings(
        url, tmp_path, DATA_ENCRYPTION_KEYS=generate_key(), BLIND_INDEX_KEY=generate_key()
    )
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: keys)
    migrate.upgrade(revision, url=url)
    return url


@pytest.mark.parametrize("backend_name", ["sqlite", "postgres"])
def test_0007_encrypts_existing_rows_and_downgrade_decrypts(backend_name, tmp_path, monkeypatch):
    url = _keyed_database_at("0006", backend_name, tmp_path, monkeypatch)
    engine = build_engine(url)
    with engine.begin() as conn:
        conn.execute(text(OPERATOR_ROW), {"t": True, "f": False})
        conn.execute(text(CLIENT_ROW))
    migrate.upgrade(url=url)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT * FROM clients")).mappings().one()
        raw_op = conn.execute(text("SELECT email, phone FROM operators")).one()
    assert all(raw[c].startswith("enc1.") for c in ("rfc", "email", "phone", "address", "notes"))
    assert all(v.startswith("enc1.") for v in raw_op)
    with Session(engine) as db:
        assert db.scalars(select(Client.email)).one() == "compras@aceros.mx"
        found = db.scalars(
            select(Operator).where(Operator.email_bidx == blind_index("email", "ROOT@uanl.mx"))
        ).one()
        assert (found.email, found.phone) == ("root@uanl.mx", "8112345678")
        rfc_hit = select(Client.id).where(Client.rfc_bidx == blind_index("rfc", "sat970701nn3"))
        assert db.scalar(rfc_hit) is not None
    engine.dispose()
    migrate.downgrade("0006", url=url)
    engine = build_engine(url)
    with engine.connect() as conn:
        plain = conn.execute(text("SELECT rfc, email, phone, address, notes FROM clients")).one()
        plain_op = conn.execute(text("SELECT email, phone FROM operators")).one()
    engine.dispose()
    assert tuple(plain) == (
        "SAT970701NN3",
        "compras@aceros.mx",
        "8180001111",
        "Calle 1, Monterrey",
        "VIP",
    )
    assert tuple(plain_op) == ("root@uanl.mx", "8112345678")


ELSEWHERE_ROWS = (
    "INSERT INTO tickets (title, description, priority, state, source, sla_paused_minutes, "
    "reopen_count, escalation_level, version, requester_name, requester_email, created_at, "
    "updated_at) VALUES ('Sin red', '', 'medium', 'new', 'api', 0, 0, 0, 1, 'María', "
    "'maria@proveedor.mx', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO ticket_events (ticket_id, actor_type, kind, changes, created_at) SELECT id, "
    '\'system\', \'created\', \'{"title": [null, "Sin red"], "requester_email": [null, '
    '"maria@proveedor.mx"]}\', CURRENT_TIMESTAMP FROM tickets',
    "INSERT INTO ticket_comments (ticket_id, author_email, body, is_internal, created_at) "
    "SELECT id, 'externo@taller.mx', 'Revisado', :f, CURRENT_TIMESTAMP FROM tickets",
    "INSERT INTO watson_activities (session_id, channel, input_text, entities, result, status, "
    "user_email, created_at) VALUES ('s1', 'orchestrate', 'hola', '{}', '{}', 'ok', "
    "'chat@empresa.mx', CURRENT_TIMESTAMP)",
    "INSERT INTO clients (name, tier, language, created_at, updated_at) VALUES "
    "('Sin contacto', 'standard', 'es', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO scheduled_visits (client_id, ticket_id, scheduled_start, scheduled_end, state, "
    "forced, reschedule_count, version, address, created_at, updated_at) SELECT "
    "(SELECT id FROM clients), id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'scheduled', :f, 0, 1, "
    "'Calle 5 de Mayo 10', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM tickets",
    "INSERT INTO notifications (channel, event, recipient, language, context, status, attempts, "
    "dedupe_key, ticket_id, body, last_error, created_at, updated_at) SELECT 'email', "
    "'ticket.created', 'Maria@Proveedor.mx', 'es', '{\"address\": \"Calle 5 de Mayo 10\"}', "
    "'pending', 0, "
    "'ticket.created:ticket:1:email:maria@proveedor.mx', id, 'Hola María', "
    "'SMTP 550 maria@proveedor.mx', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM tickets",
)
ELSEWHERE_SELECT = (
    "SELECT t.requester_email, c.author_email, w.user_email, v.address, n.recipient, n.body, "
    "n.last_error "
    "FROM tickets t, ticket_comments c, watson_activities w, scheduled_visits v, notifications n"
)
ELSEWHERE_PLAIN = (
    "maria@proveedor.mx",
    "externo@taller.mx",
    "chat@empresa.mx",
    "Calle 5 de Mayo 10",
    "Maria@Proveedor.mx",
    "Hola María",
    "SMTP 550 maria@proveedor.mx",
)


@pytest.mark.parametrize("backend_name", ["sqlite", "postgres"])
def test_0009_encrypts_the_other_contact_columns_and_downgrade_decrypts(
    backend_name, tmp_path, monkeypatch
):
    from uanl.models import Notification, Ticket
    from uanl.notifications.creation import make_dedupe_key

    url = _keyed_database_at("0008", backend_name, tmp_path, monkeypatch)
    engine = build_engine(url)
    with engine.begin() as conn:
        for statement in ELSEWHERE_ROWS:
            conn.execute(text(statement), {"f": False})
    engine.dispose()
    migrate.upgrade(url=url)
    engine = build_engine(url)
    with engine.connect() as conn:
        sealed = conn.execute(text(ELSEWHERE_SELECT)).one()
        dedupe = conn.execute(text("SELECT dedupe_key FROM notifications")).scalar_one()
        history = conn.execute(text("SELECT changes FROM ticket_events")).scalar_one()
        sealed_context = conn.execute(text("SELECT context FROM notifications")).scalar_one()
    assert sealed_context.startswith("enc1.")
    history = json.loads(history) if isinstance(history, str) else history
    assert history == {"title": [None, "Sin red"], "requester_email": [None, "***"]}
    assert all(v.startswith("enc1.") for v in sealed)
    assert dedupe == make_dedupe_key("ticket.created", "ticket", 1, "email", "maria@proveedor.mx")
    with Session(engine) as db:
        ticket = db.scalars(select(Ticket)).one()
        assert ticket.requester_email == "maria@proveedor.mx"
        # SQLite did not rebuild `tickets` (which would have deleted its comments)
        assert db.scalar(text("SELECT count(*) FROM ticket_comments")) == 1
        hit = select(Notification.recipient).where(
            Notification.recipient_bidx == blind_index("recipient", " maria@proveedor.MX")
        )
        assert db.scalars(hit).one() == "Maria@Proveedor.mx"
        assert db.scalars(select(Notification.context)).one() == {"address": "Calle 5 de Mayo 10"}
    engine.dispose()
    migrate.downgrade("0008", url=url)
    engine = build_engine(url)
    with engine.connect() as conn:
        plain = conn.execute(text(ELSEWHERE_SELECT)).one()
        context = conn.execute(text("SELECT context FROM notifications")).scalar_one()
    engine.dispose()
    assert tuple(plain) == ELSEWHERE_PLAIN
    context = json.loads(context) if isinstance(context, str) else context
    assert context == {"address": "Calle 5 de Mayo 10"}
    migrate.upgrade(url=url)  # and up again: a dedupe key hashed before is not hashed twice
    engine = build_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT dedupe_key FROM notifications")).scalar_one() == dedupe
    engine.dispose()


@pytest.mark.parametrize("backend_name", ["sqlite", "postgres"])
def test_upgrading_a_populated_database_keeps_every_referencing_row(
    backend_name, tmp_path, monkeypatch
):
    """Rebuilding a referenced table (SQLite batch mode) must not fire ON DELETE actions.

    Visits cascade-delete with their client and tickets lose their client (SET NULL): a
    rebuild of `clients` with foreign keys enforced would do both to live data."""
    url = _keyed_database_at("0006", backend_name, tmp_path, monkeypatch)
    engine = build_engine(url)
    with engine.begin() as conn:
        conn.execute(text(OPERATOR_ROW), {"t": True, "f": False})
        conn.execute(text(CLIENT_ROW))
        conn.execute(
            text(
                "INSERT INTO tickets (title, description, priority, state, source, client_id, "
                "sla_paused_minutes, "
                "assignee_id, escalation_level, reopen_count, version, created_at, updated_at) "
                "SELECT 'Falla', '', 'medium', 'open', 'api', c.id, 0, o.id, 0, 0, 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM clients c, operators o"
            )
        )
        conn.execute(
            text(
                "INSERT INTO scheduled_visits (client_id, ticket_id, scheduled_start, "
                "scheduled_end, state, forced, reschedule_count, version, created_at, "
                "updated_at) SELECT client_id, id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                "'scheduled', :f, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM tickets"
            ),
            {"f": False},
        )
    migrate.upgrade(url=url)
    with engine.connect() as conn:
        ticket = conn.execute(text("SELECT client_id, assignee_id FROM tickets")).one()
        visits = conn.execute(text("SELECT count(*) FROM scheduled_visits")).scalar_one()
        if backend_name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on
    engine.dispose()
    assert visits == 1
    assert ticket.client_id is not None and ticket.assignee_id is not None
