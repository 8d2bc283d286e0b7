"""Under pytest-xdist (`make test` runs `-n 2 --dist loadgroup`), tests that share one
machine-wide resource run in the same worker, one after another.

The machine's Redis on 127.0.0.1:6379 is the one such resource: modules pick a database
number and empty it (`flushdb`), so two of them at once would wipe each other's keys. Any
module that names that address joins the group, so a new one cannot forget to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_REDIS = "127.0.0.1:6379"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    shares: dict[Path, bool] = {}
    for item in items:
        path = Path(item.path)
        if path not in shares:
            shares[path] = SHARED_REDIS in path.read_text(encoding="utf-8")
        if shares[path]:
            item.add_marker(pytest.mark.xdist_group("shared-redis"))
