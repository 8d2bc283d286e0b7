"""Latency of uanl.watson.nlu.analyze() over the labelled utterances.

Usage: python bench/nlu_latency.py [--rounds N]

Training happens once, before timing, and is reported separately; the figures are per call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from uanl.watson.nlu import analyze, warm_up  # noqa: E402

DATA_FILES = [ROOT / "tests/watson/data/dev.jsonl", ROOT / "tests/watson/data/heldout.jsonl"]


def load_rows() -> list[dict]:
    rows: list[dict] = []
    for path in DATA_FILES:
        with open(path, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description="analyze() latency")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the labelled set")
    args = parser.parse_args()
    started = time.perf_counter()
    warm_up()
    training_s = time.perf_counter() - started
    rows = load_rows()
    inputs = [
        (row["text"], datetime.fromisoformat(row["reference_time"]), row.get("clients", []))
        for row in rows
    ]
    for text, reference, clients in inputs:  # warm caches once, as a running service would be
        analyze(text, reference_time=reference, client_names=clients)
    samples: list[float] = []
    for _ in range(args.rounds):
        for text, reference, clients in inputs:
            t0 = time.perf_counter()
            analyze(text, reference_time=reference, client_names=clients)
            samples.append((time.perf_counter() - t0) * 1000)
    print(f"model training (first use): {training_s * 1000:.0f} ms")
    print(f"utterances: {len(rows)} x {args.rounds} rounds = {len(samples)} calls")
    print(f"p50: {percentile(samples, 0.50):.2f} ms")
    print(f"p90: {percentile(samples, 0.90):.2f} ms")
    print(f"p99: {percentile(samples, 0.99):.2f} ms")
    print(f"max: {max(samples):.2f} ms  mean: {statistics.fmean(samples):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
