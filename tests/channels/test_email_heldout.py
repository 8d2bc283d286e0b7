"""The e-mail parser on a held-out set written blind *after* it (tests/channels/heldout/):
an evaluation, not a target to tune on. Protocol fields (ids, references, subject, token,
sender, flags, attachments) are rules and must all match; the person's text is heuristics, so
its accuracy is measured against a simple baseline (the whole body, whitespace-normalised,
nothing cut) and printed. Floors decided before the first run: text accuracy >= 0.5 and
above the baseline's."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import pytest

from uanl.channels.email_parse import parse_email
from uanl.channels.email_text import html_to_text

HELDOUT = Path(__file__).parent / "heldout"
EXPECTED = json.loads((HELDOUT / "expected.json").read_text(encoding="utf-8"))
RULE_FIELDS = (
    "message_id",
    "in_reply_to",
    "references",
    "subject",
    "ticket_token",
    "from_address",
    "auto_reply",
    "bounce",
    "bulk",
    "bounced_recipient",
)


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _baseline_text(raw: bytes) -> str:
    """Nothing cut: the first text part (or the HTML's text), whitespace-normalised."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    return _normalise(html_to_text(content) if body.get_content_type() == "text/html" else content)


def test_the_held_out_set_is_complete():
    assert sorted(p.name for p in HELDOUT.glob("*.eml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_protocol_fields_match(name: str):
    got = parse_email((HELDOUT / name).read_bytes())
    want = EXPECTED[name]
    for field in RULE_FIELDS:
        assert getattr(got, field) == want[field], field
    attachments = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size}
        for a in got.attachments
    ]
    assert attachments == want["attachments"]


def test_text_accuracy_beats_the_baseline(capsys):
    ours = base = 0
    misses = []
    for name, want in sorted(EXPECTED.items()):
        raw = (HELDOUT / name).read_bytes()
        if parse_email(raw).text == want["text"]:
            ours += 1
        else:
            misses.append(name)
        base += _baseline_text(raw) == want["text"]
    n = len(EXPECTED)
    with capsys.disabled():
        print(
            f"\nheld-out text: parser {ours}/{n}, baseline (nothing cut) {base}/{n}; "
            f"misses: {', '.join(misses) or 'none'}"
        )
    assert ours / n >= 0.5
    assert ours > base
