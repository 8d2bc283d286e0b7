"""What the people screens' browser tests share: API set-up calls and the axe-core check."""

from __future__ import annotations

from typing import Any

import httpx
from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}


def post(base: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1{path}", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def assert_accessible(page: Any, where: str) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = Axe().run(page).response
    found = [
        f"{where}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]
    assert found == [], "\n".join(found)
