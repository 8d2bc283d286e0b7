"""The layering rules hold: no package import cycles, `core` imports no other package, no
import hidden in a function to dodge a cycle, no module past 400 lines (migrations aside).
The figures come from bench/architecture.py, which prints them with the offenders."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "architecture.py"


def test_layering_figures_are_all_zero(capsys) -> None:
    spec = importlib.util.spec_from_file_location("architecture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.measure(verbose=True)
    report = capsys.readouterr().out
    assert figures == {"cycles": 0, "dodging": 0, "core": 0, "long": 0}, report


def test_the_checker_sees_a_cycle_and_a_dodge(tmp_path, monkeypatch) -> None:
    """A fixture tree with core -> tickets -> core (one import hidden in a function)."""
    spec = importlib.util.spec_from_file_location("architecture_probe", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pkg = tmp_path / "uanl"
    for name in ("core", "tickets"):
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "tickets" / "service.py").write_text("from uanl.core import db\n")
    (pkg / "core" / "db.py").write_text("def f():\n    from uanl.tickets import service\n")
    monkeypatch.setattr(module, "SRC", tmp_path)
    assert module.measure() == {"cycles": 1, "dodging": 1, "core": 1, "long": 0}
