"""Tests of the HTML report package: the generic page builder and the forbidden-facts report."""

import csv
import json
import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from rivalry.errors import RivalryError
from rivalry.report import Page, build_forbidden_facts_report, format_value, render_page, write_page
from rivalry.report.forbidden_facts import direction_sentence

FACT_COLUMNS = [
    "fact_id", "relation", "subject", "answer", "wrong_answer", "irrelevant_word",
    "prompt_competing", "prompt_nc_wrong", "prompt_nc_irrelevant",
    "p_competing", "p_nc_wrong", "p_nc_irrelevant",
    "lo_competing", "lo_nc_wrong", "lo_nc_irrelevant", "total_effect_log10",
]  # fmt: skip
SITE_COLUMNS = ["rank", "site", "kind", "layer", "head", "effect_mean", "effect_std"]
EVIL_ID = "<script>alert('x')</script>"


def _plotly_marker() -> str:
    """A distinctive slice from the middle of the plotly.js bundle."""
    js = get_plotlyjs()
    return js[len(js) // 2 : len(js) // 2 + 200]


def _sites(sign: float) -> list[dict[str, Any]]:
    """Four heads, two MLPs, embed; ``sign`` flips which sites suppress."""
    raw = [
        ("L1H0", "head", 1, 0, -0.40 * sign),
        ("L0H1", "head", 0, 1, -0.25 * sign),
        ("L1.mlp", "mlp", 1, None, -0.10 * sign),
        ("embed", "embed", 0, None, 0.01 * sign),
        ("L0.mlp", "mlp", 0, None, 0.05 * sign),
        ("L0H0", "head", 0, 0, 0.20 * sign),
        ("L1H1", "head", 1, 1, float("nan")),
    ]
    raw.sort(key=lambda r: (math.isnan(r[4]), r[4]))
    return [
        {"rank": i + 1, "site": s, "kind": k, "layer": layer, "head": "" if h is None else h,
         "effect_mean": e, "effect_std": "nan" if math.isnan(e) else abs(e) / 2}
        for i, (s, k, layer, h, e) in enumerate(raw)
    ]  # fmt: skip


def _facts() -> list[dict[str, Any]]:
    rows = []
    for i, fid in enumerate(["f1", "f2", EVIL_ID, "f4"]):
        p_c, p_w, p_i = 0.05 * (i + 1), 0.5, 0.6 if i != 3 else float("nan")
        rows.append(
            {c: "x" for c in FACT_COLUMNS}
            | {"fact_id": fid, "answer": f"Answer{i}", "p_competing": p_c, "p_nc_wrong": p_w,
               "p_nc_irrelevant": p_i, "total_effect_log10": -0.5}
        )  # fmt: skip
    return rows


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def make_run(
    run_dir: Path,
    mean_effect: float = -0.8,
    sites: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> Path:
    """Write a small synthetic run directory (the three files the report reads)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    sites = _sites(1.0 if mean_effect <= 0 else -1.0) if sites is None else sites
    results = {
        "model": "toy-model",
        "settings": {"seed": 0, "patching": {"batch_size": 4}, "relations": ["capital_of"]},
        "n_facts_total": 6,
        "n_facts_kept": 4,
        "n_facts_dropped": {"unknown_fact": 1, "multi_token_answer": 1},
        "mean_total_effect_log10": mean_effect,
        "mean_p_correct": {"competing": 0.12, "nc_wrong": 0.5, "nc_irrelevant": 0.6},
        "n_layers": 2,
        "n_heads": 2,
        "sites": [],
        "cumulative": {"k": [1, 2, 3], "sum_effect": [-0.4, -0.65, -0.75]},
        "k_for_fraction": {"0.8": 3, "0.9": None, "1.0": None},
        "joint_patching_check": [{"k": 1, "sum_first_order": -0.4, "joint": -0.35}],
    } | overrides
    (run_dir / "results.json").write_text(json.dumps(results), encoding="utf-8")
    _write_csv(run_dir / "facts.csv", FACT_COLUMNS, _facts())
    _write_csv(run_dir / "sites.csv", SITE_COLUMNS, sites)
    return run_dir


def _report(run_dir: Path) -> str:
    path = build_forbidden_facts_report(run_dir)
    assert path == run_dir / "report.html"
    assert path.is_file()
    return path.read_text(encoding="utf-8")


def test_report_is_written_with_plotly_inlined_once(tmp_path: Path) -> None:
    html = _report(make_run(tmp_path / "run"))
    assert html.count(_plotly_marker()) == 1
    assert html.count("Plotly.newPlot(") >= 5  # scatter, cumulative, 2 bar charts, heatmap, joint check
    outside_bundle = html.replace(get_plotlyjs(), "")
    assert "cdn.plot.ly" not in outside_bundle and 'src="http' not in outside_bundle
    assert "<title>Forbidden facts: toy-model</title>" in html


def test_negative_effect_says_lowers_and_names_sites(tmp_path: Path) -> None:
    html = _report(make_run(tmp_path / "run", mean_effect=-0.8))
    assert "lowers its odds by a factor of 6.31" in html  # 10 ** 0.8
    assert "MORE often" not in html
    summary = html.split('id="summary"')[1].split("</section>")[0]
    assert "L1H0" in summary and "L0H1" in summary and "L1.mlp" in summary  # top 3 suppressive
    assert "L0H0" in summary and "L0.mlp" in summary  # Waluigi sites
    assert summary.index("L1H0") < summary.index("L0H0")
    assert "4 of 6 facts were kept; 2 were dropped" in summary
    assert "unknown_fact: 1" in summary
    assert "3 sites reach 80%" in summary and "no number of sites reaches 90%" in summary


def test_positive_effect_says_forbidden_word_said_more_often(tmp_path: Path) -> None:
    html = _report(make_run(tmp_path / "run", mean_effect=0.3))
    summary = html.split('id="summary"')[1].split("</section>")[0]
    assert "says the forbidden word MORE often" in summary
    assert "does not obey" in summary
    assert "lowers its odds" not in summary
    assert "raised by a factor of 2.00" in summary  # 10 ** 0.3
    # sign flipped: L1H0 is now the strongest Waluigi site, L0H0 the most suppressive
    waluigi = summary.split("Strongest Waluigi sites")[1]
    assert waluigi.index("L1H0") < waluigi.index("L0H1")


def test_direction_sentence_zero_and_nan() -> None:
    assert "unchanged" in direction_sentence("m", 0.0, 3)
    assert "n/a" in direction_sentence("m", float("nan"), 3)


def test_html_is_escaped(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", model="<b>evil</b>")
    html = _report(run_dir)
    assert EVIL_ID not in html
    assert "<script>alert" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "<b>evil</b>" not in html


def test_no_heads_null_fractions_empty_joint_and_nan(tmp_path: Path) -> None:
    sites = [s for s in _sites(1.0) if s["kind"] != "head"]
    run_dir = make_run(
        tmp_path / "run",
        sites=sites,
        n_heads=0,
        k_for_fraction={"0.8": None, "0.9": None, "1.0": None},
        joint_patching_check=[],
        cumulative={"k": [], "sum_effect": []},
        mean_p_correct={"competing": None, "nc_wrong": float("nan"), "nc_irrelevant": 0.6},
    )
    html = _report(run_dir)
    assert "no number of sites reaches 100%" in html
    assert "This run has no joint-patching check." in html
    assert "This run has no cumulative curve." in html
    assert "n/a with the correct answer forbidden" in html
    assert html.count(_plotly_marker()) == 1


def test_empty_sites_and_no_drops(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", sites=[], n_facts_dropped={}, n_facts_total=4)
    html = _report(run_dir)
    assert "No site lowers the answer&#39;s odds" in html
    assert "No site has a positive effect" in html
    assert "none were dropped" in html
    assert "No facts were dropped." in html


@pytest.mark.parametrize("name", ["results.json", "facts.csv", "sites.csv"])
def test_missing_file_raises_rivalry_error(tmp_path: Path, name: str) -> None:
    run_dir = make_run(tmp_path / "run")
    (run_dir / name).unlink()
    with pytest.raises(RivalryError, match=name.replace(".", r"\.")):
        build_forbidden_facts_report(run_dir)


def test_bad_files_raise_rivalry_error(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run")
    (run_dir / "results.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RivalryError, match="results.json"):
        build_forbidden_facts_report(run_dir)
    run_dir = make_run(tmp_path / "run2")
    _write_csv(run_dir / "sites.csv", ["site", "kind"], [{"site": "L0H0", "kind": "head"}])
    with pytest.raises(RivalryError, match="sites.csv lacks column.*effect_mean"):
        build_forbidden_facts_report(run_dir)
    with pytest.raises(RivalryError, match="not found"):
        build_forbidden_facts_report(tmp_path / "nowhere")


def test_page_builder_renders_blocks(tmp_path: Path) -> None:
    page = Page("T & <t>", subtitle="sub")
    sec = page.section("One", highlight=True)
    sec.text("a < b").bullets(["x", "y"]).table([{"name": "<i>", "v": 0.000012345, "n": None}], caption="cap")
    page.section("Two").plot(go.Figure(go.Bar(x=[1], y=[2], text=["</script>"])))
    path = write_page(page, tmp_path / "sub" / "p.html")
    html = path.read_text(encoding="utf-8")
    assert html == render_page(page)  # deterministic
    assert "T &amp; &lt;t&gt;" in html and "a &lt; b" in html and "&lt;i&gt;" in html
    assert "1.234e-05" in html and "n/a" in html
    assert html.count("</script>") == html.count("<script>")  # the figure text cannot close a script
    assert html.count(_plotly_marker()) == 1
    assert _plotly_marker() not in render_page(Page("no plots", [page.sections[0]]))


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "n/a"), (float("nan"), "n/a"), (float("inf"), "n/a"), (0.0, "0"), (-0.123456, "-0.1235"),
     (3, "3"), (True, "yes"), (123456.0, "1.235e+05"), ("s", "s"), ([1, 2], "[1, 2]")],
)  # fmt: skip
def test_format_value(value: Any, text: str) -> None:
    assert format_value(value) == text
