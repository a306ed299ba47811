"""The ``rivalry heads`` report (attention heatmap, OV tokens), built from a :class:`HeadsResult` only."""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.heads.result import PAPER_LLAMA2_7B_CHAT, HeadsResult
from rivalry.report.page import NA, Page


def _num(value: float | None, spec: str) -> str:
    return NA if value is None else format(value, spec)


def report(result: HeadsResult) -> Page:
    """The page: summary against the paper's figures, the top heads' attention over one prompt, their OV tokens."""
    page = Page("Suppressor heads", subtitle=f"model: {result.model}")
    mass, ov, paper = result.attention_mass, result.ov_suppression, PAPER_LLAMA2_7B_CHAT
    page.section("Summary", highlight=True).text(
        f"{len(result.top_heads)} top heads chosen by {result.selection}, over {result.n_facts} facts.",
        f"From the predicting position, the top heads put {_num(mass.top_competing, '.3f')} of their attention on "
        f"the forbidden word when it is the answer (other heads {_num(mass.other_competing, '.4f')}); with an "
        f"irrelevant forbidden word {_num(mass.top_non_competing, '.3f')}. Paper (Llama-2-7b-chat): "
        f"{paper['mass_top10']} vs {paper['mass_other']}.",
        f"OV suppression score on {result.n_ov_tokens} answer tokens: top heads {_num(ov['top'], '+.3f')}, other "
        f"heads {_num(ov['other'], '+.3f')} (paper: {paper['ov_top10']} vs {paper['ov_other']:+}). Negative: the "
        "head lowers the logit of the token it attends to.",
    )
    example = result.example
    figure = go.Figure(
        go.Heatmap(
            z=[list(w) for w in example.weights],
            x=[f"{i}:{t}" for i, t in enumerate(example.tokens)],
            y=list(example.heads),
            colorscale="Blues",
            colorbar={"title": "attention"},
        )
    )
    figure.update_layout(height=120 + 28 * len(example.heads), xaxis={"tickangle": -60}, margin={"b": 160})
    page.section("Where the top heads look").plot(
        figure, caption="Attention from the predicting (last) position over the first fact's competing prompt."
    )
    rows = [
        {
            "head": h.label,
            "mass competing": h.mass_competing,
            "mass irrelevant": h.mass_nc_irrelevant,
            "OV suppression": h.ov_suppression,
            "down-weighted most": ", ".join(t.token.strip() for t in h.down_weighted_most),
            "down-weighted least": ", ".join(t.token.strip() for t in h.down_weighted_least),
        }
        for h in result.top_heads
    ]
    page.section("Top heads: attention and OV circuit").table(
        rows, caption="OV tokens: answer tokens whose own logit the head lowers most / least when attending to them."
    )
    return page
