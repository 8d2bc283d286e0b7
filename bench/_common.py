"""What the bench scripts share now that contact data is encrypted at rest.

Every benchmark database gets one stable key dir: `$UANL_BENCH_DATA_DIR`, or
`<repo>/.data/bench-<database name>` (gitignored). Its development keys
(`data_encryption_keys.dev`, `blind_index_key.dev`, made on first use) are exported as
DATA_ENCRYPTION_KEYS / BLIND_INDEX_KEY to the script itself and to every server, worker and
subprocess it starts, so a rerun reads the rows an earlier run (or `uanl seed-demo`) sealed.
Runtime state (queues, metrics, outbox, report files) stays in each run's own UANL_DATA_DIR, as
before. A database seeded or migrated with another data dir needs that one, e.g.
`UANL_BENCH_DATA_DIR=/tmp/benchsmall` for one seeded with
`UANL_DATA_DIR=/tmp/benchsmall uanl seed-demo`. Keys already set in the environment (or
`.env`) win over the files, as in the app.

People rows (operators, clients) are written through the ORM models, so they are sealed and
blind-indexed exactly as the app does it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]


def bench_data_dir(db_url: str) -> str:
    """`$UANL_BENCH_DATA_DIR`, or `<repo>/.data/bench-<database name>` (created)."""
    explicit = os.environ.get("UANL_BENCH_DATA_DIR")
    name = make_url(db_url).database or "default"
    path = Path(explicit) if explicit else ROOT / ".data" / f"bench-{Path(name).stem}"
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def use_bench_keys(db_url: str) -> str:
    """Export the keys of `db_url`'s bench data dir to this process and its children (before
    anything reads the settings). Returns the directory."""
    from uanl.core.config import Settings, get_settings

    data_dir = bench_data_dir(db_url)
    settings = Settings(UANL_DATA_DIR=data_dir, UANL_ENV="development")  # type: ignore[call-arg]
    os.environ["DATA_ENCRYPTION_KEYS"] = settings.effective_data_keys()
    os.environ["BLIND_INDEX_KEY"] = settings.effective_blind_index_key()
    get_settings.cache_clear()
    return data_dir


@contextmanager
def orm_session(db_url: str) -> Iterator[Session]:
    """A session on the bench database (schema `uanl`), committed at the end of the block."""
    from uanl.core.db import build_engine

    engine = build_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as db, db.begin():
            yield db
    finally:
        engine.dispose()


def check_keys(db_url: str) -> None:
    """Exit with a hint when the keys in use cannot read the people rows already stored."""
    from sqlalchemy import select

    from uanl.core import migrate
    from uanl.core.crypto import CryptoError, blind_index
    from uanl.models import Operator

    have, head = migrate.current_revision(db_url), migrate.head_revision()
    if have != head:
        raise SystemExit(
            f"{make_url(db_url).database} is at revision {have}, not {head}: migrate it with "
            f"the bench keys, `UANL_DATA_DIR={bench_data_dir(db_url)} DATABASE_URL=... "
            "uanl db upgrade`"
        )
    hint = (
        f"the keys in use do not match the ones that sealed "
        f"{make_url(db_url).database}: set UANL_BENCH_DATA_DIR to the data dir it was seeded "
        "or migrated with (or DATA_ENCRYPTION_KEYS / BLIND_INDEX_KEY)"
    )
    try:
        with orm_session(db_url) as db:
            op = db.scalars(select(Operator).order_by(Operator.id).limit(1)).first()
            if op is not None and op.email_bidx != blind_index("email", op.email):
                raise SystemExit(f"blind index mismatch: {hint}")
    except CryptoError as exc:
        raise SystemExit(f"{exc}\n{hint}") from None


def upsert_admin(db_url: str, email: str, name: str, password: str, capacity: int = 0) -> int:
    """An active admin with this e-mail and password (found by its blind index); its id."""
    from sqlalchemy import select

    from uanl.core.crypto import blind_index
    from uanl.core.security import hash_password
    from uanl.models import Language, Operator, Role

    with orm_session(db_url) as db:
        admin = db.scalar(
            select(Operator).where(Operator.email_bidx == blind_index("email", email))
        )
        if admin is None:
            admin = Operator(
                name=name,
                email=email,
                skills=[],
                max_open_tickets=capacity,
                is_available=False,
                language=Language.es,
                is_senior=False,
            )
            db.add(admin)
        admin.role = Role.admin
        admin.is_active = True
        admin.password_hash = hash_password(password)
        db.flush()
        return int(admin.id)
