"""The visits screen end to end (issue 14): day, week and month views and keyboard moves;
booking from the calendar (client search, ticket, technician, the API's refusals in words:
busy technician, outside working hours); confirm, start, complete, cancel with a reason and
a refused step; moving a visit with the form and by drag and drop; what an operator may do;
the iCal feed link. PostgreSQL, headless Chromium against a real uvicorn; screenshots in
both languages go to test-artifacts/web/.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import log_in, screenshot
from uanl.sla.holidays import mexico_holidays_between

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

MTY = ZoneInfo("America/Monterrey")
V = "/api/v1/visits"


def free_week() -> list[date]:
    """Monday to Friday of a week at least 8 days ahead without a holiday."""
    day = datetime.now(MTY).date() + timedelta(days=8)
    day += timedelta(days=(7 - day.weekday()) % 7)
    while True:
        week = [day + timedelta(days=i) for i in range(5)]
        holidays = {d for y in {day.year, week[-1].year} for d, _ in mexico_holidays_between(y, y)}
        if not holidays & set(week):
            return week
        day += timedelta(days=7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MTY)


def post(base: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1{path}", json=body, headers=headers)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def book(base: str, headers: dict[str, str], client_id: int, operator_id: int, start: datetime):
    body = {
        "client_id": client_id,
        "operator_id": operator_id,
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=1)).isoformat(),
    }
    return post(base, "/visits/", headers, body)


def visit(base: str, headers: dict[str, str], visit_id: int) -> dict[str, Any]:
    return httpx.get(f"{base}{V}/{visit_id}", headers=headers).json()


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(MTY)


@pytest.fixture
def client_row(base_url: str, admin_h: dict[str, str]) -> dict[str, Any]:
    body = {"name": "Aceros del Norte", "address": "Av. Constitución 100, Monterrey"}
    return post(base_url, "/clients/", admin_h, body)


def in_tokyo(page: Any) -> None:
    """The browser's own clock in Tokyo: times typed and shown must still be Monterrey's."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})


