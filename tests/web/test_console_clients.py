"""The Clients screen end to end in Chromium: search and pages, create with a field error beside
the RFC, the profile (tickets, calls, visits, CSAT from the API), edit, and what each role sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.web.conftest import log_in, screenshot
from tests.web.people_helpers import assert_accessible, post
from uanl.core import db as dbmod
from uanl.models import Ticket, utcnow

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

VALID_RFC = "SAT970701NN3"


def history_for(base: str, headers: dict[str, str], client_id: int, operator_id: int) -> None:
    """Two tickets (one answered CSAT 4, one open), a call and a visit for the client."""
    done = post(base, "/tickets", headers, {"title": "Impresora sin tóner", "client_id": client_id})
    post(base, "/tickets", headers, {"title": "Red lenta en planta", "client_id": client_id})
    with dbmod.session_scope() as db:
        db.execute(
            update(Ticket)
            .where(Ticket.id == done["id"])
            .values(csat_score=4, csat_comment="Muy amables", csat_submitted_at=utcnow())
        )
    started = (utcnow() - timedelta(hours=2)).isoformat()
    call = {"client_id": client_id, "operator_id": operator_id, "direction": "inbound"}
    call |= {"started_at": started, "duration_s": 270, "outcome": "resolved"}
    post(base, "/calls", headers, call)
    start = utcnow() + timedelta(days=2)
    visit = {"client_id": client_id, "operator_id": operator_id, "force": True}
    visit |= {"address": "Av. Universidad 100, San Nicolás"}
    visit |= {"scheduled_start": start.isoformat()}
    visit |= {"scheduled_end": (start + timedelta(hours=1)).isoformat()}
    post(base, "/visits", headers, visit)


def test_supervisor_creates_searches_and_reads_a_client(new_page, base_url, staff, sup_h):
    for i in range(27):  # two pages of 25
        post(base_url, "/clients", sup_h, {"name": f"Cliente {i:02d}", "tier": "basic"})
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.get_by_role("link", name="Clientes").click()
    expect(page.locator("#clients-count")).to_have_text("27 clientes")
    expect(page.locator("tr[data-client]")).to_have_count(25)
    page.get_by_role("button", name="Siguiente").click()
    expect(page.locator("tr[data-client]")).to_have_count(2)
    expect(page.locator(".pager-range")).to_have_text("Mostrando 26–27 de 27")

    # Create: an invalid RFC is refused by the API and shown beside its field.
    page.get_by_role("link", name="Nuevo cliente").click()
    page.get_by_label("Nombre o razón social").fill("Acme del Norte")
    page.get_by_label("RFC").fill("SAT970701NN4")  # wrong check digit
    page.get_by_label("Correo electrónico").fill("no-es-correo")
    page.get_by_role("button", name="Crear cliente").click()
    rfc_error = page.locator('[data-field="rfc"] .field-error')
    expect(rfc_error).to_contain_text("RFC no válido")
    email_error = page.locator('[data-field="email"] .field-error')
    expect(email_error).to_contain_text("Correo electrónico no válido")
    expect(page.get_by_label("RFC")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("RFC")).to_be_focused()
    screenshot(page, "clients-form-errors-es")
    assert_accessible(page, "client form with errors")
    page.get_by_label("RFC").fill(VALID_RFC)
    page.get_by_label("Correo electrónico").fill("compras@acme.mx")
    page.get_by_label("Teléfono").fill("81 8123 4567")
    page.get_by_label("Nivel de servicio").select_option("premium")
    page.get_by_role("button", name="Crear cliente").click()
    expect(page.locator("#client-name")).to_have_text("Acme del Norte")
    client_id = int(page.url.rsplit("/", 1)[1])

    # Contact data as the API returns it (normalised), no history yet.
    contact = page.locator("dl.people-details")
    expect(contact).to_contain_text("compras@acme.mx")
    expect(contact).to_contain_text(VALID_RFC)
    expect(contact).to_contain_text("8181234567")
    expect(page.locator('[data-section="csat"]')).to_contain_text("Sin respuestas")

    # A duplicate RFC is a 409 naming the field: shown beside it.
    page.goto(f"{base_url}/#/clients/new")
    page.get_by_label("Nombre o razón social").fill("Acme duplicada")
    page.get_by_label("RFC").fill(VALID_RFC)
    page.get_by_role("button", name="Crear cliente").click()
    expect(rfc_error).to_contain_text("Ya existe otro registro")

    # The profile: tickets, calls, visits and CSAT from the API.
    history_for(base_url, sup_h, client_id, staff.operator.id)
    page.goto(f"{base_url}/#/clients/{client_id}")
    expect(page.locator('[data-kpi="tickets"] .kpi-value')).to_have_text("2")
    expect(page.locator('[data-kpi="open"] .kpi-value')).to_have_text("2")
    expect(page.locator('[data-kpi="calls"] .kpi-value')).to_have_text("1")
    expect(page.locator('[data-kpi="visits"] .kpi-value')).to_have_text("1")
    expect(page.locator('[data-kpi="csat"] .kpi-value')).to_have_text("4")
    expect(page.locator('[data-section="tickets"] tr[data-ticket]')).to_have_count(2)
    calls = page.locator('[data-section="calls"] tr[data-call]')
    expect(calls).to_contain_text("Entrante")
    expect(calls).to_contain_text("Resuelta")
    expect(calls).to_contain_text("4:30")
    expect(calls).to_contain_text(staff.operator.name)
    expect(page.locator('[data-section="visits"] tr[data-visit]')).to_contain_text("Programada")
    expect(page.locator('[data-section="csat"] tr[data-answer]')).to_contain_text("Muy amables")
    expect(page.locator(".csat-average")).to_have_text("4 de 5 · 1 respuesta")
    expect(page.get_by_role("button", name="Eliminar cliente")).to_be_visible()
    screenshot(page, "client-profile-es")
    assert_accessible(page, "client profile")

    # Edit: the form keeps the values; a change shows on the profile.
    page.get_by_role("link", name="Editar").click()
    expect(page.get_by_label("Nombre o razón social")).to_be_focused()
    page.get_by_label("Persona de contacto").fill("Laura Treviño")
    page.get_by_role("button", name="Guardar").click()
    expect(contact).to_contain_text("Laura Treviño")

    # Deleting a client with history: confirmed, refused by the API, explained in words.
    page.get_by_role("button", name="Eliminar cliente").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("¿Eliminar este cliente?")
    expect(dialog.get_by_role("button", name="Cancelar")).to_be_focused()
    assert_accessible(page, "delete dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    page.get_by_role("button", name="Eliminar cliente").click()
    page.get_by_role("dialog").get_by_role("button", name="Eliminar cliente").click()
    expect(page.locator(".form-status")).to_contain_text("tiene historial")

    # English.
    page.locator("[data-lang-toggle]").first.click()
    expect(page.locator('[data-section="calls"] tr[data-call]')).to_contain_text("Inbound")
    expect(page.locator(".csat-average")).to_have_text("4 of 5 · 1 answer")
    screenshot(page, "client-profile-en")
    assert_accessible(page, "client profile (en)")
    page.goto(f"{base_url}/#/clients?q=acme")
    expect(page.locator("#clients-count")).to_have_text("1 client")
    screenshot(page, "clients-en")
    page.locator("[data-lang-toggle]").first.click()
    expect(page.locator("#clients-count")).to_have_text("1 cliente")
    screenshot(page, "clients-es")


def test_operator_edits_clients_but_cannot_delete_or_open_operators(
    new_page, base_url, staff, op_h, sup_h
):
    acme = post(base_url, "/clients", sup_h, {"name": "Acme", "email": "hola@acme.mx"})
    post(base_url, "/clients", sup_h, {"name": "Beta SA"})
    page = new_page(390, 844)  # a phone: the same flow in one column
    log_in(page, base_url, staff.operator.email)
    expect(page.get_by_role("link", name="Operadores")).to_be_hidden()
    page.get_by_role("link", name="Clientes").click()
    # Search by exact e-mail (encrypted at rest: whole values only).
    page.get_by_label("Nombre, contacto, correo o RFC exacto").fill("hola@acme.mx")
    page.get_by_label("Nombre, contacto, correo o RFC exacto").press("Enter")
    expect(page.locator("tr[data-client]")).to_have_count(1)
    page.get_by_role("link", name="Acme").click()
    expect(page.locator("#client-name")).to_have_text("Acme")
    expect(page.get_by_role("link", name="Editar")).to_be_visible()
    expect(page.get_by_role("button", name="Eliminar cliente")).to_have_count(0)
    page.get_by_role("link", name="Editar").click()
    page.get_by_label("Teléfono").fill("12")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator('[data-field="phone"] .field-error')).to_contain_text("Teléfono no válido")
    page.get_by_label("Teléfono").fill("")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("dl.people-details")).to_be_visible()

    # Supervisor-only screens answer "not found" to an operator.
    page.goto(f"{base_url}/#/operators")
    expect(page.locator("#view")).to_have_text("Página no encontrada.")
    page.goto(f"{base_url}/#/clients/{acme['id']}")
    expect(page.locator("#client-name")).to_have_text("Acme")
    expect(page.locator('[data-kpi="open"] .kpi-value')).to_have_text("0")
    expect(page.locator('[data-section="calls"]')).to_contain_text("Sin registros todavía")
    screenshot(page, "client-profile-operator-phone-es")
    assert_accessible(page, "client profile on a phone")
