"""Tests of the HTML report package: the generic page builder and the forbidden-facts report."""

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs
from result_fixtures import EVIL_ID, make_result

from rivalry.experiments.forbidden_facts import JointCheck
from rivalry.report import Page, format_value, render_page, write_page
from rivalry.report.forbidden_facts import direction_sentence, report

SITE_EFFECTS = {"L1H0": -0.40, "L0H1": -0.25, "L1.mlp": -0.10, "embed": 0.01, "L0.mlp": 0.05, "L0H0": 0.20}


def _plotly_marker() -> str:
    """A distinctive slice from the middle of the plotly.js bundle."""
    js = get_plotlyjs()
    return js[len(js) // 2 : len(js) // 2 + 200]


def make_run(mean_effect: float = -0.8, sites: dict[str, float] | None = None, **overrides: Any):
    """A result with four facts (one with a hostile id), two dropped ones and a joint check."""
    sign = 1.0 if mean_effect <= 0 else -1.0
    effects = {k: sign * v for k, v in SITE_EFFECTS.items()} if sites is None else sites
    settings: dict[str, Any] = (
        dict(
            mean_effect=mean_effect,
            dropped=(("x1", "unknown_fact"), ("x2", "multi_token_answer")),
            fact_ids=("f1", "f2", EVIL_ID, "f4"),
            joint=(JointCheck(k=1, n_facts=4, sum_first_order=-0.4, joint=-0.35),),
        )
        | overrides
    )
    return make_result(effects, **settings)


def _report(result) -> str:
    return render_page(report(result))


def test_report_is_written_with_plotly_inlined_once(tmp_path: Path) -> None:
    html = _report(make_run())
    assert html.count(_plotly_marker()) == 1
    assert html.count("Plotly.newPlot(") >= 5  # scatter, cumulative, 2 bar charts, heatmap, joint check
    outside_bundle = html.replace(get_plotlyjs(), "")
    assert "cdn.plot.ly" not in outside_bundle and 'src="http' not in outside_bundle
    assert "<title>Forbidden facts: toy-model</title>" in html


def test_negative_effect_says_lowers_and_names_sites(tmp_path: Path) -> None:
    html = _report(make_run(mean_effect=-0.8))
    assert "lowers its odds by a factor of 6.31" in html  # 10 ** 0.8
    assert "MORE often" not in html
    summary = html.split('id="summary"')[1].split("</section>")[0]
    assert "L1H0" in summary and "L0H1" in summary and "L1.mlp" in summary  # top 3 suppressive
    assert "L0H0" in summary and "L0.mlp" in summary  # Waluigi sites
    assert summary.index("L1H0") < summary.index("L0H0")
    assert "4 of 6 facts were kept; 2 were dropped" in summary
    assert "unknown_fact: 1" in summary
    # cumulative in the total's direction: -0.40, -0.65, -0.75, ... of -0.8: 81% at k=2, 94% at k=3, never 100%
    assert "2 sites reach 80%" in summary and "3 sites reach 90%" in summary
    assert "no number of sites reaches 100%" in summary


def test_positive_effect_says_forbidden_word_said_more_often(tmp_path: Path) -> None:
    html = _report(make_run(mean_effect=0.3))
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


def test_html_is_escaped() -> None:
    html = _report(make_run(model="<b>evil</b>"))
    assert EVIL_ID not in html
    assert "<script>alert" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "<b>evil</b>" not in html


def test_no_heads_and_no_joint_check() -> None:
    html = _report(make_run(sites={"L1.mlp": -0.10, "embed": 0.01, "L0.mlp": 0.05}, n_heads=0, joint=()))
    assert "no number of sites reaches 80%" in html  # the sites add up to 12% of the total effect
    assert "This run has no joint-patching check." in html
    assert html.count(_plotly_marker()) == 1


def test_a_run_that_kept_no_fact() -> None:
    html = _report(make_run(fact_ids=(), n_facts=0, joint=()))
    assert "could not be computed (n/a)" in html
    assert "This run has no cumulative curve." in html
    assert "n/a with the correct answer forbidden" in html
    assert "No site lowers the answer&#39;s odds" in html
    assert "No site has a positive effect" in html


def test_no_drops() -> None:
    html = _report(make_run(dropped=()))
    assert "none were dropped" in html
    assert "No facts were dropped." in html


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