def toggle_language(page: Any, lang: str) -> None:
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_supervisor_books_a_visit_and_reads_the_refusals_in_words(
    new_page, base_url, staff, admin_h, client_row
):
    week = free_week()
    wed = week[2]
    ticket = post(
        base_url, "/tickets", admin_h, {"title": "Sin red en planta", "client_id": client_row["id"]}
    )
    busy = book(base_url, admin_h, client_row["id"], staff.operator.id, at(wed, 10))

    page = new_page()
    in_tokyo(page)
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/visits?view=week&date={wed}")
    expect(page.locator(f'[data-visit-open="{busy["id"]}"] time')).to_have_text(
        "10:00 a.m.–11:00 a.m."
    )
    screenshot(page, "visits-week-es")

    page.get_by_role("button", name="Nueva visita").click()
    expect(page.get_by_role("heading", name="Nueva visita")).to_be_visible()
    expect(page.get_by_label("Buscar cliente")).to_be_focused()
    page.get_by_label("Buscar cliente").fill("Aceros")
    expect(page.get_by_label("Cliente", exact=True)).to_have_value(str(client_row["id"]))
    page.get_by_label("Ticket (opcional)").select_option(str(ticket["id"]))
    page.get_by_label("Técnico", exact=True).select_option(str(staff.operator.id))
    page.locator("#visit-day").fill(str(wed))
    page.locator("#visit-start").fill("10:30")
    page.locator("#visit-end").fill("11:30")
    page.get_by_role("button", name="Agendar visita").click()
    alert = page.locator(".visit-form .form-status")
    expect(alert).to_contain_text("El técnico está ocupado")
    expect(alert).to_contain_text(f"#{busy['id']}")
    expect(page.get_by_label("Técnico", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "visits-form-conflict-es")

    # Outside working hours (20:00 in Monterrey): words, and "book anyway" is suggested.
    page.locator("#visit-start").fill("20:00")
    page.locator("#visit-end").fill("21:00")
    page.get_by_role("button", name="Agendar visita").click()
    expect(alert).to_contain_text("fuera de la jornada laboral")
    expect(alert).to_contain_text("Agendar de todos modos")
    expect(page.locator(".check.suggest")).to_be_visible()

    page.locator("#visit-start").fill("12:00")
    page.locator("#visit-end").fill("13:00")
    page.get_by_role("button", name="Agendar visita").click()
    panel = page.locator(".visit-panel")
    expect(panel.locator(".panel-status")).to_contain_text(f"agendada con {staff.operator.name}")
    booked_id = int(panel.get_attribute("data-visit-id"))
    booked = visit(base_url, admin_h, booked_id)
    assert local(booked["scheduled_start"]) == at(wed, 12)  # typed on Monterrey's clock
    assert booked["ticket_id"] == ticket["id"] and booked["operator_id"] == staff.operator.id
    expect(panel.get_by_role("link", name=f"#{ticket['id']}")).to_be_visible()
    expect(page.locator(f'[data-visit-open="{booked_id}"]')).to_be_visible()

    # The automatic choice and a forced booking after hours.
    page.get_by_role("button", name="Nueva visita").click()
    page.get_by_label("Buscar cliente").fill("Aceros")
    expect(page.get_by_label("Cliente", exact=True)).to_have_value(str(client_row["id"]))
    page.locator("#visit-day").fill(str(wed))
    page.locator("#visit-start").fill("19:00")
    page.locator("#visit-end").fill("20:00")
    page.get_by_label("Agendar de todos modos").check()
    page.get_by_role("button", name="Agendar visita").click()
    # Every technician is off shift in these tests: nobody to pick, in words.
    expect(alert).to_contain_text("No hay técnicos activos y disponibles")
    page.get_by_label("Técnico", exact=True).select_option(str(staff.operator2.id))
    page.get_by_role("button", name="Agendar visita").click()
    expect(panel.locator(".panel-status")).to_contain_text(f"agendada con {staff.operator2.name}")
    expect(panel).to_contain_text("Agendada de todos modos")

    toggle_language(page, "en")
    expect(page.get_by_role("heading", name="Visits calendar")).to_be_visible()
    expect(page.locator('[data-view="week"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".visit-panel")).to_contain_text("Booked anyway")
    screenshot(page, "visits-week-en")
    page.get_by_role("button", name="New visit").click()
    page.get_by_label("Find a client").fill("Aceros")
    expect(page.get_by_label("Client", exact=True)).to_have_value(str(client_row["id"]))
    page.get_by_label("Technician", exact=True).select_option(str(staff.operator.id))
    page.locator("#visit-day").fill(str(wed))
    page.locator("#visit-start").fill("10:15")
    page.locator("#visit-end").fill("10:45")
    page.get_by_role("button", name="Book visit").click()
    expect(alert).to_contain_text("The technician is busy")
    screenshot(page, "visits-form-conflict-en")


def test_steps_cancel_with_reason_and_a_step_refused_in_words(
    new_page, base_url, staff, admin_h, client_row
):
    week = free_week()
    first = book(base_url, admin_h, client_row["id"], staff.operator.id, at(week[1], 9))
    second = book(base_url, admin_h, client_row["id"], staff.operator.id, at(week[1], 12))
    third = book(base_url, admin_h, client_row["id"], staff.operator2.id, at(week[1], 15))

    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/visits?view=day&date={week[1]}")
    expect(page.locator('p[role="status"]')).to_have_text("3 visitas en el día")
    page.locator(f'[data-visit-open="{first["id"]}"]').click()
    panel = page.locator(".visit-panel")
    expect(page.locator("#visit-panel-title")).to_be_focused()
    expect(panel.locator(".badge")).to_have_text("Agendada")
    for button, done, badge in (
        ("Confirmar", "Visita confirmada.", "Confirmada"),
        ("Iniciar", "Visita iniciada.", "En curso"),
        ("Completar", "Visita completada.", "Realizada"),
    ):
        panel.get_by_role("button", name=button, exact=True).click()
        expect(panel.locator(".panel-status")).to_have_text(done)
        expect(panel.locator(".badge")).to_have_text(badge)
    expect(panel).to_contain_text("ya no cambia de estado")
    assert visit(base_url, admin_h, first["id"])["state"] == "done"
    screenshot(page, "visits-day-es")

    # Cancel: the reason is required (the browser asks for it) and recorded.
    page.locator(f'[data-visit-open="{second["id"]}"]').click()
    expect(page.locator("#visit-panel-title")).to_have_text(f"Visita #{second['id']}")
    page.get_by_role("button", name="Cancelar la visita").click()
    assert visit(base_url, admin_h, second["id"])["state"] == "scheduled"
    page.get_by_label("Motivo de la cancelación (obligatorio)").fill("El cliente pidió otra fecha")
    page.get_by_role("button", name="Cancelar la visita").click()
    expect(panel.locator(".panel-status")).to_have_text("Visita cancelada.")
    expect(panel).to_contain_text("El cliente pidió otra fecha")
    cancelled = visit(base_url, admin_h, second["id"])
    assert (cancelled["state"], cancelled["cancel_reason"]) == (
        "cancelled",
        "El cliente pidió otra fecha",
    )

    # Someone else finishes the visit while the panel still offers "Confirm".
    page.locator(f'[data-visit-open="{third["id"]}"]').click()
    expect(panel.get_by_role("button", name="Confirmar", exact=True)).to_be_visible()
    for step in ("confirm", "start", "complete"):
        post(base_url, f"/visits/{third['id']}/{step}", admin_h, {})
    panel.get_by_role("button", name="Confirmar", exact=True).click()
    expect(panel.locator(".panel-alert")).to_contain_text("Ese paso ya no es posible")
    expect(panel.locator(".badge")).to_have_text("Realizada")  # reloaded: the state it is in now
    expect(panel.get_by_role("button", name="Confirmar", exact=True)).to_have_count(0)

    toggle_language(page, "en")
    expect(page.locator('p[role="status"]')).to_have_text("3 visits this day")
    expect(page.locator(".visit-panel .badge")).to_have_text("Done")
    screenshot(page, "visits-day-en")


def test_move_by_form_by_drag_and_drop_and_keyboard_views(
    new_page, base_url, staff, admin_h, client_row
):
    week = free_week()
    mon, tue, wed, thu, fri = week
    moving = book(base_url, admin_h, client_row["id"], staff.operator.id, at(thu, 10))
    blocker = book(base_url, admin_h, client_row["id"], staff.operator.id, at(fri, 15))

    page = new_page()
    log_in(page, base_url, staff.supervisor.email)
    page.goto(f"{base_url}/#/visits?view=week&date={mon}")
    page.locator(f'[data-visit-open="{moving["id"]}"]').click()
    page.locator("#resched-start").fill("15:00")
    page.locator("#resched-end").fill("16:00")
    page.get_by_role("button", name="Reprogramar").click()
    panel = page.locator(".visit-panel")
    expect(panel.locator(".panel-status")).to_contain_text("Visita reprogramada")
    assert local(visit(base_url, admin_h, moving["id"])["scheduled_start"]) == at(thu, 15)

    # Drag to Friday: 15:00 there is taken (the technician is busy), said beside the form.
    item = page.locator(f'li[data-visit-id="{moving["id"]}"]')
    item.drag_to(page.locator(f'section.day[data-drop-date="{fri}"]'))
    expect(panel.locator(".visit-form .form-status")).to_contain_text(f"#{blocker['id']}")
    expect(page.locator("#resched-day")).to_have_value(str(fri))
    assert local(visit(base_url, admin_h, moving["id"])["scheduled_start"]) == at(thu, 15)
    # Drag to Wednesday: free, moved at the same time of day.
    item.drag_to(page.locator(f'section.day[data-drop-date="{wed}"]'))
    expect(page.locator(f'section.day[data-drop-date="{wed}"] li.visit')).to_have_count(1)
    assert local(visit(base_url, admin_h, moving["id"])["scheduled_start"]) == at(wed, 15)
    expect(page.locator(".panel-status").first).to_contain_text(f"Visita #{moving['id']} movida")

    # Keyboard: arrows between days, Enter opens the day, letters switch the view.
    page.get_by_role("button", name="Cerrar", exact=True).click()
    page.locator(f'[data-day="{mon}"]').focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f'[data-day="{tue}"]')).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator('[data-view="day"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('p[role="status"]')).to_have_text("1 visita en el día")
    slot = page.locator(f'li.slot[data-drop-date="{wed}"][data-drop-time="15:00"]')
    expect(slot.locator("li.visit")).to_have_count(1)
    # In the day view, a drop on an hour moves the start to that hour.
    page.locator(f'li[data-visit-id="{moving["id"]}"]').drag_to(
        page.locator('li.slot[data-drop-time="11:00"]')
    )
    expect(page.locator('li.slot[data-drop-time="11:00"] li.visit')).to_have_count(1)
    assert local(visit(base_url, admin_h, moving["id"])["scheduled_start"]) == at(wed, 11)

    page.locator(f'[data-day="{wed}"]').focus()
    page.keyboard.press("m")
    expect(page.locator('[data-view="month"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'.month-cell[data-drop-date="{wed}"] li.visit')).to_have_count(1)
    expect(page.locator(f'[data-day="{wed}"]')).to_have_attribute("tabindex", "0")
    screenshot(page, "visits-month-es")
    label = page.locator(".period").text_content()
    page.locator(f'[data-day="{wed}"]').focus()
    page.keyboard.press("PageDown")
    expect(page.locator(".period")).not_to_have_text(label)
    page.go_back()  # each period is a history entry
    expect(page.locator(".period")).to_have_text(label)
    toggle_language(page, "en")
    expect(page.locator('[data-view="month"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('p[role="status"]')).to_contain_text("visits this month")
    screenshot(page, "visits-month-en")


def test_operator_changes_only_own_visits_and_copies_the_feed_link(
    new_page, base_url, staff, admin_h, client_row
):
    week = free_week()
    mine = book(base_url, admin_h, client_row["id"], staff.operator.id, at(week[0], 10))
    theirs = book(base_url, admin_h, client_row["id"], staff.operator2.id, at(week[0], 12))

    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    log_in(page, base_url, staff.operator.email)
    expect(page.locator('[data-route="reports"]')).to_be_hidden()
    expect(page.locator('[data-route="operators"]')).to_be_hidden()
    page.get_by_role("link", name="Visitas").click()
    page.goto(f"{base_url}/#/visits?view=week&date={week[0]}")
    expect(page.locator("li.visit")).to_have_count(2)
    expect(page.locator(f'li[data-visit-id="{mine["id"]}"]')).to_have_attribute("draggable", "true")
    expect(page.locator(f'li[data-visit-id="{theirs["id"]}"]')).not_to_have_attribute(
        "draggable", "true"
    )
    page.locator(f'[data-visit-open="{theirs["id"]}"]').click()
    panel = page.locator(".visit-panel")
    expect(panel).to_contain_text("Sólo el técnico asignado")
    expect(panel.get_by_role("button", name="Confirmar")).to_have_count(0)
    expect(panel.locator("form")).to_have_count(0)
    page.locator(f'[data-visit-open="{mine["id"]}"]').click()
    panel.get_by_role("button", name="Confirmar", exact=True).click()
    expect(panel.locator(".badge")).to_have_text("Confirmada")

    # The technician filter shows one technician's visits.
    page.get_by_label("Filtrar por técnico").select_option(str(staff.operator2.id))
    expect(page.locator("li.visit")).to_have_count(1)
    page.get_by_label("Filtrar por técnico").select_option("")
    expect(page.locator("li.visit")).to_have_count(2)

    # The calendar feed: none yet, created, copied, then rotated (the old one stops).
    page.locator(".visit-feed summary").click()
    page.get_by_role("button", name="Crear mi enlace").click()
    url = page.get_by_label("Enlace de suscripción")
    expect(url).to_have_value(
        re.compile(rf"/api/v1/visits/operators/{staff.operator.id}/calendar\.ics\?token=")
    )
    link = url.input_value()
    page.get_by_role("button", name="Copiar enlace").click()
    expect(page.locator(".visit-feed .panel-status")).to_have_text("Enlace copiado.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    path = link.split("/api/v1", 1)[1]
    assert httpx.get(f"{base_url}/api/v1{path}").status_code == 200
    screenshot(page, "visits-feed-es")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Generar un enlace nuevo").click()
    expect(url).not_to_have_value(link)
    assert httpx.get(f"{base_url}/api/v1{path}").status_code == 404
    rotated = url.input_value()

    toggle_language(page, "en")
    page.locator(".visit-feed summary").click()
    expect(page.get_by_label("Subscription link")).to_have_value(rotated)
    screenshot(page, "visits-feed-en")
