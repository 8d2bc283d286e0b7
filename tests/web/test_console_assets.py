"""The console's files are served by the app itself: no CDN, strict CSP, not in the API schema."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import plotly

from uanl.core.hardening import CONSOLE_CSP
from uanl.web.router import PLOTLY_PATH, STATIC_DIR

ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)
MODULE_IMPORT = re.compile(r"""^import .* from '(\./[\w-]+\.js)';$""", re.MULTILINE)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.inline_handlers += [name for name, _ in attrs if name.startswith("on")]
        for name in ("src", "href"):
            value = values.get(name)
            if value and not value.startswith(("#", "data:")):
                self.refs.append(value)
        self._in_script_without_src = tag == "script" and not values.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False


def _assets() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


def test_root_is_the_console_with_the_strict_policy(client):
    resp = client.get("/", follow_redirects=False)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["content-security-policy"] == CONSOLE_CSP
    assert "script-src 'self';" in CONSOLE_CSP and "unsafe-eval" not in CONSOLE_CSP
    assert "'unsafe-inline'" not in CONSOLE_CSP.split("script-src", 1)[1].split(";", 1)[0]
    assert resp.headers["x-frame-options"] == "DENY"
    parser = _Refs()
    parser.feed(resp.text)
    assert parser.inline_scripts == 0 and parser.inline_handlers == []
    assert parser.refs, "the page loads its scripts and styles"
    for ref in parser.refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.headers["content-security-policy"] == CONSOLE_CSP


def test_every_asset_is_served_locally_and_names_no_other_host(client):
    assets = _assets()
    assert {p.suffix for p in assets} >= {".html", ".js", ".css"}
    for path in assets:
        text = path.read_text(encoding="utf-8")
        assert not ABSOLUTE_URL.search(text), f"{path.name} refers to another host"
        resp = client.get(f"/console/static/{path.relative_to(STATIC_DIR).as_posix()}")
        assert resp.status_code == 200, path
        assert resp.content == path.read_bytes()
        if path.suffix == ".js":
            # ES modules are refused under nosniff unless typed as JavaScript.
            assert resp.headers["content-type"].startswith("text/javascript")
            for target in MODULE_IMPORT.findall(text):
                assert (path.parent / target).is_file(), f"{path.name} imports {target}"


def test_plotly_comes_from_the_installed_package(client):
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    resp = client.get(PLOTLY_PATH)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/javascript")
    assert resp.content == bundle.read_bytes()
    # Sent compressed to browsers that accept it (a phone need not fetch 4.8 MB) ...
    gz = client.get(PLOTLY_PATH, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and "Accept-Encoding" in gz.headers["vary"]
    assert int(gz.headers["content-length"]) < bundle.stat().st_size / 2
    assert gz.content == bundle.read_bytes()  # httpx decodes it
    # ... and as is to those that don't.
    plain = client.get(PLOTLY_PATH, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == bundle.stat().st_size


def test_console_stays_out_of_the_api_schema_and_docs_stay_put(client, app):
    paths = app.openapi()["paths"]
    operational = {"/livez", "/readyz", "/metrics"}  # root-level by design (issue 7)
    outside = [p for p in paths if not p.startswith("/api/v1/")]
    assert set(outside) <= operational, outside
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/console", follow_redirects=False).headers["location"] == "/"
    assert client.get("/console/static/../router.py").status_code == 404
    assert client.get("/console/static/js/missing.js").status_code == 404
