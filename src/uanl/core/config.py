"""One Settings object for the whole service, read from the environment and `.env`."""

from __future__ import annotations

import secrets
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

    # Report jobs (issue 4): generated files are kept this many days, then cleaned up.
    report_retention_days: int = Field(7, alias="REPORT_RETENTION_DAYS", ge=1, le=3650)

    # Watson (issue 5): IBM IAM and the Assistant instance used by the connection check.
    watson_iam_url: str = Field("https://iam.cloud.ibm.com", alias="WATSON_IAM_URL")
    watson_url: str | None = Field(None, alias="WATSON_URL")
    watson_assistant_id: str | None = Field(None, alias="WATSON_ASSISTANT_ID")
    watson_timeout_s: float = Field(5.0, alias="WATSON_TIMEOUT_S", gt=0, le=120)

    # Security (issue 7): rate limits ("N/second|minute|hour"), login lockout, hardening.
    rate_limit_enabled: bool = Field(True, alias="RATE_LIMIT_ENABLED")
    rate_limit_api: str = Field("300/minute", alias="RATE_LIMIT_API")
    rate_limit_login: str = Field("10/minute", alias="RATE_LIMIT_LOGIN")
    rate_limit_webhook: str = Field("120/minute", alias="RATE_LIMIT_WEBHOOK")
    login_lockout_attempts: int = Field(5, alias="LOGIN_LOCKOUT_ATTEMPTS", ge=1, le=1000)
    login_lockout_minutes: int = Field(15, alias="LOGIN_LOCKOUT_MINUTES", ge=1, le=24 * 60)
    cors_origins: str = Field("", alias="CORS_ORIGINS")
    allowed_hosts: str = Field("*", alias="ALLOWED_HOSTS")
    max_body_bytes: int = Field(5 * 1024 * 1024, alias="MAX_BODY_BYTES", ge=1024)

    @field_validator("rate_limit_api", "rate_limit_login", "rate_limit_webhook")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit such as '300/minute'") from exc
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]

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
        key = self.secret_key or ""
        if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < MIN_SECRET_LENGTH:
            problems.append(
                "SECRET_KEY is missing, a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if not self.database_url:
            problems.append("DATABASE_URL is required in production (postgresql+psycopg://...)")
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
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def effective_secret_key(self) -> str:
        """SECRET_KEY, or in development a generated one persisted in the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key.dev"
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.write_text(key + "\n")
        path.chmod(0o600)
        logger.warning(
            "SECRET_KEY not set: generated a DEVELOPMENT key in {} — set SECRET_KEY in production",
            path,
        )
        return key


def normalise_database_url(url: str) -> str:
    """Accept the spec's `postgresql://` form and pin it to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
