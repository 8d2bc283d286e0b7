"""Suite-wide pytest hooks that must load before tests/ (see tests/xdist_groups.py)."""

# Services publish domain events; their subscribers are wired when the Celery app module is
# imported (uanl.wiring), as in every served process. Tests that call services directly,
# without create_app, need the same wiring.
import uanl.worker  # noqa: E402, F401
from tests.xdist_groups import pytest_collection_modifyitems  # noqa: F401
