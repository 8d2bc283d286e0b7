"""Loguru everywhere: uvicorn, SQLAlchemy and our own lines; JSON lines in production."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any

from loguru import logger

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class InterceptHandler(logging.Handler):
    """Send stdlib logging records (uvicorn, sqlalchemy, alembic, celery) into Loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = logging.currentframe(), 2
        while frame and frame.f_code.co_filename == logging.__file__:
            frame = frame.f_back  # type: ignore[assignment]
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def _patch(record: Any) -> None:
    record["extra"].setdefault("request_id", request_id_var.get())


_configured = False


def stdlib_level(level: str) -> int:
    """The stdlib number of a Loguru level name (TRACE and unknown names: everything)."""
    number = logging.getLevelName(level.upper())
    return number if isinstance(number, int) else 0


def setup_logging(*, json: bool = False, level: str = "INFO") -> None:
    global _configured
    logger.remove()
    logger.configure(patcher=_patch)
    if json:
        logger.add(sys.stderr, level=level, serialize=True, backtrace=False, diagnose=False)
    else:
        logger.add(
            sys.stderr,
            level=level,
            backtrace=False,
            diagnose=False,
            format="<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | "
            "<cyan>{extra[request_id]}</cyan> | {message}",
        )
    # The stdlib side filters at the same level as our sink: at level 0 every library's
    # debug record is built and handed to Loguru only to be dropped, and uvicorn wraps the
    # app in its per-message trace logger (it checks the effective level at start-up).
    logging.basicConfig(handlers=[InterceptHandler()], level=stdlib_level(level), force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "sqlalchemy", "alembic", "celery"):
        lg = logging.getLogger(name)
        lg.handlers = [InterceptHandler()]
        lg.propagate = False
    # Our middleware writes one line per request; uvicorn's access log would double it.
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    _configured = True
