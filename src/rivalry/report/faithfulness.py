"""The faithfulness report: the k-site circuit against the full model, and attack success from the description.

Built from a :class:`~rivalry.experiments.faithfulness.FaithfulnessResult` only; nothing here reads or writes files.
"""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.faithfulness import FaithfulnessResult
from rivalry.report.page import Page
from rivalry.report.style import LAYOUT, SUPPRESS_COLOUR, WALUIGI_COLOUR


def recovered_figure(result: FaithfulnessResult) -> go.Figure:
    ks = list(result.ks)
    fig = go.Figure()
    fig.add_scatter(x=ks, y=[result.recovered_by_k[k] for k in ks], mode="lines+markers", name="recovered")
    fig.add_scatter(x=ks, y=[result.circuit_correlation[k] for k in ks], mode="lines+markers", name="correlation")
    fig.update_layout(**LAYOUT, height=380, xaxis={"title": "k (top sites kept)", "type": "log"},
                      yaxis_title="fraction recovered / Pearson r")  # fmt: skip
    return fig


def scatter_figure(result: FaithfulnessResult, k: int) -> go.Figure:
    i = result.ks.index(k)
    fig = go.Figure()
    fig.add_scatter(
        x=[r.full_effect for r in result.circuit], y=[r.circuit_effects[i] for r in result.circuit], mode="markers",
        text=[r.fact_id for r in result.circuit], name=f"k={k}",
    )  # fmt: skip
    fig.update_layout(**LAYOUT, height=380, xaxis_title="full model's effect (log10 odds)",
                      yaxis_title=f"circuit's effect, k={k}")  # fmt: skip
    return fig


def attack_figure(result: FaithfulnessResult) -> go.Figure:
    fig = go.Figure()
    for success, colour in ((True, SUPPRESS_COLOUR), (False, WALUIGI_COLOUR)):
        rows = [p for p in result.predictions if p.success == success]
        fig.add_scatter(
            x=[p.predicted for p in rows], y=[p.effect_log10 for p in rows], mode="markers",
            marker={"color": colour, "opacity": 0.7}, name="succeeded" if success else "failed",
            text=[f"{p.attack} {p.fact_id} '{p.insertion}'" for p in rows],
        )  # fmt: skip
    fig.update_layout(**LAYOUT, height=400, xaxis_title="description's predicted effect (log10 odds)",
                      yaxis_title="measured effect (log10 odds)")  # fmt: skip
    return fig


def report(result: FaithfulnessResult) -> Page:
    page = Page("Faithfulness of the description", subtitle=f"{result.model} · run {result.config.source_run}")
    page.section("Summary", highlight=True).bullets(result.summary_lines())
    sec = page.section("The circuit's own prediction")
    sec.text(
        "Every site outside the top k (most suppressive first) is set, at the predicting position, to its mean over "
        "the non-competing runs; the circuit's effect LO(competing) - mean LO(non-competing) is compared fact by fact "
        "with the full model's."
    )
    sec.table(
        [{"k": k, "correlation": result.circuit_correlation[k], "MAE (log10)": result.circuit_mae_log10[k],
          "recovered": result.recovered_by_k[k]} for k in result.ks]
    )  # fmt: skip
    sec.plot(recovered_figure(result))
    middle = [k for k in result.ks if 0 < k < result.ks[-1]]
    if middle:
        sec.plot(scatter_figure(result, middle[len(middle) // 2]))
    att = page.section("Predicting the attacks")
    att.text(
        "Prediction per attacked prompt: the description's heads' direct effect through their attention to the "
        "inserted word, sum_h A_h(word) (v_h(word) . W_O_h^T dLO/dresid). Success: measured effect <= -1 log10 odds. "
        f"AUROC {result.attack_auroc} against a baseline scoring by the clean log odds alone, {result.baseline_auroc}."
    )
    if result.predictions:
        att.plot(attack_figure(result))
    return page
