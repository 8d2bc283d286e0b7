"""No raw enum values or server-side English on the ticket page, in either language: the
desk's categories, the history's actor and the automatic assignment's note are words."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import make_operator
from tests.web.conftest import log_in
from uanl.models import Role

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

RAW = re.compile(r"\b(facturacion|automatic assignment|on_track|at_risk|in_progress|system)\b")


def test_the_ticket_page_speaks_each_language(new_page, base_url, staff, sup_h):
    make_operator(
        "Fabiola Facturas",
        "fab@example.mx",
        Role.operator,
        is_available=True,
        skills=["facturacion"],
    )
    created = httpx.post(
        f"{base_url}/api/v1/tickets/",
        json={"title": "Factura duplicada", "category": "facturacion", "priority": "high"},
        headers=sup_h,
    )
    assert created.status_code == 201, created.text
    assert created.json()["assignee_id"] is not None  # assigned automatically: a system note
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/tickets/{created.json()['id']}")
    history = page.locator("ol.history")
    expect(history).to_contain_text("Asignación automática")
    expect(page.locator("#view")).to_contain_text("Facturación")
    expect(history).to_contain_text("Sistema")
    assert not RAW.search(page.locator("#view").inner_text())
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.locator("ol.history")).to_contain_text("Automatic assignment")
    expect(page.locator("#view")).to_contain_text("Billing")
    assert not RAW.search(page.locator("#view").inner_text())


def test_a_ticket_page_logs_a_call_about_it(new_page, base_url, staff, sup_h):
    client = httpx.post(
        f"{base_url}/api/v1/clients/", json={"name": "Cervecería del Norte"}, headers=sup_h
    ).json()
    ticket = httpx.post(
        f"{base_url}/api/v1/tickets/",
        json={"title": "Factura duplicada", "client_id": client["id"]},
        headers=sup_h,
    ).json()
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/tickets/{ticket['id']}")
    page.get_by_role("link", name="Registrar llamada").click()
    expect(page).to_have_url(re.compile(rf"#/calls/new\?ticket_id={ticket['id']}&client_id="))
    expect(page.get_by_label("Cliente", exact=True)).to_have_value(
        re.compile("Cervecería del Norte")
    )
    expect(page.get_by_label("Ticket relacionado (núm., opcional)")).to_have_value(
        str(ticket["id"])
    )
