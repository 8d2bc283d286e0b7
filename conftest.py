"""Suite-wide pytest hooks that must load before tests/ (see tests/xdist_groups.py)."""

from tests.xdist_groups import pytest_collection_modifyitems  # noqa: F401
