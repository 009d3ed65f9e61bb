"""bench/placement_simulation.py runs without a server and places at least as well as the rule before,
on a small seeded sample."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from webapp.bank.models import CefrLevel

_path = Path(__file__).resolve().parents[2] / "bench" / "placement_simulation.py"
_spec = importlib.util.spec_from_file_location("placement_simulation", _path)
simulation = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(simulation)

BEFORE, NOW = "stop at the first miss, essay counted (before)", "one slip forgiven, essay left out (now)"


def test_the_simulation_prints_each_rule_at_each_true_level(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["placement_simulation.py", "--candidates", "20", "--lapse", "0.1"])
    simulation.main()
    lines = capsys.readouterr().out.strip().splitlines()
    header = next(line for line in lines if line.startswith("| rule |"))
    assert header.split("|")[2:-2] == [f" {level.value} " for level in CefrLevel]
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| rule")]
    assert [row.split("|")[1].strip() for row in rows] == list(simulation.RULES)
    assert all(len(row.split("|")) == len(CefrLevel) + 4 for row in rows)


def test_the_rule_places_candidates_who_slip_better_than_before():
    results = simulation.simulate(150, seed=3, lapse=0.1)
    assert set(results[NOW]) == set(CefrLevel)
    (before_exact, before_within), (now_exact, now_within) = (simulation.overall(results[BEFORE]),
                                                              simulation.overall(results[NOW]))
    assert now_exact >= before_exact and now_within >= before_within
    assert all(0 <= exact <= within <= 1 for exact, within in results[NOW].values())
