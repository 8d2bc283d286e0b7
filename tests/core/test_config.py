from __future__ import annotations

import stat
from pathlib import Path

import pytest

from uanl.core.config import ConfigError, Settings
from uanl.core.crypto import generate_key, parse_key_list


def settings(**env):
    return Settings(_env_file=None, **env)


def test_embedded_defaults(tmp_path):
    s = settings(UANL_DATA_DIR=str(tmp_path))
    assert s.is_sqlite and s.effective_database_url == f"sqlite:///{tmp_path / 'uanl.db'}"
    assert s.timezone == "America/Monterrey"
    key = s.effective_secret_key()
    path = tmp_path / "secret_key.dev"
    assert path.read_text().strip() == key and len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings(UANL_DATA_DIR=str(tmp_path)).effective_secret_key() == key  # persisted


def test_spec_style_postgres_url_uses_psycopg3():
    s = settings(DATABASE_URL="postgresql://u:p@db:5432/uanl")
    assert s.effective_database_url == "postgresql+psycopg://u:p@db:5432/uanl"


@pytest.mark.parametrize("key", [None, "your-secure-secret-key", "changeme", "short-key"])
def test_production_refuses_missing_or_placeholder_secret(key):
    env = {"UANL_ENV": "production", "DATABASE_URL": "postgresql://u@h/db"}
    if key is not None:
        env["SECRET_KEY"] = key
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        settings(**env)


def test_production_requires_database_url():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        settings(UANL_ENV="production", SECRET_KEY="x" * 48)


PROD_KEYS = {"DATA_ENCRYPTION_KEYS": generate_key(), "BLIND_INDEX_KEY": generate_key()}


def test_production_accepts_real_settings():
    s = settings(
        UANL_ENV="production", SECRET_KEY="k" * 48, DATABASE_URL="postgresql://u@h/d", **PROD_KEYS
    )
    assert s.is_production


@pytest.mark.parametrize("missing", ["DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_production_requires_encryption_keys(missing):
    env = {"UANL_ENV": "production", "SECRET_KEY": "k" * 48, "DATABASE_URL": "postgresql://u@h/d"}
    env |= {k: v for k, v in PROD_KEYS.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing} is (required|missing).*uanl keys generate"):
        settings(**env)


# Fixed ids: a random key in an id makes the collection differ between xdist workers.
@pytest.mark.parametrize(
    "bad",
    ["not base64!", "c2hvcnQ", f"{generate_key()},tooshort"],
    ids=["not-base64", "too-short", "second-key-too-short"],
)
def test_malformed_data_keys_are_refused_in_every_mode(bad):
    with pytest.raises(ValueError, match="key"):
        settings(DATA_ENCRYPTION_KEYS=bad)


def test_development_generates_and_keeps_encryption_keys(tmp_path):
    s = settings(UANL_DATA_DIR=str(tmp_path))
    data_keys, index_key = s.effective_data_keys(), s.effective_blind_index_key()
    assert len(parse_key_list(data_keys)) == 1 and len(index_key) >= 32
    for name in ("data_encryption_keys.dev", "blind_index_key.dev"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    again = settings(UANL_DATA_DIR=str(tmp_path))
    assert (again.effective_data_keys(), again.effective_blind_index_key()) == (
        data_keys,
        index_key,
    )


def test_unknown_timezone_is_refused():
    with pytest.raises(ValueError, match="TIMEZONE"):
        settings(TIMEZONE="Mars/Olympus")


def test_env_file_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("TIMEZONE=America/Mexico_City\nSMTP_PORT=2525\n")
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.timezone == "America/Mexico_City" and s.smtp_port == 2525


def test_every_setting_is_documented_in_env_example():
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    missing = [
        f.alias for f in Settings.model_fields.values() if f.alias and f"{f.alias}=" not in text
    ]
    assert missing == []
