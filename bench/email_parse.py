"""Inbound e-mail parsing throughput: messages/s through `parse_email` over the test corpus.

Not a test. It parses the 36 real-shaped messages of tests/channels/corpus again and again
for a few seconds and prints messages/s and MB/s, next to a baseline measured in the same
run: the standard library alone reading the same bytes into a message and walking its parts
(`email.message_from_bytes(policy=default)` + `get_content()` of every leaf), the floor under
any parser built on it. The ratio says what our headers, flags, HTML-to-text and reply
stripping cost on top.

    .venv/bin/python bench/email_parse.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import time
from collections.abc import Callable
from pathlib import Path

from uanl.channels.email_parse import parse_email

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "channels" / "corpus"


def stdlib_only(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if not part.is_multipart():
            try:
                part.get_content()
            except (LookupError, KeyError):
                part.get_payload(decode=True)


def rate(fn: Callable[[bytes], object], messages: list[bytes], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for raw in messages:
            fn(raw)
        done += len(messages)
    return done / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    messages = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    size = sum(map(len, messages)) / len(messages)
    ours = rate(parse_email, messages, args.seconds)
    floor = rate(stdlib_only, messages, args.seconds)
    print(f"{len(messages)} messages, {size / 1024:.1f} KiB on average")
    print(f"parse_email:            {ours:8.0f} messages/s ({ours * size / 1e6:.1f} MB/s)")
    print(f"stdlib parse only:      {floor:8.0f} messages/s (baseline, same run)")
    print(f"ratio ours / baseline:  {ours / floor:.2f}")


if __name__ == "__main__":
    main()
