"""End to end in headless Chromium: log in, KPIs equal the API, charts render and move live,
the inbox changes a ticket's state, the phone layout and the English toggle.

One backend is enough here (the API itself is tested on both): SQLite, the embedded default.
Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import log_in, screenshot

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

CHART_TOTAL = """([id, trace]) => {
  const data = document.getElementById(id)?.data;
  return data ? data[trace].y.reduce((a, b) => a + b, 0) : null;
}"""


def create_ticket(base: str, headers: dict[str, str], title: str, **extra: Any) -> dict[str, Any]:
    resp = httpx.post(f"{base}/api/v1/tickets", json={"title": title, **extra}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def kpi(page: Any, key: str) -> Any:
    return page.locator(f'[data-kpi="{key}"] .kpi-value')


def wait_chart_total(page: Any, chart: str, trace: int, total: int) -> None:
    page.wait_for_function(
        f"args => ({CHART_TOTAL})(args) === {total}", arg=[f"chart-{chart}", trace]
    )


def test_login_kpis_match_api_charts_render_and_update_live(new_page, base_url, staff, admin_h):
    for title in ("Impresora sin tóner", "VPN no conecta", "Correo rebota"):
        create_ticket(base_url, admin_h, title, priority="high")
    page = new_page()
    log_in(page, base_url, staff.admin.email)

    expect(page.locator(".live")).to_have_attribute("data-live", "on")
    period = {"from": page.locator("#dash-from").input_value(), "to": page.locator("#dash-to")}
    period["to"] = period["to"].input_value()
    api = httpx.get(f"{base_url}/api/v1/dashboards/metrics", params=period, headers=admin_h).json()
    assert api["current"]["open_tickets"] == 3
    expect(kpi(page, "open_tickets")).to_have_text(str(api["current"]["open_tickets"]))
    expect(kpi(page, "unassigned")).to_have_text(str(api["current"]["unassigned"]))
    expect(kpi(page, "new_tickets")).to_have_text(str(api["selected_period"]["new_tickets"]))
    expect(kpi(page, "resolved_tickets")).to_have_text(
        str(api["selected_period"]["resolved_tickets"])
    )
    expect(page.locator("#chart-tickets-by-day .main-svg").first).to_be_visible()
    expect(page.locator("#chart-tickets-by-priority .main-svg").first).to_be_visible()
    wait_chart_total(page, "tickets-by-day", 0, 3)
    screenshot(page, "01-dashboard")

    # Interactive: a click on a legend entry hides that series.
    page.locator("#chart-tickets-by-day .legend .traces").nth(1).click()
    page.wait_for_function(
        "() => document.getElementById('chart-tickets-by-day').data[1].visible === 'legendonly'"
    )

    # Live: a ticket created through the API moves the tiles and the chart without a reload.
    create_ticket(base_url, admin_h, "Pantalla azul en recepción")
    expect(kpi(page, "open_tickets")).to_have_text("4")
    expect(kpi(page, "new_tickets")).to_have_text(str(api["selected_period"]["new_tickets"] + 1))
    expect(page.locator(".last-event")).to_contain_text("ticket.")
    wait_chart_total(page, "tickets-by-day", 0, 4)
    screenshot(page, "02-dashboard-after-live-ticket")


def test_operator_changes_state_replies_and_assigns_from_the_inbox(
    new_page, base_url, staff, admin_h
):
    mine = create_ticket(
        base_url, admin_h, "No imprime la impresora del piso 2", assignee_id=staff.operator.id
    )
    free = create_ticket(base_url, admin_h, "Monitor parpadea")
    create_ticket(base_url, admin_h, "Ticket de otra persona", assignee_id=staff.operator2.id)
    page = new_page()
    log_in(page, base_url, staff.operator.email)

    page.get_by_role("link", name="Tickets").click()
    expect(page.locator('[data-view="mine"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    screenshot(page, "03-inbox-my-queue")
    page.get_by_role("link", name=mine["title"]).click()

    expect(page.locator("#ticket-title")).to_contain_text(mine["title"])
    expect(page.locator(".badges [data-state]")).to_have_text("Nuevo")
    page.get_by_label("Nuevo estado").select_option("in_progress")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".badges [data-state]")).to_have_text("En proceso")

    page.get_by_label("Mensaje").fill("Ya voy en camino con un tóner nuevo.")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator(".comments li")).to_contain_text("Ya voy en camino")
    expect(page.locator(".history")).to_contain_text("Estado: Nuevo → En proceso")
    expect(page.locator(".history")).to_contain_text("Respuesta")

    screenshot(page, "04-ticket-detail")

    # An operator takes an unassigned ticket (only "me" is offered).
    page.get_by_role("link", name="Tickets").click()
    page.locator('[data-view="unassigned"]').click()
    page.get_by_role("link", name=free["title"]).click()
    expect(page.get_by_label("Operador").locator("option")).to_have_count(1)
    page.get_by_role("button", name="Asignar", exact=True).click()
    expect(page.locator(".details")).to_contain_text(staff.operator.name)

    ticket = httpx.get(f"{base_url}/api/v1/tickets/{mine['id']}", headers=admin_h).json()
    assert ticket["state"] == "in_progress"
    taken = httpx.get(f"{base_url}/api/v1/tickets/{free['id']}", headers=admin_h).json()
    assert taken["assignee_id"] == staff.operator.id
    comments = httpx.get(f"{base_url}/api/v1/tickets/{mine['id']}/comments", headers=admin_h)
    assert [c["body"] for c in comments.json()] == ["Ya voy en camino con un tóner nuevo."]


def test_phone_layout_english_toggle_reload_and_logout(new_page, base_url, staff, admin_h):
    create_ticket(base_url, admin_h, "Teclado dañado")
    page = new_page(390, 844)
    log_in(page, base_url, staff.supervisor.email)
    expect(kpi(page, "open_tickets")).to_have_text("1")
    expect(page.locator("#chart-tickets-by-state .main-svg").first).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the phone layout scrolls sideways by {overflow}px"

    toggle = page.locator("#topbar [data-lang-toggle]")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(page.locator('[data-kpi="open_tickets"] .kpi-label')).to_have_text("Open tickets")
    expect(kpi(page, "open_tickets")).to_have_text("1")
    heatmap_rows = page.locator("#chart-calls-by-hour .ytick text")
    expect(heatmap_rows.filter(has_text="Monday")).to_have_count(1)  # the API says "Lunes"
    expect(heatmap_rows.filter(has_text="Lunes")).to_have_count(0)
    screenshot(page, "05-phone-dashboard-english")

    page.reload()  # the refresh token in sessionStorage keeps the tab's session
    expect(page.locator("#topbar")).to_be_visible()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_role("link", name="Visits").click()
    expect(page.get_by_role("heading", name="Visits calendar")).to_be_visible()
    screenshot(page, "06-phone-visits")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
