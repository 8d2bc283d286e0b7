"""The `uanl` command, run as a user would (a subprocess with its own environment)."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from tests.conftest import make_settings
from uanl.core import migrate

UANL = [sys.executable, "-m", "uanl.cli"]


def run(args, data_dir, **env):
    full = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "SECRET_KEY",
            "UANL_ENV",
            "REDIS_URL",
            "DATA_ENCRYPTION_KEYS",
            "BLIND_INDEX_KEY",
        }
    }
    full.update({"UANL_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", **env})
    return subprocess.run(
        UANL + args, capture_output=True, text=True, env=full, timeout=120, cwd=data_dir
    )


def test_db_upgrade_create_admin_idempotent_and_weak_password(tmp_path):
    up = run(["db", "upgrade"], tmp_path)
    assert up.returncode == 0, up.stderr
    weak = run(["create-admin", "--email", "root@example.mx", "--password", "123"], tmp_path)
    assert weak.returncode == 1
    assert "at least 10 characters" in weak.stderr
    good = ["create-admin", "--email", "Root@Example.mx", "--password", "Fuerte-y-Larga-1"]
    first = run(good, tmp_path)
    assert first.returncode == 0 and "created" in first.stdout, first.stderr
    second = run(good, tmp_path)
    assert second.returncode == 0 and "already existed" in second.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'uanl.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT email, role FROM operators")).all()
    engine.dispose()
    # The e-mail is stored encrypted (with the development key kept in the data dir).
    assert len(rows) == 1 and rows[0][1] == "admin"
    assert rows[0][0].startswith("enc1.") and "root" not in rows[0][0]
    assert (tmp_path / "data_encryption_keys.dev").exists()
    rotated = run(["keys", "rotate"], tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    assert "operators: 1 rows, 1 encrypted values checked, 0 re-encrypted" in rotated.stdout
    current = run(["db", "current"], tmp_path)
    head = migrate.head_revision()
    assert f"current: {head}; head: {head}" in current.stdout


def test_production_without_secret_explains_and_exits(tmp_path):
    res = run(
        ["db", "current"],
        tmp_path,
        UANL_ENV="production",
        DATABASE_URL="postgresql://u@127.0.0.1/x",
    )
    assert res.returncode == 1
    assert "SECRET_KEY" in res.stderr and "refuses to start" in res.stderr


def test_settings_helper_builds_isolated_settings(tmp_path):
    s = make_settings(None, tmp_path)
    assert s.is_sqlite


def test_seed_demo_takes_a_reference_instant_and_refuses_one_without_offset(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    naive = run(["seed-demo", "--tickets", "40", "--days", "10", "--now", "2026-12-06"], tmp_path)
    assert naive.returncode == 1 and "--now needs a UTC offset" in naive.stderr
    bad = run(["seed-demo", "--tickets", "40", "--now", "el domingo"], tmp_path)
    assert bad.returncode == 1 and "not an ISO 8601 instant" in bad.stderr
    # A Sunday night in Monterrey (05:30 UTC on Monday): nothing may be dated after it.
    args = ["seed-demo", "--tickets", "40", "--days", "10", "--now", "2026-03-15T23:30-06:00"]
    seeded = run(args, tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'uanl.db'}")
    with engine.connect() as conn:
        count, newest = conn.execute(text("SELECT count(*), max(created_at) FROM tickets")).one()
    engine.dispose()
    assert count == 40
    assert str(newest)[:19] <= "2026-03-16 05:30:00", newest
    assert str(newest)[:10] >= "2026-03-12", newest  # anchored on that week, not on today
