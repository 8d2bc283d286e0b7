"""Headless Chromium (Debian's `chromium`, driven by Playwright) against a real uvicorn."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.servers import serve_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000  # an upper bound for auto-waiting expectations, not a delay


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's `chromium` is not installed, so the console's browser tests cannot run: "
            "`apt-get install -y --no-install-recommends chromium` (.ci/run does it). "
            "Do not run `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def base_url(app: Any) -> Iterator[str]:
    with serve_app(app) as base:
        yield base


class PageWatch:
    """Browser-side problems (script errors, CSP refusals) and requests to other hosts."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.foreign: list[str] = []

    def on_console(self, msg: Any) -> None:
        # Refused API calls (401, 403, 409) are part of the flows and shown by the console.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(msg.text)

    def on_request(self, request: Any) -> None:
        if not request.url.startswith((self.base, "data:", "blob:")):
            self.foreign.append(request.url)


@pytest.fixture
def new_page(chromium: Any, base_url: str) -> Iterator[Any]:
    """new_page(width, height) -> a page in a fresh context; checked for errors afterwards."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    contexts: list[Any] = []
    watches: list[PageWatch] = []

    def make(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="es-MX")
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch(base_url)
        watches.append(watch)
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
        page.on("request", watch.on_request)
        return page

    yield make
    for context in contexts:
        context.close()
    for watch in watches:
        assert watch.errors == [], watch.errors
        assert watch.foreign == [], watch.foreign


def log_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_label("Contraseña").press("Enter")  # the keyboard submits the form
    expect(page.locator("#topbar")).to_be_visible()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
