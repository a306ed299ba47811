"""The genre-posterior page: the trajectories P(g | x_1..t), and a table of final beliefs and reversals."""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.genre_posterior.result import REVERSIBILITY_COLUMNS, GenrePosteriorResult
from rivalry.report.page import Page
from rivalry.report.style import LAYOUT


def trajectory_figure(result: GenrePosteriorResult) -> go.Figure:
    """P(g | x_1..t) of every genre against t, with the token text in the hover."""
    probs = result.posterior
    positions = list(range(1, len(result.tokens) + 1))
    hover = [repr(tok) for tok in result.tokens]
    fig = go.Figure()
    for g, name in enumerate(result.genre_set.names):
        fig.add_trace(
            go.Scatter(
                x=positions,
                y=probs[g].tolist(),
                mode="lines+markers",
                name=name,
                customdata=hover,
                hovertemplate=f"{name}<br>token %{{x}}: %{{customdata}}<br>P = %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_hline(y=result.high, line_dash="dot", line_color="gray")
    fig.add_hline(y=result.low, line_dash="dot", line_color="lightgray")
    fig.update_layout(
        **LAYOUT,
        xaxis_title="tokens read (t)",
        yaxis_title="P(genre | x_1..t)",
        yaxis_range=[0, 1.02],
        hovermode="closest",
    )
    return fig


def report(result: GenrePosteriorResult) -> Page:
    """The page of one genre posterior, built from the result alone."""
    top, p_top = result.top()
    page = Page("Genre posterior", subtitle=f"model: {result.model}; genre set: {result.genre_set.name}")
    summary = page.section("Summary", highlight=True)
    summary.text(
        f"After {len(result.tokens)} tokens the model reads the text as '{top}' with probability {p_top:.3f}. "
        "Each genre is a header placed before the text; the posterior is "
        "P(g | x_1..t) ∝ P(g) Π_{i≤t} P_model(x_i | header_g, x_<i), from one batched forward pass.",
    )
    notes = []
    if result.unknown_tokens:
        notes.append(f"{result.unknown_tokens} token(s) are unknown to the tokenizer (outside its vocabulary).")
    if result.chat:
        notes.append("The text was wrapped as a user turn in the model's chat template.")
    if notes:
        summary.bullets(notes)
    page.section("Trajectories").plot(
        trajectory_figure(result),
        caption=f"Posterior of each genre after each token (hover for the token). Dotted lines: the reversibility "
        f"thresholds {result.high} and {result.low}.",
    )
    page.section("Final posterior and reversibility").table(
        [row.to_dict() for row in result.reversals()],
        columns=list(REVERSIBILITY_COLUMNS),
        caption=f"reversed: the posterior reached {result.high} and later fell below {result.low}.",
    )
    page.section("Genres").table(
        [{"genre": g.name, "header": g.header} for g in result.genre_set.genres], caption="The headers used."
    )
    return page
