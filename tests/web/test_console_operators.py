"""The Operators screen end to end in Chromium: admins create, edit (role, skills, capacity,
availability) and deactivate after confirming; supervisors read and switch only their own
availability; operators do not see the screen; a refusal by the API is said in words."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.web.conftest import log_in, screenshot
from tests.web.people_helpers import assert_accessible, post
from uanl.core import db as dbmod
from uanl.models import Operator, Role

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

STRONG = "Clave-Segura-2026"


def test_admin_creates_edits_and_deactivates_an_operator(new_page, base_url, staff, admin_h):
    page = new_page()
    log_in(page, base_url, staff.admin.email)
    page.get_by_role("link", name="Operadores").click()
    expect(page.locator("#operators-count")).to_have_text("4 operadores")
    expect(page.locator("tr[data-operator]").first).to_contain_text("Administrador")

    # Create: a bad e-mail and a weak password are refused beside their fields.
    page.get_by_role("link", name="Nuevo operador").click()
    page.get_by_label("Nombre").fill("Lupita Garza")
    page.get_by_label("Correo electrónico").fill("lupita")
    page.get_by_label("Contraseña").fill("corta")
    page.get_by_role("button", name="Crear operador").click()
    email_error = page.locator('[data-field="email"] .field-error')
    expect(email_error).to_contain_text("Correo electrónico no válido")
    page.get_by_label("Correo electrónico").fill("lupita@example.mx")
    page.get_by_role("button", name="Crear operador").click()
    expect(page.locator('[data-field="password"] .field-error')).to_contain_text(
        "no es lo bastante segura"
    )
    expect(email_error).to_be_hidden()
    screenshot(page, "operator-form-es")
    assert_accessible(page, "operator form with errors")
    page.get_by_label("Contraseña").fill(STRONG)
    page.get_by_label("Habilidades").fill("redes, Impresoras")
    page.get_by_label("Capacidad (tickets abiertos máx.)").fill("5")
    page.get_by_role("button", name="Crear operador").click()
    expect(page.locator("#operator-name")).to_have_text("Lupita Garza")
    operator_id = int(page.url.rsplit("/", 1)[1])
    profile = page.locator("dl.people-details")
    expect(profile).to_contain_text("redes")
    expect(profile).to_contain_text("impresoras")
    expect(page.locator("[data-load]")).to_have_text("0 de 5 tickets abiertos")

    # Two open tickets assigned to her show on her page, against her capacity.
    for title in ("Impresora atascada", "Sin red en caja 3"):
        post(base_url, "/tickets", admin_h, {"title": title, "assignee_id": operator_id})
    page.reload()
    expect(page.locator("[data-load]")).to_have_text("2 de 5 tickets abiertos")
    expect(page.locator(".operator-tickets tr[data-ticket]")).to_have_count(2)
    screenshot(page, "operator-profile-es")
    assert_accessible(page, "operator profile")

    # Edit: role, skills, capacity and availability.
    page.get_by_role("link", name="Editar").click()
    page.get_by_label("Rol").select_option("supervisor")
    page.get_by_label("Habilidades").fill("redes")
    page.get_by_label("Capacidad (tickets abiertos máx.)").fill("3")
    page.get_by_label("Disponible para asignación").uncheck()
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".ppl-badges [data-role]")).to_have_text("Supervisor")
    expect(page.locator("[data-load]")).to_have_text("2 de 3 tickets abiertos")
    expect(profile).to_contain_text("No disponible")
    expect(profile).not_to_contain_text("impresoras")

    # Deactivate: the dialog first (Escape cancels), then confirmed.
    page.get_by_role("button", name="Desactivar").click()
    expect(page.get_by_role("dialog")).to_contain_text("Lupita Garza ya no podrá iniciar sesión")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("button", name="Desactivar").click()
    page.get_by_role("dialog").get_by_role("button", name="Desactivar").click()
    expect(page.locator(".ppl-badges")).to_contain_text("Desactivado")
    expect(page.get_by_role("button", name="Reactivar")).to_be_visible()
    expect(page.get_by_role("button", name="Desactivar")).to_have_count(0)
    body = httpx.get(f"{base_url}/api/v1/operators/{operator_id}", headers=admin_h).json()
    assert body["is_active"] is False

    page.get_by_role("link", name="Volver a la lista").click()
    expect(page.locator("#operators-count")).to_have_text("4 operadores")  # active only
    page.get_by_label("Estado").select_option("false")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("tr[data-operator]")).to_have_count(1)
    screenshot(page, "operators-es")
    page.locator("[data-lang-toggle]").first.click()
    expect(page.locator("#operators-count")).to_have_text("1 operator")
    screenshot(page, "operators-en")
    page.goto(f"{base_url}/#/operators/{operator_id}")
    expect(page.locator(".ppl-badges")).to_contain_text("Deactivated")
    screenshot(page, "operator-profile-en")
    assert_accessible(page, "operator profile (en)")


def test_supervisor_reads_operators_and_switches_only_their_own_availability(
    new_page, base_url, staff, sup_h
):
    post(base_url, "/tickets", sup_h, {"title": "Sin red", "assignee_id": staff.operator.id})
    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.get_by_role("link", name="Operadores").click()
    expect(page.locator("tr[data-operator]")).to_have_count(4)
    row = page.locator(f'tr[data-operator="{staff.operator.id}"]')
    expect(row.locator("[data-load-cell]")).to_have_text("1 de 10")
    expect(page.get_by_role("link", name="Nuevo operador")).to_have_count(0)
    page.get_by_role("link", name=staff.operator.name).click()
    expect(page.locator("#operator-name")).to_have_text(staff.operator.name)
    expect(page.locator("dl.people-details")).to_contain_text("redes")
    expect(page.locator("#view .ppl-actions button, #view .ppl-actions a")).to_have_count(0)

    # Their own page: only the availability switch.
    page.goto(f"{base_url}/#/operators/{staff.supervisor.id}")
    expect(page.locator("#operator-name")).to_contain_text("(tú)")
    page.get_by_role("button", name="Marcarme no disponible").click()
    expect(page.get_by_role("button", name="Marcarme disponible")).to_be_visible()
    expect(page.locator("dl.people-details")).to_contain_text("No disponible")
    expect(page.get_by_role("link", name="Editar")).to_have_count(0)

    page.goto(f"{base_url}/#/operators/new")
    expect(page.locator("#view [role=alert]")).to_contain_text("No tienes permiso")


def test_a_refusal_by_the_api_is_said_in_words(new_page, base_url, staff):
    page = new_page()
    log_in(page, base_url, staff.admin.email)
    page.goto(f"{base_url}/#/operators/{staff.operator.id}?edit=1")
    expect(page.get_by_label("Nombre")).to_have_value(staff.operator.name)
    # Meanwhile the account loses its admin role (another admin's decision).
    with dbmod.session_scope() as db:
        db.execute(
            update(Operator).where(Operator.id == staff.admin.id).values(role=Role.supervisor)
        )
    page.get_by_label("Capacidad (tickets abiertos máx.)").fill("20")
    page.get_by_role("button", name="Guardar").click()
    status = page.locator(".people-form .form-status")
    expect(status).to_have_text(
        "No tienes permiso para hacer esto: tu rol no lo permite. "
        "Pídelo a un supervisor o a un administrador."
    )
