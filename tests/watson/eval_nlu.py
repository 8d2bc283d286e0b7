"""Evaluate uanl.watson.nlu on the labelled utterances in tests/watson/data.

Usage: python tests/watson/eval_nlu.py [--split dev|heldout|all] [--errors]

Prints per-intent precision/recall, intent accuracy, exact-match entity accuracy, per-entity-key
precision/recall and a confusion matrix; exits 1 if either accuracy is below 0.95.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
SRC_DIR = Path(__file__).resolve().parents[2] / "src"
if str(SRC_DIR) not in sys.path:
    sys.path.insert(0, str(SRC_DIR))

from uanl.watson.nlu import INTENTS, analyze  # noqa: E402

THRESHOLD = 0.95


@dataclass
class Report:
    split: str
    total: int = 0
    intent_correct: int = 0
    entities_correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    key_tp: Counter[str] = field(default_factory=Counter)
    key_fp: Counter[str] = field(default_factory=Counter)
    key_fn: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.total if self.total else 0.0

    @property
    def entity_accuracy(self) -> float:
        return self.entities_correct / self.total if self.total else 0.0


def load(split: str) -> list[dict[str, Any]]:
    names = ["dev", "heldout"] if split == "all" else [split]
    rows: list[dict[str, Any]] = []
    for name in names:
        with open(DATA_DIR / f"{name}.jsonl", encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def evaluate(split: str) -> Report:
    report = Report(split)
    for row in load(split):
        reference = datetime.fromisoformat(row["reference_time"])
        result = analyze(row["text"], reference_time=reference, client_names=row.get("clients", []))
        # JSON round trip so tuples, ints and strings compare the way the webhook would send them.
        predicted = json.loads(json.dumps(result.entities))
        expected = row["entities"]
        report.total += 1
        report.confusion[(row["intent"], result.intent)] += 1
        report.intent_correct += result.intent == row["intent"]
        report.entities_correct += predicted == expected
        for key in set(predicted) | set(expected):
            if key in predicted and predicted.get(key) == expected.get(key):
                report.key_tp[key] += 1
            else:
                if key in predicted:
                    report.key_fp[key] += 1
                if key in expected:
                    report.key_fn[key] += 1
        if result.intent != row["intent"] or predicted != expected:
            report.errors.append(
                {
                    "text": row["text"],
                    "intent": [row["intent"], result.intent],
                    "expected": expected,
                    "predicted": predicted,
                }
            )
    return report


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "  -  "


def print_report(report: Report, show_errors: bool = False) -> None:
    print(f"== split: {report.split} ({report.total} utterances)")
    print(f"{'intent':<18} {'precision':>9} {'recall':>7} {'support':>8}")
    for intent in INTENTS:
        tp = report.confusion[(intent, intent)]
        predicted = sum(n for (_, p), n in report.confusion.items() if p == intent)
        support = sum(n for (g, _), n in report.confusion.items() if g == intent)
        print(f"{intent:<18} {_ratio(tp, predicted):>9} {_ratio(tp, support):>7} {support:>8}")
    print(f"intent accuracy: {report.intent_accuracy:.3f}")
    print(f"entity accuracy (exact dict match): {report.entity_accuracy:.3f}")
    print(f"{'entity key':<12} {'precision':>9} {'recall':>7} {'support':>8}")
    keys = sorted(set(report.key_tp) | set(report.key_fp) | set(report.key_fn))
    for key in keys:
        tp, fp, fn = report.key_tp[key], report.key_fp[key], report.key_fn[key]
        print(f"{key:<12} {_ratio(tp, tp + fp):>9} {_ratio(tp, tp + fn):>7} {tp + fn:>8}")
    short = {i: i.split("_")[-1][:7] for i in INTENTS}
    print("confusion matrix (rows = expected, columns = predicted):")
    print(" " * 18 + "".join(f"{short[i]:>8}" for i in INTENTS))
    for gold in INTENTS:
        cells = "".join(f"{report.confusion[(gold, p)]:>8}" for p in INTENTS)
        print(f"{gold:<18}{cells}")
    if show_errors:
        for error in report.errors:
            print(json.dumps(error, ensure_ascii=False))
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="print every misanalysed line")
    args = parser.parse_args(argv)
    report = evaluate(args.split)
    print_report(report, args.errors)
    ok = report.intent_accuracy >= THRESHOLD and report.entity_accuracy >= THRESHOLD
    print("PASS" if ok else f"FAIL (threshold {THRESHOLD})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
