"""Fixtures shared with other test packages (defined in tests/factories.py)."""

from tests.factories import sla_db  # noqa: F401
