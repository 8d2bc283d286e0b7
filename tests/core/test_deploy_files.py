"""The Dockerfile and docker-compose.yml name things that exist.

No container engine runs here (docs/operations.md), so these checks are what the files can
be held to on this machine: every command a service runs is a real `uanl` command or the
Celery app, every variable the stack sets is one the settings read, and the production
secrets are required rather than defaulted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from uanl.cli import app as cli_app
from uanl.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
BUILT = {"migrate", "api", "worker", "beat", "flower"}
# Read by code outside the settings object (metrics, backups) — see docs/operations.md.
EXTRA_ENV = {"METRICS_DIR", "BACKUP_DIR", "BACKUP_KEEP"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _dockerfile_cmd() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    match = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert match, "Dockerfile has an exec-form CMD"
    return list(yaml.safe_load(match.group(1)))


def _settings_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add((field.alias or name).upper())
    return names


def test_compose_has_the_production_services_and_builds_ours() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", *BUILT} <= set(services)
    for name in BUILT:
        assert services[name].get("build") == ".", name
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("api", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_every_uanl_command_the_stack_runs_exists() -> None:
    services = _compose()["services"]
    commands = [services[n]["command"] for n in ("migrate", "worker", "beat")]
    commands.append(_dockerfile_cmd())  # the api service runs the image's CMD
    runner = CliRunner()
    for command in commands:
        assert command[0] == "uanl", command
        words = [w for w in command[1:] if not w.startswith("-")][:2]
        args = [w for w in words if w in {"db", "upgrade", "serve", "worker", "beat"}]
        result = runner.invoke(cli_app, [*args, "--help"])
        assert result.exit_code == 0, (command, result.output)
        for option in (w.split("=")[0] for w in command[1:] if w.startswith("--")):
            assert option in result.output, (command, option)
    flower = services["flower"]["command"]
    assert flower[:4] == ["celery", "-A", "uanl.worker", "flower"]
    import uanl.worker

    assert uanl.worker.celery_app.main


def test_stack_environment_is_read_by_the_settings_and_secrets_are_required() -> None:
    env = _compose()["services"]["api"]["environment"]
    unknown = set(env) - _settings_names() - EXTRA_ENV
    assert not unknown, f"variables no code reads: {sorted(unknown)}"
    for secret in ("SECRET_KEY", "DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        assert ":?" in str(env[secret]), f"{secret} must be required, not defaulted"
    assert env["UANL_ENV"] == "production"
    assert str(env["DATABASE_URL"]).startswith("postgresql+psycopg://")


def test_image_is_multi_stage_and_runs_as_a_user() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, re.MULTILINE)
    assert len(stages) >= 2
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
