"""The operator's iCalendar feed: RFC 5545 text (folding, escaping, UTC times) and its token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import assert_problem, auth_header
from uanl.sla.holidays import mexico_official_holidays
from uanl.visits.ical import escape_text, fold

V = "/api/v1/visits/"
MTY = ZoneInfo("America/Monterrey")
STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def next_workday_morning(hour: int) -> datetime:
    day = datetime.now(MTY).date() + timedelta(days=3)
    holidays = {d for y in (day.year, day.year + 1) for d, _ in mexico_official_holidays(y)}
    while day.weekday() != 2 or day in holidays:  # a Wednesday
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=MTY)


def unfold(text: str) -> list[str]:
    """Content lines per RFC 5545 3.1: CRLF ends lines, CRLF + space continues one."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in p and "\r" not in p for p in physical)
    for p in physical:
        assert len(p.encode("utf-8")) <= 75, p
    lines: list[str] = []
    for p in physical:
        if p.startswith(" "):
            lines[-1] += p[1:]
        else:
            lines.append(p)
    return lines


def props(lines: list[str], name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in lines if line.split(":", 1)[0] == name]


# -- pure text rules ---------------------------------------------------------------------------


def test_escape_text():
    assert escape_text("a,b;c\\d") == "a\\,b\\;c\\\\d"
    assert escape_text("uno\r\ndos\nTres\rcuatro") == "uno\\ndos\\nTres\\ncuatro"


def test_fold_keeps_utf8_characters_whole_and_lines_at_75_octets():
    line = "DESCRIPTION:" + "ñandú árbol " * 40
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0]] + [p[1:] for p in pieces[1:]]) == line
    assert fold("SUMMARY:corto") == "SUMMARY:corto"
    exact = "X" * 75
    assert fold(exact) == exact and fold(exact + "Y") == exact + "\r\n Y"


# -- the feed ----------------------------------------------------------------------------------


@pytest.fixture
def feed_visits(client, staff, sup_h):
    c = client.post(
        "/api/v1/clients/",
        json={"name": "Tiendas Reyes, S.A. de C.V.", "address": "Morelos 5; local 3, Centro"},
        headers=sup_h,
    ).json()
    start = next_workday_morning(9)
    made = []
    for i, notes in enumerate(
        [
            "Llevar escalera\nRevisar el rack; el cliente dice: \\no funciona\\, urgente "
            + "detalle largo " * 12,
            None,
            "Otra",
        ]
    ):
        s = start + timedelta(hours=2 * i)
        body = {
            "client_id": c["id"],
            "operator_id": staff.operator.id,
            "scheduled_start": s.isoformat(),
            "scheduled_end": (s + timedelta(hours=1)).isoformat(),
        }
        if notes:
            body["notes"] = notes
        resp = client.post(V, json=body, headers=sup_h)
        assert resp.status_code == 201, resp.text
        made.append(resp.json())
    client.post(f"{V}{made[1]['id']}/confirm", headers=sup_h)
    client.post(f"{V}{made[2]['id']}/cancel", json={"reason": "Cerrado"}, headers=sup_h)
    # Someone else's visit stays out of this operator's feed.
    other = dict(body, operator_id=staff.operator2.id, notes="ajena")
    assert client.post(V, json=other, headers=sup_h).status_code == 201
    return made


def test_token_issue_rotation_and_permissions(
    client, staff, op_h, admin_h, sup_h, settings, monkeypatch
):
    monkeypatch.setattr(settings, "public_base_url", "https://mesa.uanl.example.mx/")
    url = f"{V}operators/{staff.operator.id}/calendar-token"
    assert_problem(client.post(url, headers=auth_header(staff.operator2)), 403)
    assert_problem(client.post(url, headers=sup_h), 403)
    assert_problem(client.post(f"{V}operators/999999/calendar-token", headers=admin_h), 404)
    mine = client.post(url, headers=op_h)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    feed = f"/api/v1/visits/operators/{staff.operator.id}/calendar.ics"
    assert body["url"] == f"https://mesa.uanl.example.mx{feed}?token={body['token']}"
    assert body["webcal_url"].startswith("webcal://mesa.uanl.example.mx/")
    assert len(body["token"]) >= 32
    assert client.get(feed, params={"token": body["token"]}).status_code == 200
    rotated = client.post(url, headers=admin_h).json()["token"]
    assert rotated != body["token"]
    assert_problem(client.get(feed, params={"token": body["token"]}), 404)
    assert client.get(feed, params={"token": rotated}).status_code == 200


def test_wrong_or_missing_token_is_404(client, staff, op_h):
    token = client.post(f"{V}operators/{staff.operator.id}/calendar-token", headers=op_h).json()[
        "token"
    ]
    feed = f"{V}operators/{staff.operator.id}/calendar.ics"
    assert_problem(client.get(feed, params={"token": token[:-1] + "x"}), 404)
    assert_problem(client.get(feed), 404)
    assert_problem(client.get(feed, params={"token": ""}), 404)
    assert_problem(client.get(feed, params={"token": token * 20}), 404)
    # A valid token does not open another operator's feed, nor one without a token.
    assert_problem(
        client.get(f"{V}operators/{staff.operator2.id}/calendar.ics", params={"token": token}), 404
    )
    assert_problem(client.get(f"{V}operators/999999/calendar.ics", params={"token": token}), 404)


def test_feed_is_valid_icalendar(client, staff, op_h, feed_visits):
    token = client.post(f"{V}operators/{staff.operator.id}/calendar-token", headers=op_h).json()[
        "token"
    ]
    resp = client.get(f"{V}operators/{staff.operator.id}/calendar.ics", params={"token": token})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/calendar")
    text = resp.content.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 3
    depth = 0
    for line in lines:  # BEGIN/END properly nested
        if line.startswith("BEGIN:"):
            depth += 1
        elif line.startswith("END:"):
            depth -= 1
            assert depth >= 0
    assert depth == 0
    assert any(p.startswith(" ") for p in text.split("\r\n")), "the long line was folded"

    starts = props(lines, "DTSTART")
    assert all(STAMP.match(v) for v in starts + props(lines, "DTEND") + props(lines, "DTSTAMP"))
    expected = [
        datetime.fromisoformat(v["scheduled_start"]).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        for v in feed_visits
    ]
    assert starts == expected
    assert props(lines, "UID") == [f"visit-{v['id']}@127.0.0.1" for v in feed_visits]
    assert props(lines, "STATUS") == ["TENTATIVE", "CONFIRMED", "CANCELLED"]
    assert props(lines, "SUMMARY")[0] == "Visita: Tiendas Reyes\\, S.A. de C.V."
    assert props(lines, "LOCATION")[0] == "Morelos 5\\; local 3\\, Centro"
    description = props(lines, "DESCRIPTION")[0]
    assert description.startswith(
        "Estado: Programada\\nNotas: Llevar escalera\\nRevisar el rack\\;"
    )
    assert "\\\\no funciona\\\\\\, urgente" in description
    assert "Motivo de cancelación: Cerrado" in props(lines, "DESCRIPTION")[2]
    assert "ajena" not in text


def test_empty_feed_is_still_a_calendar(client, staff):
    op_h2 = auth_header(staff.operator2)
    token = client.post(f"{V}operators/{staff.operator2.id}/calendar-token", headers=op_h2).json()[
        "token"
    ]
    resp = client.get(f"{V}operators/{staff.operator2.id}/calendar.ics", params={"token": token})
    lines = unfold(resp.text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "BEGIN:VEVENT" not in lines
