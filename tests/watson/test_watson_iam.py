"""The outbound check against loopback servers that speak IBM IAM and Assistant v2."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import assert_problem, make_settings
from tests.servers import free_port
from tests.watson.watson_fixtures import KEY, watson_settings
from uanl.watson import iam

ASSISTANT_ID = "a1b2c3"


class FakeIbm(BaseHTTPRequestHandler):
    calls: list[dict[str, Any]] = []
    delay_s = 0.0

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        time.sleep(self.delay_s)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        url = urlsplit(self.path)
        self.calls.append({"path": url.path, "query": url.query, "headers": dict(self.headers)})
        if url.path == "/identity/token":
            form = parse_qs(raw)
            ok_form = (
                self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
                and form.get("grant_type") == ["urn:ibm:params:oauth:grant-type:apikey"]
                and self.headers.get("Accept") == "application/json"
            )
            if not ok_form:
                return self._send(400, {"errorCode": "BXNIM0109E", "errorMessage": "bad request"})
            if form.get("apikey") != [KEY]:
                return self._send(
                    400,
                    {
                        "errorCode": "BXNIM0415E",
                        "errorMessage": "Provided API key could not be found.",
                        "context": {"requestId": "r-1"},
                    },
                )
            now = int(time.time())
            return self._send(
                200,
                {
                    "access_token": f"tok-{len(self.calls)}",
                    "refresh_token": "not_supported",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "expiration": now + 3600,
                    "scope": "ibm openid",
                },
            )
        if url.path == f"/v2/assistants/{ASSISTANT_ID}/sessions":
            if parse_qs(url.query).get("version") != ["2023-06-15"]:
                return self._send(400, {"error": "version required", "code": 400})
            if not self.headers.get("Authorization", "").startswith("Bearer tok-"):
                return self._send(401, {"error": "Unauthorized", "code": 401})
            return self._send(201, {"session_id": "sess-123"})
        return self._send(404, {"error": "Resource not found", "code": 404})


@pytest.fixture
def ibm() -> Iterator[str]:
    FakeIbm.calls = []
    FakeIbm.delay_s = 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeIbm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    iam.clear_tokens()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    iam.clear_tokens()


def _settings(tmp_path: Any, base: str, **extra: Any) -> Any:
    values = {
        "WATSON_API_KEY": KEY,
        "WATSON_IAM_URL": base,
        "WATSON_URL": base,
        "WATSON_ASSISTANT_ID": ASSISTANT_ID,
        "WATSON_TIMEOUT_S": "1",
    }
    values.update(extra)
    return make_settings(None, tmp_path, **values)


def test_token_and_session(ibm, tmp_path):
    settings = _settings(tmp_path, ibm)
    out = iam.check_connection(settings)
    assert out["ok"] is True, out
    assert [s["step"] for s in out["steps"]] == ["iam_token", "assistant_session"]
    assert out["steps"][1]["session_id"] == "sess-123" and out["steps"][1]["status_code"] == 201
    assert all(s["latency_ms"] >= 0 for s in out["steps"])
    # The token is cached until 80% of its lifetime: a second get makes no IAM call.
    count = len(FakeIbm.calls)
    assert iam.get_token(settings).access_token == iam.get_token(settings).access_token
    assert len(FakeIbm.calls) == count
    assert iam.token_state(settings)["cached"] is True


def test_bad_key(ibm, tmp_path):
    out = iam.check_connection(_settings(tmp_path, ibm, WATSON_API_KEY="wrong-key"))
    assert out["ok"] is False and len(out["steps"]) == 1
    step = out["steps"][0]
    assert step["status_code"] == 400 and "BXNIM0415E" in step["error"]
    assert "bad API key" in step["error"]


def test_timeout(ibm, tmp_path):
    FakeIbm.delay_s = 2.0
    started = time.monotonic()
    out = iam.check_connection(_settings(tmp_path, ibm, WATSON_TIMEOUT_S="0.3"))
    assert time.monotonic() - started < 2.0
    assert out["ok"] is False and out["steps"][0]["error"].startswith("timeout")


def test_unreachable(tmp_path):
    base = f"http://127.0.0.1:{free_port()}"
    out = iam.check_connection(_settings(tmp_path, base))
    assert out["ok"] is False and out["steps"][0]["error"].startswith("unreachable")


def test_assistant_errors(ibm, tmp_path):
    out = iam.check_connection(_settings(tmp_path, ibm, WATSON_ASSISTANT_ID="missing"))
    assert out["ok"] is False
    assert out["steps"][0]["ok"] is True
    assert out["steps"][1]["status_code"] == 404 and "not found" in out["steps"][1]["error"]
    skipped = iam.check_connection(_settings(tmp_path, ibm, WATSON_URL=""))
    assert skipped["ok"] is True and skipped["steps"][1]["skipped"] is True


def test_endpoint_is_admin_only(client, backend, ibm, admin_h, op_h, monkeypatch):
    assert_problem(client.post("/api/v1/watson/test-connection", headers=admin_h), 503)
    settings = watson_settings(
        backend, WATSON_IAM_URL=ibm, WATSON_URL=ibm, WATSON_ASSISTANT_ID=ASSISTANT_ID
    )
    monkeypatch.setattr("uanl.core.config.get_settings", lambda: settings)
    assert_problem(client.post("/api/v1/watson/test-connection", headers=op_h), 403)
    resp = client.post("/api/v1/watson/test-connection", headers=admin_h)
    assert resp.status_code == 200, resp.text
    assert resp.json()["ok"] is True
    status = client.get("/api/v1/watson/status", headers=admin_h).json()
    assert status["iam_token"]["cached"] is True and status["assistant_configured"] is True
