"""The ticket workspace end to end in headless Chromium on PostgreSQL: creating and editing
tickets (errors next to their fields, client type-ahead, version conflicts), the triage inbox
(SLA urgency, client column, sorting), screenshots in both languages.

Bulk actions, saved views, shortcuts and live updates: test_console_workspace_triage.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.web.conftest import log_in, screenshot
from uanl.core import db as dbmod
from uanl.models import SlaStatus, Ticket, utcnow

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def post(base: str, headers: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1{path}", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def set_sla(ticket_id: int, minutes_left: float, status: SlaStatus) -> None:
    """Deadlines relative to now, whatever the policies and business calendar would say."""
    due = utcnow() + timedelta(minutes=minutes_left)
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(resolution_due_at=due, first_response_due_at=None, sla_status=status)
        )


def invalid_with_message(page: Any, control_id: str, text: str) -> None:
    control = page.locator(f"#{control_id}")
    expect(control).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{control_id}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(text)
    described = control.get_attribute("aria-describedby") or ""
    assert f"{control_id}-error" in described.split(), described


def test_inbox_shows_sla_urgency_clients_and_sorts(new_page, base_url, staff, admin_h):
    norte = post(base_url, admin_h, "/clients", {"name": "Cervecería del Norte"})
    late = post(
        base_url, admin_h, "/tickets", {"title": "Bomba detenida", "client_id": norte["id"]}
    )
    soon = post(base_url, admin_h, "/tickets", {"title": "Acceso al portal", "priority": "high"})
    fine = post(base_url, admin_h, "/tickets", {"title": "Cambio de tóner", "priority": "low"})
    set_sla(late["id"], -90, SlaStatus.breached)
    set_sla(soon["id"], 30, SlaStatus.on_track)  # under an hour: at risk before the sweep says so
    set_sla(fine["id"], 300, SlaStatus.on_track)

    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.get_by_role("link", name="Tickets").click()
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(3)

    def row(ticket: dict[str, Any]) -> Any:
        return page.locator(f'tr[data-ticket="{ticket["id"]}"]')

    expect(row(late).locator(".client-cell")).to_have_text("Cervecería del Norte")
    expect(row(late).locator("[data-sla]")).to_have_attribute("data-sla", "breached")
    expect(row(late).locator("[data-sla]")).to_contain_text("Vencido")
    expect(row(soon).locator("[data-sla]")).to_have_attribute("data-sla", "at_risk")
    expect(row(soon).locator("[data-sla]")).to_contain_text("En riesgo")
    expect(row(fine).locator("[data-sla]")).to_contain_text("A tiempo")
    expect(row(fine).locator(".client-cell")).to_have_text("—")
    screenshot(page, "workspace-inbox-es")

    # Sorting goes through the API's sort parameter and the hash.
    page.get_by_role("button", name="Ordenar por Título").click()
    expect(page).to_have_url(
        f"{base_url}/#/tickets?view=all&state=open-states&priority=&q=&sort=title"
    )
    expect(rows.first).to_contain_text("Acceso al portal")
    title_th = page.locator("th", has=page.locator('button[data-sort="title"]'))
    expect(title_th).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name="Ordenar por Título").click()
    expect(title_th).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_contain_text("Cambio de tóner")

    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.get_by_role("heading", name="Ticket inbox")).to_be_visible()
    expect(row(late).locator("[data-sla]")).to_contain_text("Breached")
    expect(row(soon).locator("[data-sla]")).to_contain_text("At risk")
    screenshot(page, "workspace-inbox-en")

    # A phone keeps selection, number, title, state and SLA in view.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(row(late).locator("[data-sla]")).to_be_visible()
    expect(row(late).locator(".client-cell")).to_be_hidden()
    screenshot(page, "workspace-inbox-phone-en")


def test_new_ticket_form_shows_api_errors_by_field_and_picks_a_client(
    new_page, base_url, staff, admin_h
):
    norte = post(base_url, admin_h, "/clients", {"name": "Cervecería del Norte"})
    post(base_url, admin_h, "/clients", {"name": "Cementos del Sur"})
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.get_by_role("link", name="Tickets").click()
    page.get_by_role("button", name="Nuevo ticket").click()
    dialog = page.get_by_role("dialog", name="Nuevo ticket")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Título")).to_be_focused()

    # The API refuses; its problem+json names the fields, shown beside each one.
    dialog.get_by_label("Título").fill("ab")
    dialog.get_by_label("Correo del solicitante").fill("no-es-correo")
    dialog.get_by_role("button", name="Crear ticket").click()
    invalid_with_message(page, "new-ticket-title", "al menos 3 caracteres")
    invalid_with_message(page, "new-ticket-requester-email", "correo electrónico válido")
    expect(dialog.get_by_label("Título")).to_be_focused()
    screenshot(page, "workspace-new-ticket-errors-es")

    # Client type-ahead over GET /clients?q=: arrows and Enter choose.
    dialog.get_by_label("Título").fill("La línea 3 no arranca")
    dialog.get_by_label("Correo del solicitante").fill("jefe.planta@norte.mx")
    dialog.get_by_label("Nombre del solicitante").fill("Ramiro Garza")
    client_box = dialog.get_by_role("combobox", name="Cliente")
    client_box.press_sequentially("cerve", delay=30)
    options = dialog.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(client_box).to_have_attribute("aria-expanded", "true")
    client_box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    client_box.press("Enter")
    expect(client_box).to_have_value("Cervecería del Norte")
    expect(dialog).to_be_visible()  # Enter chose the client, it did not submit the form
    dialog.get_by_label("Prioridad del ticket").select_option("urgent")
    dialog.get_by_label("Categoría del ticket").fill("redes")
    dialog.get_by_label("Etiquetas").fill("planta, urgente")
    dialog.get_by_label("Descripción").fill("Se detuvo a las 7:10.")
    expect(page.locator("#new-ticket-title")).not_to_have_attribute("aria-invalid", "true")
    screenshot(page, "workspace-new-ticket-es")
    dialog.get_by_role("button", name="Crear ticket").click()

    expect(page.locator("#ticket-title")).to_contain_text("La línea 3 no arranca")
    details = page.locator(".details")
    expect(details).to_contain_text("Cervecería del Norte")
    expect(details).to_contain_text("Ramiro Garza · jefe.planta@norte.mx")
    expect(details).to_contain_text("planta, urgente")
    ticket_id = int(page.url.rsplit("/", 1)[1])
    made = httpx.get(f"{base_url}/api/v1/tickets/{ticket_id}", headers=admin_h).json()
    assert made["client_id"] == norte["id"] and made["priority"] == "urgent"
    assert made["source"] == "web" and made["tags"] == ["planta", "urgente"]

    # English: the same dialog and error words.
    page.get_by_role("link", name="Tickets").click()
    page.locator("#topbar [data-lang-toggle]").click()
    page.get_by_role("button", name="New ticket").click()
    dialog = page.get_by_role("dialog", name="New ticket")
    dialog.get_by_role("button", name="Create ticket").click()
    invalid_with_message(page, "new-ticket-title", "at least 3 characters")
    screenshot(page, "workspace-new-ticket-errors-en")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_edit_ticket_patches_changes_and_reports_a_conflict(new_page, base_url, staff, admin_h):
    post(base_url, admin_h, "/clients", {"name": "Transportes Regios"})
    ticket = post(base_url, admin_h, "/tickets", {"title": "Falla el GPS", "tags": ["flota"]})
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/tickets/{ticket['id']}")
    expect(page.locator("#ticket-title")).to_contain_text("Falla el GPS")

    page.get_by_text("Editar datos del ticket").click()
    edit = page.locator(".edit-form")
    edit.get_by_label("Título").fill("Falla el GPS de la unidad 12")
    edit.get_by_label("Prioridad del ticket").select_option("high")
    edit.get_by_label("Etiquetas").fill("flota, gps")
    box = edit.get_by_role("combobox", name="Cliente")
    box.press_sequentially("regios", delay=30)
    page.get_by_role("option", name="Transportes Regios").click()
    edit.get_by_label("Correo del solicitante").fill("x@")
    edit.get_by_role("button", name="Actualizar ticket").click()
    invalid_with_message(page, "edit-requester-email", "correo electrónico válido")
    edit.get_by_label("Correo del solicitante").fill("")
    edit.get_by_role("button", name="Actualizar ticket").click()
    expect(page.locator("#ticket-title")).to_contain_text("Falla el GPS de la unidad 12")
    expect(page.locator(".badges")).to_contain_text("Alta")
    expect(page.locator(".details")).to_contain_text("Transportes Regios")
    expect(page.locator(".history")).to_contain_text("Título")
    after = httpx.get(f"{base_url}/api/v1/tickets/{ticket['id']}", headers=admin_h).json()
    assert after["tags"] == ["flota", "gps"] and after["version"] == ticket["version"] + 1
    screenshot(page, "workspace-ticket-edit-es")

    # Someone else changes it meanwhile: the page says so; a stale edit is a 409, not lost.
    page.get_by_text("Editar datos del ticket").click()
    edit.get_by_label("Título").fill("Mi versión del título")
    changed = httpx.patch(
        f"{base_url}/api/v1/tickets/{ticket['id']}", json={"priority": "urgent"}, headers=admin_h
    )
    assert changed.status_code == 200
    expect(page.locator(".live-notice")).to_contain_text("Otra persona cambió este ticket.")
    edit.get_by_role("button", name="Actualizar ticket").click()
    expect(edit.locator(".form-status")).to_contain_text(
        "El ticket cambió desde que lo cargaste; recárgalo"
    )
    expect(edit.get_by_label("Título")).to_have_value("Mi versión del título")  # nothing lost
    screenshot(page, "workspace-ticket-conflict-es")
    edit.get_by_role("button", name="Recargar").click()
    expect(page.locator(".badges")).to_contain_text("Urgente")
    expect(page.locator("#ticket-title")).to_contain_text("unidad 12")

    page.locator("#topbar [data-lang-toggle]").click()
    page.get_by_text("Edit ticket details").click()
    expect(page.locator(".edit-form").get_by_role("button", name="Update ticket")).to_be_visible()
    screenshot(page, "workspace-ticket-edit-en")
