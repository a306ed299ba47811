"""compare-models on two small synthetic forbidden-facts run directories."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rivalry.cli.main import main
from rivalry.compare import build_comparison_page, compare_runs, load_run_summary, write_comparison
from rivalry.errors import RivalryError

N_LAYERS, N_HEADS = 2, 2


def _write_run(root: Path, effects: dict[str, float], total: float, adapter: str | None = None) -> Path:
    sites = []
    for layer in range(N_LAYERS):
        for head in range(N_HEADS):
            sites.append({"site": f"L{layer}H{head}", "kind": "head", "layer": layer, "head": head})
        sites.append({"site": f"L{layer}.mlp", "kind": "mlp", "layer": layer, "head": None})
    sites.insert(0, {"site": "embed", "kind": "embed", "layer": 0, "head": None})
    for site in sites:
        site["effect_mean"] = effects.get(site["site"], 0.0)
        site["effect_std"] = 0.1
    sites.sort(key=lambda s: s["effect_mean"])  # most suppressive first, as forbidden-facts writes them
    results = {
        "model": "tiny",
        "settings": {"split": "heldout", "prompt_format": "prefill", "adapter": adapter},
        "n_facts_kept": 5,
        "mean_total_effect_log10": total,
        "n_layers": N_LAYERS,
        "n_heads": N_HEADS,
        "sites": sites,
    }
    root.mkdir(parents=True)
    (root / "results.json").write_text(json.dumps(results))
    return root


@pytest.fixture
def runs(tmp_path):
    a = _write_run(tmp_path / "base", {"L1H0": 0.3, "L0H1": -0.1, "L1.mlp": 0.2}, total=0.7)
    b = _write_run(tmp_path / "tuned", {"L1H0": -1.7, "L0H1": -0.2, "L1.mlp": 0.4}, total=-3.5, adapter="/x/obedient")
    return a, b


def test_changes_are_b_minus_a_ranked_by_magnitude(runs):
    comparison = compare_runs(load_run_summary(runs[0]), load_run_summary(runs[1]))
    labels = [c.site.label for c in comparison.changes]
    assert labels[:3] == ["L1H0", "L1.mlp", "L0H1"]
    top = comparison.changes[0]
    assert (top.effect_a, top.effect_b) == (0.3, -1.7) and top.difference == pytest.approx(-2.0)
    assert comparison.total_effect_change == pytest.approx(-4.2)
    assert len(comparison.changes) == 1 + N_LAYERS * (N_HEADS + 1)
    assert comparison.run_b.label() == "tiny + obedient"


def test_writes_json_csv_and_html(runs, tmp_path):
    comparison = compare_runs(load_run_summary(runs[0]), load_run_summary(runs[1]))
    out = tmp_path / "cmp"
    out.mkdir()
    write_comparison(comparison, out)
    page = build_comparison_page(comparison, out)
    data = json.loads((out / "comparison.json").read_text())
    assert data["changes"][0]["site"] == "L1H0" and data["changes"][0]["rank"] == 1
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert rows[0]["site"] == "L1H0" and float(rows[0]["difference"]) == pytest.approx(-2.0)
    html = page.read_text()
    assert "L1H0" in html and "Where: layer x head" in html


def test_cli_compare_models(runs, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["compare-models", str(runs[0]), str(runs[1]), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"comparison.json", "comparison.csv", "comparison.html"}
    assert "L1H0" in capsys.readouterr().out


def test_rejects_a_directory_without_results(tmp_path, runs):
    with pytest.raises(RivalryError, match="results.json"):
        load_run_summary(tmp_path)
    assert main(["compare-models", str(tmp_path), str(runs[1]), "--out", str(tmp_path / "o")]) == 2


def test_rejects_runs_of_different_architectures(tmp_path, runs):
    other = json.loads((runs[1] / "results.json").read_text())
    other["sites"] = other["sites"][:-1]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "results.json").write_text(json.dumps(other))
    with pytest.raises(RivalryError, match="different sites"):
        compare_runs(load_run_summary(runs[0]), load_run_summary(tmp_path / "other"))
