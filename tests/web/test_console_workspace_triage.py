"""Triage from the inbox in headless Chromium on PostgreSQL: bulk actions with a report of
what failed, saved views kept per operator on the server, keyboard shortcuts (not while
typing), live row updates when someone else takes a ticket, and what an operator may do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import auth_header
from tests.web.conftest import log_in, screenshot

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def make(base: str, headers: dict[str, str], title: str, **extra: Any) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1/tickets", json={"title": title, **extra}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def row(page: Any, ticket: dict[str, Any]) -> Any:
    return page.locator(f'tr[data-ticket="{ticket["id"]}"]')


def test_bulk_actions_report_failures_and_saved_views(new_page, base_url, staff, admin_h):
    a = make(base_url, admin_h, "Router caído en sucursal", priority="urgent")
    b = make(base_url, admin_h, "Impresora sin tóner")
    c = make(base_url, admin_h, "Correo rebotado", priority="urgent")
    done = httpx.patch(
        f"{base_url}/api/v1/tickets/{c['id']}", json={"state": "resolved"}, headers=admin_h
    )
    assert done.status_code == 200, done.text
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/tickets?view=all&state=")
    expect(page.locator("table.tickets tbody tr")).to_have_count(3)

    # Select all; one PATCH per ticket; the resolved one cannot go back to "in progress".
    page.get_by_label("Seleccionar todos los tickets de la página").check()
    expect(page.locator(".bulk-count")).to_have_text("3 seleccionados")
    page.get_by_label("Cambiar estado a").select_option("in_progress")
    page.get_by_label("Cambiar prioridad a").select_option("high")
    page.get_by_label("Asignar a").select_option(str(staff.operator.id))
    page.get_by_role("button", name="Aplicar a los seleccionados").click()
    report = page.locator(".bulk-report")
    expect(report).to_contain_text("2 de 3 tickets actualizados.")
    failure = report.locator(f'li[data-ticket="{c["id"]}"]')
    expect(failure).to_contain_text("ese estado no sigue al actual (posibles: Cerrado")
    expect(report.locator("li")).to_have_count(1)
    # What failed stays selected; the rest show their new values.
    expect(page.locator(".bulk-count")).to_have_text("1 seleccionados")
    expect(row(page, c).get_by_role("checkbox")).to_be_checked()
    expect(row(page, a)).to_contain_text("En proceso")
    expect(row(page, a)).to_contain_text(staff.operator.name)
    screenshot(page, "workspace-bulk-es")
    for t in (a, b):
        now = httpx.get(f"{base_url}/api/v1/tickets/{t['id']}", headers=admin_h).json()
        assert (now["state"], now["priority"], now["assignee_id"]) == (
            "in_progress",
            "high",
            staff.operator.id,
        )
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.get_by_role("heading", name="Bulk actions")).to_be_visible()
    screenshot(page, "workspace-bulk-en")
    page.locator("#topbar [data-lang-toggle]").click()

    # Saved views: name the current filters, reuse them after a reload, delete them.
    page.get_by_label("Prioridad", exact=True).select_option("urgent")
    page.get_by_role("button", name="Filtrar").click()
    page.get_by_label("Nombre de la vista").fill("Urgentes")
    page.get_by_role("button", name="Guardar vista").click()
    saved = page.locator('[data-saved-view="Urgentes"]')
    expect(saved.get_by_role("button", name="Urgentes", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    # The same name again: the 409 is shown next to the name field.
    page.get_by_label("Nombre de la vista").fill("urgentes")
    page.get_by_role("button", name="Guardar vista").click()
    expect(page.locator("#view-name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#view-name-error")).to_contain_text("urgentes")
    screenshot(page, "workspace-saved-views-es")

    page.goto(f"{base_url}/#/tickets")
    page.reload()
    saved = page.locator('[data-saved-view="Urgentes"]')
    expect(saved.get_by_role("button", name="Urgentes", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    saved.get_by_role("button", name="Urgentes", exact=True).click()
    expect(page.get_by_label("Prioridad", exact=True)).to_have_value("urgent")
    expect(page).to_have_url(
        f"{base_url}/#/tickets?view=all&state=&priority=urgent&q=&sort=-priority%2Ccreated_at"
    )
    views = httpx.get(f"{base_url}/api/v1/views", headers=auth_header(staff.supervisor)).json()
    assert [v["name"] for v in views] == ["Urgentes"]
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.get_by_role("heading", name="Saved views")).to_be_visible()
    screenshot(page, "workspace-saved-views-en")
    page.get_by_role("button", name="Delete the view Urgentes").click()
    expect(page.locator('[data-saved-view="Urgentes"]')).to_have_count(0)
    assert httpx.get(f"{base_url}/api/v1/views", headers=auth_header(staff.supervisor)).json() == []


def test_operator_shortcuts_live_updates_and_limits(new_page, base_url, staff, admin_h):
    first = make(base_url, admin_h, "Pantalla azul en caja 1", priority="urgent")
    second = make(base_url, admin_h, "Teclado sin respuesta", priority="high")
    third = make(base_url, admin_h, "Mouse inalámbrico", priority="low")
    theirs = make(base_url, admin_h, "Ticket de Olga", assignee_id=staff.operator2.id)
    page = new_page()
    log_in(page, base_url, staff.operator.email)
    # An operator does not see the supervisors' screens.
    expect(page.get_by_role("link", name="Reportes")).to_be_hidden()
    expect(page.get_by_role("link", name="Operadores")).to_be_hidden()
    page.get_by_role("link", name="Tickets").click()
    page.locator('[data-view="unassigned"]').click()
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(3)
    # Bulk assignment offers only "me" and "nobody" to an operator.
    options = page.get_by_label("Asignar a").locator("option")
    expect(options).to_have_count(3)

    # j/k move, "?" lists the keys, typing in a field is typing.
    page.locator("body").press("j")
    expect(row(page, first)).to_have_class("current")
    expect(row(page, first).get_by_role("link")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(row(page, third)).to_have_class("current")
    page.keyboard.press("k")
    expect(row(page, second)).to_have_class("current")
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Atajos de teclado")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Asignármelo")
    screenshot(page, "workspace-shortcuts-es")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    page.get_by_label("Buscar").fill("jk")
    expect(row(page, second)).to_have_class("current")  # no move while typing
    expect(page.get_by_label("Buscar")).to_have_value("jk")

    # "a" takes the current ticket; the row changes in place.
    row(page, second).get_by_role("link").focus()
    page.keyboard.press("a")
    expect(row(page, second)).to_contain_text(staff.operator.name)
    took = httpx.get(f"{base_url}/api/v1/tickets/{second['id']}", headers=admin_h).json()
    assert took["assignee_id"] == staff.operator.id

    # Someone else takes a ticket: its row updates without a reload.
    page.evaluate("window.__sameDocument = true")
    other = auth_header(staff.operator2)
    taken = httpx.patch(
        f"{base_url}/api/v1/tickets/{third['id']}",
        json={"assignee_id": staff.operator2.id, "priority": "medium"},
        headers=other,
    )
    assert taken.status_code == 200, taken.text
    expect(row(page, third)).to_contain_text(staff.operator2.name)
    expect(row(page, third)).to_contain_text("Media")
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "workspace-live-row-es")

    # Enter opens; "r" opens with the reply box focused.
    row(page, first).get_by_role("link").focus()
    page.keyboard.press("r")
    expect(page.locator("#ticket-title")).to_contain_text(first["title"])
    expect(page.get_by_label("Mensaje")).to_be_focused()
    page.keyboard.type("Voy para allá")  # typing "a" here does not assign
    expect(page.get_by_label("Mensaje")).to_have_value("Voy para allá")
    page.get_by_label("Mensaje").blur()
    page.keyboard.press("u")
    expect(page.get_by_role("heading", name="Bandeja de tickets")).to_be_visible()

    # Someone else's ticket: no edit form for an operator, and bulk reports the refusal.
    page.goto(f"{base_url}/#/tickets/{theirs['id']}")
    expect(page.locator("#ticket-title")).to_contain_text("Ticket de Olga")
    expect(page.get_by_text("Editar datos del ticket")).to_have_count(0)
    page.goto(f"{base_url}/#/tickets?view=all")
    expect(page.locator("table.tickets tbody tr")).to_have_count(4)
    row(page, theirs).get_by_role("checkbox").check()
    row(page, first).get_by_role("checkbox").check()
    page.get_by_label("Cambiar prioridad a").select_option("urgent")
    page.get_by_role("button", name="Aplicar a los seleccionados").click()
    report = page.locator(".bulk-report")
    expect(report).to_contain_text("1 de 2 tickets actualizados")
    expect(report.locator(f'li[data-ticket="{theirs["id"]}"]')).to_contain_text("no tienes permiso")
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.get_by_role("heading", name="Ticket inbox")).to_be_visible()
    page.locator("body").press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    screenshot(page, "workspace-shortcuts-en")
