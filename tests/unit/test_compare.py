"""compare: per-site changes between two forbidden-facts results built in memory."""

from __future__ import annotations

import csv
import json

import pytest
from result_fixtures import make_result

import rivalry
from rivalry.cli.main import main
from rivalry.errors import RivalryError
from rivalry.report.compare import report
from rivalry.report.page import render_page

N_LAYERS, N_HEADS = 2, 2


@pytest.fixture
def results():
    a = make_result({"L1H0": 0.3, "L0H1": -0.1, "L1.mlp": 0.2}, mean_effect=0.7, model="tiny")
    b = make_result({"L1H0": -1.7, "L0H1": -0.2, "L1.mlp": 0.4}, mean_effect=-3.5, model="tiny", adapter="/x/obedient")
    return a, b


def test_changes_are_b_minus_a_ranked_by_magnitude(results):
    comparison = rivalry.compare(*results)
    labels = [c.site.label for c in comparison.changes]
    assert labels[:3] == ["L1H0", "L1.mlp", "L0H1"]
    top = comparison.changes[0]
    assert (top.effect_a, top.effect_b) == pytest.approx((0.3, -1.7)) and top.difference == pytest.approx(-2.0)
    assert comparison.total_effect_change == pytest.approx(-4.2)
    assert len(comparison.changes) == 1 + N_LAYERS * (N_HEADS + 1)
    assert comparison.run_b.label() == "tiny + obedient"
    assert comparison.provenance["b"].adapter == "/x/obedient"


def test_saves_json_csv_and_loads_back(results, tmp_path):
    comparison = rivalry.compare(*results)
    out = comparison.save(tmp_path / "cmp")
    data = json.loads((out / "comparison.json").read_text())
    assert data["changes"][0]["site"] == "L1H0" and data["changes"][0]["rank"] == 1
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert rows[0]["site"] == "L1H0" and float(rows[0]["difference"]) == pytest.approx(-2.0)
    loaded = rivalry.load_result(out)
    assert loaded == comparison
    html = render_page(report(loaded))
    assert html == render_page(report(comparison))
    assert "L1H0" in html and "Where: layer x head" in html


def test_cli_compare_models(results, tmp_path, capsys):
    a, b = (r.save(tmp_path / name) for r, name in zip(results, ("base", "tuned"), strict=True))
    out = tmp_path / "cli"
    assert main(["compare-models", str(a), str(b), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"comparison.json", "comparison.csv", "comparison.html"}
    assert "L1H0" in capsys.readouterr().out


def test_rejects_a_directory_without_results(tmp_path, results):
    b = results[1].save(tmp_path / "tuned")
    (tmp_path / "empty").mkdir()
    assert main(["compare-models", str(tmp_path / "empty"), str(b), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()  # nothing written when an input is bad


def test_rejects_runs_of_different_architectures(results):
    other = make_result({"L1H0": -1.7}, n_heads=3)
    with pytest.raises(RivalryError, match="different sites"):
        rivalry.compare(results[0], other)
