"""Every console screen, in both languages, as a supervisor and as an operator: axe-core
(shipped inside the axe-playwright-python wheel, injected by Playwright) finds no serious or
critical violation, every screen gets a screenshot in test-artifacts/web/, and an operator
neither sees nor opens the supervisors' screens."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.web.conftest import log_in, screenshot

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

SUPERVISOR_SCREENS = [
    "dashboard",
    "tickets",
    "ticket",
    "visits",
    "clients",
    "calls",
    "reports",
    "operators",
]
OPERATOR_SCREENS = ["dashboard", "tickets", "ticket", "visits", "clients", "calls"]
LEAD_ONLY = {"reports", "operators"}
BLOCKING = {"serious", "critical"}


def _problems(page: Any) -> list[str]:
    results = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def _settled(page: Any) -> None:
    """The screen has drawn what it loads: no busy region left, no toast fading in or out
    (axe would judge a half-transparent toast's contrast). The dashboard's event stream stays
    open, so "network idle" is no test here."""
    page.wait_for_function(
        """() => !document.querySelector('#view [aria-busy="true"]')"""
        " && !document.querySelector('#toast.visible')"
    )


def _open(page: Any, base: str, screen: str, ticket_id: int) -> None:
    hash_ = f"#/tickets/{ticket_id}" if screen == "ticket" else f"#/{screen}"
    page.goto(f"{base}/{hash_}")
    expect(page.locator("#view h1, #view h2").first).to_be_visible()
    _settled(page)


def _walk(page: Any, base: str, screens: list[str], who: str, ticket_id: int) -> list[str]:
    found: list[str] = []
    for lang in ("es", "en"):
        for screen in screens:
            _open(page, base, screen, ticket_id)
            if page.evaluate("document.documentElement.lang") != lang:
                page.locator("#topbar [data-lang-toggle]").click()
                expect(page.locator("html")).to_have_attribute("lang", lang)
                _settled(page)
            screenshot(page, f"{screen}-{who}-{lang}")
            found += [f"{who} {lang} #{screen}: {p}" for p in _problems(page)]
    return found


@pytest.fixture
def a_ticket(base_url: str, sup_h: dict[str, str]) -> int:
    resp = httpx.post(
        f"{base_url}/api/v1/tickets/",
        json={"title": "Impresora sin tóner", "category": "hardware", "priority": "high"},
        headers=sup_h,
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def test_every_screen_passes_axe_for_a_supervisor(new_page, base_url, staff, a_ticket):
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    found = _walk(page, base_url, SUPERVISOR_SCREENS, "supervisor", a_ticket)
    assert found == [], "\n".join(found)


def test_an_operator_passes_axe_and_never_sees_lead_screens(new_page, base_url, staff, a_ticket):
    page = new_page()
    log_in(page, base_url, staff.operator.email)
    for screen in LEAD_ONLY:
        expect(page.locator(f"#topbar [data-route='{screen}']")).to_be_hidden()
    found = _walk(page, base_url, OPERATOR_SCREENS, "operator", a_ticket)
    assert found == [], "\n".join(found)
    for screen in LEAD_ONLY:
        page.goto(f"{base_url}/#/{screen}")
        expect(page.locator("#view")).not_to_contain_text(screen.capitalize())
