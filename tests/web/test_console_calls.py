"""The Calls screen end to end in Chromium: log a call from a client's page (errors beside the
fields), list and filter calls, read and edit one; only supervisors and admins delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import log_in, screenshot
from tests.web.people_helpers import assert_accessible, post
from uanl.models import utcnow

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def call(client_id: int, operator_id: int, outcome: str, hours_ago: int) -> dict[str, Any]:
    started = (utcnow() - timedelta(hours=hours_ago)).isoformat()
    return {
        "client_id": client_id,
        "operator_id": operator_id,
        "direction": "outbound",
        "started_at": started,
        "duration_s": 65,
        "outcome": outcome,
    }


def test_operator_logs_a_call_from_a_client_page_and_filters_calls(new_page, base_url, staff, op_h):
    acme = post(base_url, "/clients", op_h, {"name": "Acme del Norte"})
    beta = post(base_url, "/clients", op_h, {"name": "Beta Servicios"})
    post(base_url, "/calls", op_h, call(beta["id"], staff.operator2.id, "voicemail", 5))
    post(base_url, "/calls", op_h, call(beta["id"], staff.operator.id, "abandoned", 4))

    page = new_page()
    log_in(page, base_url, staff.operator.email)
    page.goto(f"{base_url}/#/clients/{acme['id']}")
    page.get_by_role("link", name="Registrar llamada").click()
    client_box = page.get_by_label("Cliente", exact=True)
    expect(client_box).to_have_value(f"Acme del Norte · #{acme['id']}")
    expect(page.get_by_label("Operador")).to_have_value(str(staff.operator.id))

    # The browser's own check (a length that is not minutes[:seconds]) and then the API's
    # (a ticket that does not exist), each beside its field.
    page.get_by_label("Duración (min:seg)").fill("cuatro")
    page.get_by_role("button", name="Registrar", exact=True).click()
    duration_error = page.locator('[data-field="duration_s"] .field-error')
    expect(duration_error).to_contain_text("minutos:segundos")
    expect(page.get_by_label("Duración (min:seg)")).to_be_focused()
    page.get_by_label("Duración (min:seg)").fill("4:30")
    page.get_by_label("Resultado").select_option("callback")
    page.get_by_label("Ticket relacionado (núm., opcional)").fill("999")
    page.get_by_label("Notas").fill("Pide que le llamen mañana a las 10.")
    page.get_by_role("button", name="Registrar", exact=True).click()
    ticket_error = page.locator('[data-field="ticket_id"] .field-error')
    expect(ticket_error).to_contain_text("No existe el número 999")  # the API's reason, in Spanish
    expect(duration_error).to_be_hidden()
    screenshot(page, "call-form-es")
    assert_accessible(page, "call form with errors")
    page.get_by_label("Ticket relacionado (núm., opcional)").fill("")
    page.get_by_role("button", name="Registrar", exact=True).click()

    # Back on the client's page, the call is there.
    expect(page.locator("#client-name")).to_have_text("Acme del Norte")
    row = page.locator('[data-section="calls"] tr[data-call]')
    expect(row).to_contain_text("Devolver llamada")
    expect(row).to_contain_text("4:30")

    # The list: every call, then filtered by outcome and by client (suggested as one types).
    page.get_by_role("link", name="Llamadas").click()
    expect(page.locator("#calls-count")).to_have_text("3 llamadas")
    expect(page.locator("tr[data-call]").first).to_contain_text("Acme del Norte")
    page.get_by_label("Resultado").select_option("abandoned")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("tr[data-call]")).to_have_count(1)
    expect(page.locator("tr[data-call]")).to_contain_text("Abandonada")
    page.get_by_label("Resultado").select_option("")
    page.get_by_label("Cliente").press_sequentially("Beta")
    expect(page.locator("#calls-client-list option")).to_have_count(1)
    page.get_by_label("Cliente").fill(f"Beta Servicios · #{beta['id']}")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#calls-count")).to_have_text("2 llamadas")
    page.get_by_label("Operador").select_option("me")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("tr[data-call]")).to_have_count(1)
    screenshot(page, "calls-es")
    assert_accessible(page, "calls list")

    # A call's page: edit it; no delete for an operator.
    page.goto(f"{base_url}/#/calls")
    page.locator("tr[data-call]").first.get_by_role("link").first.click()
    expect(page.locator("dl.people-details")).to_contain_text("Pide que le llamen")
    expect(page.get_by_role("button", name="Eliminar llamada")).to_have_count(0)
    assert_accessible(page, "call page")
    page.get_by_role("link", name="Editar").click()
    page.get_by_label("Resultado").select_option("resolved")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("dl.people-details")).to_contain_text("Resuelta")

    page.locator("[data-lang-toggle]").first.click()
    expect(page.locator("dl.people-details")).to_contain_text("Resolved")
    page.goto(f"{base_url}/#/calls")
    expect(page.locator("#calls-count")).to_have_text("3 calls")
    screenshot(page, "calls-en")
    page.goto(f"{base_url}/#/calls/new")
    expect(page.get_by_label("Duration (min:sec)")).to_be_visible()
    screenshot(page, "call-form-en")


def test_supervisor_edits_and_deletes_a_call(new_page, base_url, staff, sup_h, admin_h):
    acme = post(base_url, "/clients", sup_h, {"name": "Acme"})
    logged = post(base_url, "/calls", sup_h, call(acme["id"], staff.operator2.id, "resolved", 1))
    # The operator who took it has left since: an edit keeps them on the call.
    gone = httpx.delete(f"{base_url}/api/v1/operators/{staff.operator2.id}", headers=admin_h)
    assert gone.status_code == 204, gone.text
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/calls/{logged['id']}?edit=1")
    operator = page.get_by_label("Operador")
    expect(operator).to_have_value(str(staff.operator2.id))
    expect(operator.locator("option:checked")).to_have_text(staff.operator2.name)
    page.get_by_label("Notas").fill("Seguimiento por correo")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("dl.people-details")).to_contain_text("Seguimiento por correo")
    saved = httpx.get(f"{base_url}/api/v1/calls/{logged['id']}", headers=sup_h).json()
    assert saved["operator_id"] == staff.operator2.id

    # Delete: the dialog first, cancelled, then confirmed.
    page.get_by_role("button", name="Eliminar llamada").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancelar").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("dl.people-details")).to_be_visible()
    page.get_by_role("button", name="Eliminar llamada").click()
    page.get_by_role("dialog").get_by_role("button", name="Eliminar llamada").click()
    expect(page.locator("#calls-count")).to_have_text("0 llamadas")
    deleted = httpx.get(f"{base_url}/api/v1/calls/{logged['id']}", headers=sup_h)
    assert deleted.status_code == 404
