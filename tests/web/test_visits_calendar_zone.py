"""The console's visits calendar shows desk-local times and days, whatever the browser's
own time zone (issue 12, item 9: visits at 13-16 h in Monterrey showed at 7-10 p.m. in a
browser on UTC). Headless Chromium with a forced time zone against a real uvicorn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import TIMEOUT_MS, log_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

MTY = ZoneInfo("America/Monterrey")
# A fixed week (booked with force=true, so it is valid on whatever day the suite runs).
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=MTY)  # 15:00 UTC; Tuesday 00:00 in Tokyo
FRIDAY_17 = datetime(2027, 3, 5, 17, 0, tzinfo=MTY)  # 23:00 UTC; Saturday 08:00 in Tokyo


def _book(base: str, headers: dict[str, str], client_id: int, operator_id: int, start: datetime):
    end = start.replace(hour=start.hour + 1)
    body = {
        "client_id": client_id,
        "operator_id": operator_id,
        "scheduled_start": start.isoformat(),
        "scheduled_end": end.isoformat(),
        "force": True,
    }
    resp = httpx.post(f"{base}/api/v1/visits/", json=body, headers=headers)
    assert resp.status_code == 201, resp.text


def _span(start: str, end: str) -> re.Pattern[str]:
    """A shown range such as "05:00 p.m.–06:00 p.m." from "05:00 p", "06:00 p"."""

    def one(text: str) -> str:
        clock, half = text.split()
        return rf"{clock}\s*{half}\.\s*m\."

    return re.compile(rf"^{one(start)}–{one(end)}$")


@pytest.fixture
def page_in_zone(chromium: Any, base_url: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(zone: str) -> Any:
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900}, locale="es-MX", timezone_id=zone
        )
        contexts.append(context)
        return context.new_page()

    expect.set_options(timeout=TIMEOUT_MS)
    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_visit_times_and_days_are_the_desks_local_ones(
    page_in_zone: Any, base_url: str, staff: Any, admin_h: dict[str, str], zone: str
) -> None:
    client = httpx.post(
        f"{base_url}/api/v1/clients/",
        json={"name": "Aceros del Norte", "address": "Av. Constitución 100, Monterrey"},
        headers=admin_h,
    )
    assert client.status_code == 201, client.text
    for start in (MONDAY_9, FRIDAY_17):
        _book(base_url, admin_h, client.json()["id"], staff.operator.id, start)

    page = page_in_zone(zone)
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == zone
    log_in(page, base_url, staff.admin.email)
    page.goto(f"{base_url}/#/visits?week=2027-03-01")
    days = page.locator(".week section.day")
    expect(days).to_have_count(7)
    expect(page.locator(".week li.visit")).to_have_count(2)
    monday, friday = days.nth(0), days.nth(4)
    expect(monday.locator("h2")).to_contain_text("lunes")
    # es-MX writes a 12-hour clock: "09:00 a.m.–10:00 a.m." (the old code: 03:00 p.m. on UTC).
    expect(monday.locator("li.visit time")).to_have_text(_span("09:00 a", "10:00 a"))
    expect(friday.locator("h2")).to_contain_text("viernes")
    expect(friday.locator("li.visit time")).to_have_text(_span("05:00 p", "06:00 p"))
    expect(page.locator('p[role="status"]')).to_have_text("2 visitas en la semana")
