"""Fuzzing runs on the embedded backend (SQLite) only, to stay within CI's time budget.

The `backend` fixture of tests/conftest.py is parametrized over SQLite and PostgreSQL;
overriding it here keeps one backend. `UANL_FUZZ_BACKEND=postgres` fuzzes PostgreSQL instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import (
    Backend,
    ensure_pg_database,
    make_settings,
    pg_url_for_worker,
    reset_pg_schema,
)
from uanl.core import migrate

# The Watson endpoints answer 503 until a key is configured; the fuzzer sends it.
WATSON_KEY = "fuzz-watson-key-0123456789abcdef"


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    name = os.environ.get("UANL_FUZZ_BACKEND", "sqlite")
    data_dir = tmp_path_factory.mktemp(f"fuzz-{name}")
    if name == "postgres":
        url = pg_url_for_worker()
        ensure_pg_database(url)
        reset_pg_schema(url)
    else:
        url = f"sqlite:///{data_dir / 'fuzz.db'}"
    migrate.upgrade(url=url)
    yield Backend(name, url, make_settings(url, data_dir, WATSON_API_KEY=WATSON_KEY))
