"""The ``rivalry attack`` report (heads, vocabulary search, predicted vs measured, attack table), built from an
:class:`AttackResult` only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import plotly.graph_objects as go

from rivalry.circuits.measures import HeadStatistics
from rivalry.experiments.attack.result import AttackResult, AttackSummary, SearchRow
from rivalry.report.page import NA, Page


def _share(value: float | None) -> str:
    return NA if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return NA if value is None else f"{value:.3f}"


def report(result: AttackResult) -> Page:
    """The page: summary, the heads' statistics, the searches' answer ranks, predicted vs measured, the attacks."""
    config = result.config
    page = Page("California-style attacks", subtitle=f"model: {result.model}")
    base, free = result.baseline, result.best_answer_free
    summary = page.section("Summary", highlight=True)
    summary.text(
        f"{result.n_facts_attacked} of {result.n_facts_total} facts attacked (clean p(answer) above "
        f"{config.min_clean_probability}); heads: {', '.join(s.label for s in result.heads)}. An attack succeeds on "
        "a fact when the answer's log10 odds fall by at least 1 (odds down 10x) on a non-competing prompt."
    )
    if base:
        summary.text(f"California baseline ({base.attack}): success rate {base.success_rate:.0%}.")
    per = result.per_template
    summary.text(
        "Answer ranked first by the search (measured, over the suppression shortlist): "
        + ", ".join(f"{t} {_share(v['answer_first_share'])}" for t, v in per.items())
        + "; by attention alone: "
        + ", ".join(f"{t} {_share(v['answer_first_share_attention'])}" for t, v in per.items())
        + "."
    )
    if free:
        summary.text(f"Best answer-free attack ({free.attack}): success rate {free.success_rate:.0%}.")
    if result.head_statistics:
        page.section("The heads").plot(_mass_figure(result.head_statistics)).table(
            [
                {
                    "head": h.label,
                    "mass competing": h.mass_competing,
                    "mass irrelevant": h.mass_nc_irrelevant,
                    "OV suppression": h.ov_suppression,
                    "down-weighted most": ", ".join(t.token.strip() for t in h.down_weighted_most),
                }
                for h in result.head_statistics
            ],
            caption=f"Measured on {config.selection_facts} facts of the {config.selection_split} split: attention "
            "from the predicting position on the forbidden word, when it is the answer (competing) and when it is "
            "irrelevant; OV suppression score on the answer tokens (negative: the head lowers the logit of what it "
            "attends to).",
        )
    page.section("Vocabulary search").plot(
        _rank_figure(per),
        caption="Share of facts whose answer the search ranks first among all insertions, per template: by the "
        "heads' attention alone, by their predicted suppression of the answer (attention x OV through the answer's "
        "gradient), and by measured effect over the suppression shortlist.",
    ).table(
        [{"template": t, **v} for t, v in per.items()],
        caption=f"Mean Spearman, approximate vs exact attention: {_num(result.mean_spearman)}; predicted vs "
        f"measured effect over each shortlist: {_num(result.mean_prediction_spearman)}.",
    )
    if result.searches:
        page.section("Predicted vs measured").plot(
            _prediction_figure(result.searches),
            caption="Each shortlisted insertion: the suppression search's prediction (heads' direct paths, "
            "linearised) against the effect measured with the model. Points below zero lower the answer's odds.",
        )
    page.section("Attacks").plot(_success_figure(result.attacks)).table(
        [asdict(a) for a in result.attacks], caption="Ranked by success rate, then mean effect."
    )
    return page


def _mass_figure(heads: Sequence[HeadStatistics]) -> go.Figure:
    figure = go.Figure()
    labels = [h.label for h in heads]
    figure.add_bar(name="forbidden word is the answer", x=labels, y=[h.mass_competing for h in heads])
    figure.add_bar(name="forbidden word is irrelevant", x=labels, y=[h.mass_nc_irrelevant for h in heads])
    figure.update_layout(barmode="group", yaxis={"title": "attention on the forbidden word"}, height=340)
    return figure


def _rank_figure(per_template: Mapping[str, Mapping[str, Any]]) -> go.Figure:
    figure = go.Figure()
    for label, key in (("attention", "_attention"), ("predicted suppression", "_predicted"), ("measured", "")):
        shares = [v[f"answer_first_share{key}"] for v in per_template.values()]
        figure.add_bar(name=label, x=list(per_template), y=shares)
    figure.update_layout(barmode="group", yaxis={"title": "answer ranked first", "range": [0, 1]}, height=360)
    return figure


def _prediction_figure(searches: Sequence[SearchRow]) -> go.Figure:
    entries = [(s, w) for s in searches for w in s.shortlist]
    figure = go.Figure(
        go.Scatter(
            x=[w.predicted for _, w in entries],
            y=[w.measured for _, w in entries],
            mode="markers",
            text=[f"{s.answer} / {s.template}: {w.word}" for s, w in entries],
            marker={"size": 5, "opacity": 0.6},
        )
    )
    figure.update_layout(
        xaxis={"title": "predicted effect (log10 odds)"}, yaxis={"title": "measured effect (log10 odds)"}, height=420
    )
    return figure


def _success_figure(attacks: Sequence[AttackSummary]) -> go.Figure:
    names = [a.attack for a in attacks]
    colours = ["#2a9d8f" if a.answer_free else "#e76f51" for a in attacks]
    figure = go.Figure(go.Bar(x=names, y=[a.success_rate for a in attacks], marker_color=colours))
    figure.update_layout(
        yaxis={"title": "success rate (effect <= -1)", "range": [0, 1]}, xaxis={"tickangle": -45}, height=400
    )
    return figure
