"""The tug-of-war report page: P(refusal) per framing and model, and the genre posterior at the decision point.

Built from a :class:`~rivalry.experiments.tug_of_war.TugOfWarResult` only; nothing here reads or writes files.
"""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.tug_of_war import TugOfWarResult
from rivalry.report.page import Page


def summary_lines(result: TugOfWarResult) -> list[str]:
    """One line per model and framing: mean P(refusal) over the requests and the top genre at the decision."""
    lines = []
    for row in result.summary:
        top = row.top_genre
        lines.append(
            f"{row.model_name}, {row.framing}: log-odds of refusal {row.log_odds_refusal:+.2f}, "
            f"P(refusal) {row.p_refusal:.3f} (per token "
            f"{row.p_refusal_per_token:.3f}) over {row.n_requests} requests; at the decision the model reads "
            f"'{top}' ({row.posterior_at_decision[top]:.2f})."
        )
    return lines


def refusal_figure(result: TugOfWarResult) -> go.Figure:
    """Grouped bars: P(refusal) of every request and framing, one bar per model."""
    fig = go.Figure()
    for role in dict.fromkeys(r.model for r in result.rows):
        mine = [r for r in result.rows if r.model == role]
        fig.add_bar(
            x=[f"{r.request} / {r.framing}" for r in mine],
            y=[r.p_refusal for r in mine],
            name=f"{role} ({mine[0].model_name})",
        )
    fig.update_layout(
        barmode="group",
        yaxis_title="P(refusal) vs the in-genre continuation",
        yaxis_range=[0, 1.02],
        height=400,
        margin={"t": 30, "b": 140},
    )
    return fig


def posterior_figure(result: TugOfWarResult) -> go.Figure:
    """Stacked bars: mean genre posterior at the decision point per model and framing."""
    x = [f"{r.model} / {r.framing}" for r in result.summary]
    fig = go.Figure()
    for genre in result.genre_names:
        fig.add_bar(x=x, y=[r.posterior_at_decision[genre] for r in result.summary], name=genre)
    fig.update_layout(
        barmode="stack", yaxis_title="P(genre | prompt), mean over requests", height=380, margin={"t": 30}
    )
    return fig


def report(result: TugOfWarResult) -> Page:
    """The page of one tug-of-war."""
    models = ", ".join(f"{role}: {name}" for role, name in result.models.items())
    page = Page("Jailbreak tug-of-war", subtitle=f"{models} · requests: {result.request_set}")
    page.section("Summary", highlight=True).bullets(summary_lines(result))
    sec = page.section("Refusal against the framing's genre")
    sec.text(
        "For each request and framing, the refusal r and the in-genre continuation s are scored by the model's own "
        "likelihood, log P(c | prompt) = Σ_j log P(c_j | prompt, c_<j); log-odds = log P(r) − log P(s) and "
        "P(refusal) = sigmoid(log-odds). "
        "'per token' uses the mean log-probabilities instead (the strings differ in length)."
    )
    sec.plot(refusal_figure(result))
    sec.table(
        [
            {
                "model": r.model_name,
                "request": r.request,
                "framing": r.framing,
                "log P(refusal)": r.log_p_refusal,
                "log P(in-genre)": r.log_p_in_genre,
                "log-odds": r.log_odds_refusal,
                "P(refusal)": r.p_refusal,
                "P(refusal), per token": r.p_refusal_per_token,
                **{f"P({g} | prompt)": p for g, p in r.posterior_at_decision.items()},
            }
            for r in result.rows
        ]
    )
    page.section("Genre posterior at the decision point").text(
        f"Header method with the genre set '{result.genre_set['name']}' (its prior), read over the whole prompt: "
        "P(g | prompt) ∝ P(g) Π_i P(x_i | header_g, x_<i)."
    ).plot(posterior_figure(result))
    first = result.rows[0].model if result.rows else None
    page.section("Prompts").table(
        [
            {"request": r.request, "framing": r.framing, "prompt": r.prompt, "in-genre": r.in_genre}
            for r in result.rows
            if r.model == first
        ]
    )
    return page
