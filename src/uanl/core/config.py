"""One Settings object for the whole service, read from the environment and `.env`."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loguru import logger
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values people copy from examples; refusing them in production prevents shipping a known key.
PLACEHOLDER_SECRETS = {
    "",
    "changeme",
    "change-me",
    "secret",
    "your-secure-secret-key",
    "dev",
    "development",
}
MIN_SECRET_LENGTH = 32


PRIORITIES = ("low", "medium", "high", "urgent")


def parse_priority_rules(value: str) -> dict[str, str]:
    """ "low:medium,high:urgent" -> {"low": "medium", "high": "urgent"}; only upwards."""
    rules: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in value.split(","))):
        source, _, target = (p.strip().lower() for p in entry.partition(":"))
        if source not in PRIORITIES or target not in PRIORITIES:
            raise ValueError(f"{entry!r}: expected 'from:to' with priorities {PRIORITIES}")
        if PRIORITIES.index(target) <= PRIORITIES.index(source):
            raise ValueError(f"{entry!r}: an escalation can only raise the priority")
        if source in rules:
            raise ValueError(f"{entry!r}: {source} has two rules")
        rules[source] = target
    return rules


class ConfigError(RuntimeError):
    """The configuration cannot run in the chosen environment; the message says why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    uanl_env: Literal["development", "production"] = Field("development", alias="UANL_ENV")
    uanl_data_dir: Path = Field(Path("./.data"), alias="UANL_DATA_DIR")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    secret_key: str | None = Field(None, alias="SECRET_KEY")
    watson_api_key: str | None = Field(None, alias="WATSON_API_KEY")
    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(587, alias="SMTP_PORT")
    smtp_user: str | None = Field(None, alias="SMTP_USER")
    smtp_password: str | None = Field(None, alias="SMTP_PASSWORD")
    smtp_from: str = Field("Mesa de Servicio UANL <no-reply@localhost>", alias="SMTP_FROM")
    timezone: str = Field("America/Monterrey", alias="TIMEZONE")
    public_base_url: str = Field("http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
    access_token_minutes: int = Field(30, alias="ACCESS_TOKEN_MINUTES", ge=1, le=60)
    refresh_token_days: int = Field(14, alias="REFRESH_TOKEN_DAYS", ge=1, le=90)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    sql_echo: bool = Field(False, alias="SQL_ECHO")
    # Database pool and load shedding, per process (docs/operations.md, "Pool sizing"): each
    # API or worker process keeps up to DB_POOL_SIZE + DB_MAX_OVERFLOW connections and waits
    # at most DB_POOL_TIMEOUT seconds for one (then 503 "busy", never "unavailable"). At most
    # MAX_INFLIGHT requests (0 = the pool's size plus overflow) hold a database session at
    # once; up to MAX_QUEUED more wait up to QUEUE_TIMEOUT_S for a slot, the rest get 503
    # with Retry-After at once. /health, /livez, /readyz and /metrics bypass the queue.
    db_pool_size: int = Field(10, alias="DB_POOL_SIZE", ge=1, le=1000)
    db_max_overflow: int = Field(5, alias="DB_MAX_OVERFLOW", ge=0, le=1000)
    db_pool_timeout: float = Field(2.0, alias="DB_POOL_TIMEOUT", gt=0, le=60)
    max_inflight: int = Field(0, alias="MAX_INFLIGHT", ge=0, le=10000)
    max_queued: int = Field(200, alias="MAX_QUEUED", ge=0, le=100000)
    queue_timeout_s: float = Field(5.0, alias="QUEUE_TIMEOUT_S", ge=0, le=60)
    # A resolved ticket may be reopened this many hours after its resolution (then: closed).
    ticket_reopen_window_hours: float = Field(
        7 * 24, alias="TICKET_REOPEN_WINDOW_HOURS", ge=0, le=365 * 24
    )
    # Minimum gap between two visits of the same technician (travel between sites).
    visit_travel_buffer_minutes: int = Field(
        30, alias="VISIT_TRAVEL_BUFFER_MINUTES", ge=0, le=24 * 60
    )

    # Notifications (e-mail, Slack, Teams, Twilio SMS) and their retry policy.
    smtp_security: Literal["starttls", "ssl", "none"] = Field("starttls", alias="SMTP_SECURITY")
    smtp_timeout_s: float = Field(10.0, alias="SMTP_TIMEOUT_S", gt=0, le=300)
    slack_webhook_url: str | None = Field(None, alias="SLACK_WEBHOOK_URL")
    teams_webhook_url: str | None = Field(None, alias="TEAMS_WEBHOOK_URL")
    twilio_account_sid: str | None = Field(None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(None, alias="TWILIO_AUTH_TOKEN")
    twilio_from: str | None = Field(None, alias="TWILIO_FROM")
    twilio_base_url: str = Field("https://api.twilio.com", alias="TWILIO_BASE_URL")
    notification_max_attempts: int = Field(8, alias="NOTIFICATION_MAX_ATTEMPTS", ge=1, le=50)
    notification_backoff_base_s: float = Field(
        30.0, alias="NOTIFICATION_BACKOFF_BASE_S", ge=0, le=3600
    )

    # Escalation sweep (issue 3): urgent-neglect thresholds, priority raising, at-risk point.
    escalation_urgent_unassigned_minutes: int = Field(
        15, alias="ESCALATION_URGENT_UNASSIGNED_MINUTES", ge=1
    )
    escalation_urgent_unanswered_minutes: int = Field(
        30, alias="ESCALATION_URGENT_UNANSWERED_MINUTES", ge=1
    )
    escalation_raise_priority: bool = Field(True, alias="ESCALATION_RAISE_PRIORITY")
    escalation_at_risk_fraction: float = Field(0.8, alias="ESCALATION_AT_RISK_FRACTION", gt=0, lt=1)
    escalation_max_level: int = Field(3, alias="ESCALATION_MAX_LEVEL", ge=1, le=20)
    # What an escalation raises each priority to ("from:to", comma-separated; a priority
    # left out keeps its level). Only applies while ESCALATION_RAISE_PRIORITY is true.
    escalation_priority_rules: str = Field(
        "low:medium,medium:high,high:urgent", alias="ESCALATION_PRIORITY_RULES"
    )

    # Report jobs (issue 4): generated files are kept this many days, then cleaned up.
    report_retention_days: int = Field(7, alias="REPORT_RETENTION_DAYS", ge=1, le=3650)
    # Scheduled reports are e-mailed as attachments up to this size; bigger ones as a link.
    report_attachment_max_bytes: int = Field(
        10 * 1024 * 1024, alias="REPORT_ATTACHMENT_MAX_BYTES", ge=0, le=50 * 1024 * 1024
    )

    # Watson (issue 5): IBM IAM and the Assistant instance used by the connection check.
    watson_iam_url: str = Field("https://iam.cloud.ibm.com", alias="WATSON_IAM_URL")
    watson_url: str | None = Field(None, alias="WATSON_URL")
    watson_assistant_id: str | None = Field(None, alias="WATSON_ASSISTANT_ID")
    watson_timeout_s: float = Field(5.0, alias="WATSON_TIMEOUT_S", gt=0, le=120)

    # Summary reports: how long a computed report may be served again (0 = never).
    report_cache_seconds: int = Field(60, alias="REPORT_CACHE_SECONDS", ge=0, le=3600)

    # Security (issue 7): rate limits ("N/second|minute|hour"), login lockout, hardening.
    rate_limit_enabled: bool = Field(True, alias="RATE_LIMIT_ENABLED")
    rate_limit_api: str = Field("300/minute", alias="RATE_LIMIT_API")
    rate_limit_login: str = Field("10/minute", alias="RATE_LIMIT_LOGIN")
    rate_limit_webhook: str = Field("120/minute", alias="RATE_LIMIT_WEBHOOK")
    login_lockout_attempts: int = Field(5, alias="LOGIN_LOCKOUT_ATTEMPTS", ge=1, le=1000)
    login_lockout_minutes: int = Field(15, alias="LOGIN_LOCKOUT_MINUTES", ge=1, le=24 * 60)
    cors_origins: str = Field("", alias="CORS_ORIGINS")
    allowed_hosts: str = Field("*", alias="ALLOWED_HOSTS")
    # Reverse proxies (IPs or CIDR networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; from any other peer they are ignored (docs/operations.md).
    trusted_proxies: str = Field("127.0.0.1,::1", alias="TRUSTED_PROXIES")
    max_body_bytes: int = Field(5 * 1024 * 1024, alias="MAX_BODY_BYTES", ge=1024)

    # Backups (issue 7): where, how many to keep, and the oldest one kept (0 = no age limit).
    backup_dir: Path | None = Field(None, alias="BACKUP_DIR")
    backup_keep: int = Field(14, alias="BACKUP_KEEP", ge=1, le=10000)
    backup_max_age_days: int = Field(0, alias="BACKUP_MAX_AGE_DAYS", ge=0, le=36500)
    backup_pg_bin_dir: str | None = Field(None, alias="BACKUP_PG_BIN_DIR")

    # Observability (issue 7): who may scrape /metrics besides an admin token, and where
    # API processes and workers keep their shared metric files.
    metrics_token: str | None = Field(None, alias="METRICS_TOKEN")
    metrics_dir: Path | None = Field(None, alias="METRICS_DIR")

    # Encryption at rest (issue 7): AES-256-GCM keys, comma-separated, the first one encrypts;
    # the others only decrypt (rotation). The blind-index secret keys the HMAC used for
    # equality lookups on encrypted columns (e-mail, RFC).
    data_encryption_keys: str | None = Field(None, alias="DATA_ENCRYPTION_KEYS")
    blind_index_key: str | None = Field(None, alias="BLIND_INDEX_KEY")

    @field_validator("data_encryption_keys")
    @classmethod
    def _valid_data_keys(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from uanl.core.crypto import parse_key_list

        parse_key_list(value)  # raises ValueError naming the bad entry
        return value

    @field_validator("rate_limit_api", "rate_limit_login", "rate_limit_webhook")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit such as '300/minute'") from exc
        return value

    @field_validator("escalation_priority_rules")
    @classmethod
    def _valid_priority_rules(cls, value: str) -> str:
        parse_priority_rules(value)  # raises ValueError naming the bad entry
        return value

    @property
    def escalation_priority_map(self) -> dict[str, str]:
        return parse_priority_rules(self.escalation_priority_rules)

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        import ipaddress

        for entry in filter(None, (e.strip() for e in value.split(","))):
            try:
                ipaddress.ip_network(entry)
            except ValueError as exc:
                raise ValueError(f"{entry!r} is not an IP address or network") from exc
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"TIMEZONE={value!r} is not an IANA time zone") from exc
        return value

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.uanl_env != "production":
            return self
        problems: list[str] = []
        _check_secret(
            problems,
            "SECRET_KEY",
            self.secret_key,
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`",
        )
        if not self.database_url:
            problems.append("DATABASE_URL is required in production (postgresql+psycopg://...)")
        token = self.metrics_token or ""  # empty (Compose's ${METRICS_TOKEN:-}) = unset
        if token and (
            token.strip().lower() in PLACEHOLDER_SECRETS or len(token) < MIN_SECRET_LENGTH
        ):
            problems.append(
                f"METRICS_TOKEN must be unset or at least {MIN_SECRET_LENGTH} random characters"
            )

        if not self.data_encryption_keys:
            problems.append(
                "DATA_ENCRYPTION_KEYS is required in production: contact data is encrypted at "
                "rest and a key generated on the fly would be lost with the container; "
                "generate one with `uanl keys generate`"
            )
        _check_secret(
            problems,
            "BLIND_INDEX_KEY",
            self.blind_index_key,
            "`uanl keys generate` (it keys e-mail/RFC lookups on encrypted data)",
        )
        if problems:
            raise ConfigError("UANL_ENV=production refuses to start: " + "; ".join(problems))
        return self

    @property
    def is_production(self) -> bool:
        return self.uanl_env == "production"

    @property
    def data_dir(self) -> Path:
        path = self.uanl_data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'uanl.db'}"

    @property
    def inflight_limit(self) -> int:
        """Requests holding a database session at once in this process."""
        return self.max_inflight or self.db_pool_size + self.db_max_overflow

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def effective_secret_key(self) -> str:
        """SECRET_KEY, or in development a generated one persisted in the data dir."""
        if self.secret_key:
            return self.secret_key
        return self._dev_secret("secret_key.dev", "SECRET_KEY", lambda: secrets.token_urlsafe(48))

    def effective_data_keys(self) -> str:
        """DATA_ENCRYPTION_KEYS, or in development a generated key kept in the data dir."""
        if self.data_encryption_keys:
            return self.data_encryption_keys
        from uanl.core.crypto import generate_key

        return self._dev_secret("data_encryption_keys.dev", "DATA_ENCRYPTION_KEYS", generate_key)

    def effective_blind_index_key(self) -> str:
        """BLIND_INDEX_KEY, or in development a generated one kept in the data dir."""
        if self.blind_index_key:
            return self.blind_index_key
        from uanl.core.crypto import generate_key

        return self._dev_secret("blind_index_key.dev", "BLIND_INDEX_KEY", generate_key)

    def _dev_secret(self, filename: str, setting: str, make: Callable[[], str]) -> str:
        """Read or create (exclusively, so concurrent processes agree) a development secret."""
        if self.is_production:
            raise ConfigError(f"{setting} must be set in production")
        path = self.data_dir / filename
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            for _ in range(50):  # another process may be writing it right now
                value = path.read_text().strip()
                if value:
                    return value
                time.sleep(0.02)
            raise ConfigError(f"{path} is empty; delete it or set {setting}") from None
        value = make()
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        logger.warning(
            "{} not set: generated a DEVELOPMENT value in {} — set {} in production",
            setting,
            path,
            setting,
        )
        return value


def _check_secret(problems: list[str], name: str, value: str | None, how: str) -> None:
    key = value or ""
    if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < MIN_SECRET_LENGTH:
        problems.append(
            f"{name} is missing, a placeholder or shorter than {MIN_SECRET_LENGTH} "
            f"characters; generate one with {how}"
        )


def normalise_database_url(url: str) -> str:
    """Accept the spec's `postgresql://` form and pin it to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
