"""The Reports screen end to end in Chromium against a real uvicorn on PostgreSQL: summary
reports as figures, chart and table; CSV/XLSX downloads; a background file built by a real
worker; scheduled e-mails (admins) with the API's field errors; operators kept out."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.web.conftest import log_in, screenshot
from tests.workers import running_worker
from uanl.demo.seed import seed_database

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def _no_axe_problems(page: Any) -> None:
    """axe-core finds no serious or critical violation on what is on screen now (once the
    shared toast has faded: half-transparent, it fails contrast while it fades)."""
    expect(page.locator("#toast.visible")).to_have_count(0)
    page.wait_for_timeout(400)  # the fade-out transition
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert found == [], "\n".join(found)


def _seed() -> None:
    seed_database(tickets=150, days=45, force=True)


def _open_reports(page: Any, base_url: str, email: str) -> None:
    log_in(page, base_url, email)
    page.locator('#topbar [data-route="reports"]').click()
    expect(page.locator("h1")).to_have_text("Reportes")


def _show(page: Any, report: str, preset: str, group: str | None = None) -> None:
    page.get_by_label("Reporte", exact=True).select_option(report)
    page.get_by_label("Periodo", exact=True).select_option(preset)
    if group:
        page.get_by_label("Agrupar por").select_option(group)
    page.get_by_role("button", name="Ver reporte").click()


def _download(page: Any, button: Any) -> tuple[str, bytes]:
    with page.expect_download() as info:
        button.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_supervisor_reads_downloads_and_queues_reports(new_page, base_url, staff, settings):
    _seed()
    page = new_page()
    _open_reports(page, base_url, staff.supervisor.email)
    # Supervisors see the report and background files; schedules are for admins.
    tabs = page.locator(".tabs [data-tab]")
    expect(tabs).to_have_count(2)
    expect(page.locator('[data-tab="schedules"]')).to_have_count(0)

    # The default: tickets of the last 7 days by day, as figures, a chart and a table.
    expect(page.locator("#report-title")).to_have_text("Tickets")
    expect(page.locator('#report-kpis [data-kpi="created"] .kpi-value')).not_to_have_text("…")
    expect(page.locator("#report-chart")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#report-table tbody tr")).to_have_count(7)
    expect(page.locator("#report-table thead")).to_contain_text("Creados")
    expect(page.locator(".breakdowns")).to_contain_text("Por prioridad")
    _no_axe_problems(page)
    screenshot(page, "reports-es")

    # Calls of this month by outcome: outcomes in words, never the API's enum values.
    _show(page, "calls", "this_month", "outcome")
    expect(page.locator("#report-title")).to_have_text("Llamadas")
    table = page.locator("#report-table")
    expect(table.locator("thead")).to_contain_text("Resultado")
    expect(table.locator("tbody")).to_contain_text("Resuelta")
    assert "ticket_created" not in table.inner_text()
    expect(page.locator("#report-chart")).to_have_attribute("data-rendered", "true")
    assert "preset=this_month" in page.url and "group_by=outcome" in page.url

    # CSV and XLSX, fetched with the token and saved from a blob URL.
    name, body = _download(page, page.get_by_role("button", name="Descargar CSV"))
    assert re.fullmatch(r"calls_\d{4}-\d\d-01_\d{4}-\d\d-\d\d\.csv", name), name
    text = body.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert "Llamadas" in header and "Nombre" in header
    name, body = _download(page, page.get_by_role("button", name="Descargar Excel (XLSX)"))
    assert name.endswith(".xlsx") and body[:2] == b"PK"

    # Operators ranked by SLA compliance, roles in words.
    page.get_by_label("Reporte", exact=True).select_option("operators")
    expect(page.get_by_label("Agrupar por")).to_be_hidden()
    page.get_by_label("Ordenar por").select_option("sla_compliance")
    page.get_by_role("button", name="Ver reporte").click()
    expect(page.locator("#report-title")).to_have_text("Operadores")
    expect(page.locator("#report-table tbody tr").first).to_contain_text("Operación")
    expect(page.locator("#report-chart")).to_have_attribute("data-rendered", "true")

    # A period the API would refuse is explained beside the field before any request.
    page.get_by_label("Reporte", exact=True).select_option("tickets")
    page.get_by_label("Desde").fill("2026-03-10")
    page.get_by_label("Hasta (incluido)").fill("2026-03-01")
    page.get_by_role("button", name="Ver reporte").click()
    expect(page.locator("#report-to-error")).to_have_text(
        "La fecha final no puede ser anterior a la inicial."
    )
    expect(page.get_by_label("Hasta (incluido)")).to_have_attribute("aria-invalid", "true")
    assert page.get_by_label("Periodo", exact=True).input_value() == "custom"

    # A period without activity says so in words.
    page.get_by_label("Desde").fill("2024-01-01")
    page.get_by_label("Hasta (incluido)").fill("2024-01-31")
    page.get_by_role("button", name="Ver reporte").click()
    expect(page.locator(".report-empty")).to_contain_text("No se crearon ni resolvieron tickets")
    expect(page.locator("#report-to-error")).to_be_empty()

    # English: the same screen in the other language.
    _show(page, "tickets", "last_month", "week")
    expect(page.locator("#report-chart")).to_have_attribute("data-rendered", "true")
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.locator("h1")).to_have_text("Reports")
    expect(page.locator("#report-table thead")).to_contain_text("Created")
    expect(page.locator("#report-table tbody th").first).to_contain_text("Week of")
    expect(page.locator("#report-chart")).to_have_attribute("data-rendered", "true")
    _no_axe_problems(page)
    screenshot(page, "reports-en")
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.locator("h1")).to_have_text("Reportes")

    # A background file: queued, watched while the worker writes it, then downloaded.
    page.get_by_label("Formato del archivo").select_option("csv")
    with running_worker(settings):
        page.get_by_role("button", name="Generar en segundo plano").click()
        expect(page.locator('[data-tab="jobs"]')).to_have_attribute("aria-pressed", "true")
        row = page.locator("#jobs-table tbody tr").first
        expect(row).to_have_class(re.compile("highlight"))
        expect(row).to_have_attribute("data-status", "done", timeout=60_000)
    expect(row).to_contain_text("Listo")
    expect(row).to_contain_text(" · Semana")  # what the file holds: the period and grouping
    expect(row.locator("progress")).to_have_attribute("value", "100")
    job_id = row.get_attribute("data-job")
    button = row.get_by_role("button", name=f"Descargar el archivo n.º {job_id}")
    name, body = _download(page, button)
    assert name == f"tickets-{job_id}.csv"
    assert "Creados" in body.decode("utf-8-sig")
    _no_axe_problems(page)
    screenshot(page, "reports-jobs-es")
    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.locator("#jobs-table tbody tr").first).to_contain_text("Ready")
    screenshot(page, "reports-jobs-en")


def test_admin_manages_scheduled_reports(new_page, base_url, staff, admin_h):
    page = new_page()
    _open_reports(page, base_url, staff.admin.email)
    page.locator('[data-tab="schedules"]').click()
    expect(page.locator("#schedules-empty")).to_contain_text("No hay envíos programados")

    # The API's validation errors appear beside the field they name.
    page.get_by_label("Nombre").fill("Tickets semanales")
    page.get_by_label("Destinatarios").fill("direccion@example.mx\nno-es-correo")
    page.get_by_role("button", name="Programar envío").click()
    expect(page.locator("#sched-recipients-error")).to_have_text(
        "El destinatario 2 (no-es-correo) no es un correo válido."
    )
    expect(page.get_by_label("Destinatarios")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Destinatarios")).to_be_focused()

    page.get_by_label("Destinatarios").fill("direccion@example.mx\nsoporte@example.mx")
    page.get_by_label("Repetir").select_option("cron")
    page.get_by_label("Expresión cron").fill("0 25 * * 1")
    page.get_by_role("button", name="Programar envío").click()
    expect(page.locator("#sched-cron-error")).to_contain_text("La expresión cron no es válida")
    expect(page.locator("#sched-recipients-error")).to_be_empty()

    page.get_by_label("Repetir").select_option("week")
    page.get_by_label("Día de la semana").select_option("0")
    page.get_by_label("Hora").fill("07:30")
    page.get_by_role("button", name="Programar envío").click()
    row = page.locator("#schedules-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tickets semanales")
    expect(row).to_contain_text("Cada lunes a las 07:30")
    expect(row).to_contain_text("La semana pasada (lunes a domingo)")
    expect(row).to_contain_text("soporte@example.mx")
    expect(row).to_contain_text("Activo")
    stored = httpx.get(f"{base_url}/api/v1/reports/schedules", headers=admin_h).json()["items"]
    assert stored[0]["recurrence"] == {"every": "week", "at": "07:30", "weekday": 0}
    assert stored[0]["params"] == {"period": "last_week", "lang": "es", "group_by": "day"}
    assert stored[0]["recipients"] == ["direccion@example.mx", "soporte@example.mx"]

    # Pause and resume.
    row.get_by_role("button", name="Pausar «Tickets semanales»").click()
    expect(row).to_have_attribute("data-active", "false")
    expect(row).to_contain_text("En pausa")
    _no_axe_problems(page)
    screenshot(page, "reports-schedules-es")
    row.get_by_role("button", name="Reanudar «Tickets semanales»").click()
    expect(row).to_have_attribute("data-active", "true")

    # Edit: the monthly operators report in English.
    row.get_by_role("button", name="Editar «Tickets semanales»").click()
    expect(page.locator("#sched-form-title")).to_have_text("Editar «Tickets semanales»")
    page.get_by_label("Nombre").fill("Operadores del mes")
    page.get_by_label("Reporte", exact=True).select_option("operators")
    page.get_by_label("Ordenar por").select_option("csat_avg")
    page.get_by_label("Periodo", exact=True).select_option("last_month")
    page.get_by_label("Idioma del archivo").select_option("en")
    page.get_by_label("Repetir").select_option("month")
    page.get_by_label("Día del mes (1 a 28)").fill("2")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(row).to_contain_text("Operadores del mes")
    expect(row).to_contain_text("El día 2 de cada mes a las 07:30")
    expect(row).to_contain_text("CSAT promedio")
    stored = httpx.get(f"{base_url}/api/v1/reports/schedules", headers=admin_h).json()["items"]
    assert stored[0]["params"] == {"period": "last_month", "lang": "en", "rank_by": "csat_avg"}

    page.locator("#topbar [data-lang-toggle]").click()
    expect(page.locator("#schedules-table tbody tr")).to_contain_text("On day 2 of every month")
    screenshot(page, "reports-schedules-en")
    page.locator("#topbar [data-lang-toggle]").click()

    # Delete asks first; "Cancelar" keeps it, "Sí, eliminar" removes it.
    row = page.locator("#schedules-table tbody tr")
    row.get_by_role("button", name="Eliminar «Operadores del mes»").click()
    expect(row).to_contain_text("¿Eliminar «Operadores del mes»?")
    row.get_by_role("button", name="Cancelar").click()
    expect(row.get_by_role("button", name="Eliminar «Operadores del mes»")).to_be_focused()
    row.get_by_role("button", name="Eliminar «Operadores del mes»").click()
    row.get_by_role("button", name="Sí, eliminar").click()
    expect(page.locator("#schedules-empty")).to_be_visible()
    stored = httpx.get(f"{base_url}/api/v1/reports/schedules", headers=admin_h).json()
    assert stored["items"] == []


def test_jobs_tab_explains_an_empty_list_and_keyboard_reaches_the_report(new_page, base_url, staff):
    page = new_page()
    _open_reports(page, base_url, staff.supervisor.email)
    # Nothing happened yet: the empty report says so instead of an empty chart.
    expect(page.locator(".report-empty")).to_contain_text("No se crearon ni resolvieron")
    expect(page.locator("#report-chart")).to_have_count(0)
    # Without a connection the failure is explained, and the next try works again.
    page.context.set_offline(True)
    page.get_by_role("button", name="Ver reporte").click()
    expect(page.locator(".report-error")).to_contain_text("No hay conexión con el servidor")
    page.context.set_offline(False)
    page.get_by_role("button", name="Ver reporte").click()
    expect(page.locator(".report-empty")).to_be_visible()
    expect(page.locator(".report-error")).to_have_count(0)
    page.locator('[data-tab="jobs"]').click()
    expect(page.locator("#jobs-empty")).to_contain_text("Aún no has generado archivos")
    # Keyboard: the tabs and the form's controls are reachable and labelled.
    page.locator('[data-tab="summary"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator('[data-tab="summary"]')).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Reporte", exact=True).focus()
    for label in ("Periodo", "Desde", "Hasta (incluido)", "Agrupar por"):
        _tab_to(page, page.get_by_label(label, exact=True))
    _tab_to(page, page.get_by_role("button", name="Ver reporte"))
    page.keyboard.press("Enter")
    expect(page.locator(".report-empty")).to_be_visible()


def _tab_to(page: Any, target: Any) -> None:
    """Tab forward until `target` has the focus (a date input takes one Tab per segment)."""
    for _ in range(4):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_operators_do_not_see_reports(new_page, base_url, staff):
    page = new_page()
    log_in(page, base_url, staff.operator.email)
    expect(page.locator('#topbar [data-route="reports"]')).to_be_hidden()
    page.goto(f"{base_url}/#/reports?tab=schedules")
    expect(page.locator("#view")).to_contain_text("Página no encontrada.")
    expect(page.get_by_role("button", name="Ver reporte")).to_have_count(0)
    expect(page.locator('[data-tab="schedules"]')).to_have_count(0)
