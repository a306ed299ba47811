"""The attribution report: position x layer maps over each prompt's tokens, the checks, and the QK splits.

Built from an :class:`~rivalry.experiments.attribute.AttributionResult` only; nothing here reads or writes files.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rivalry.core.sites import Site
from rivalry.experiments.attribute import AttributionResult
from rivalry.report.heatmap import layer_head_heatmap
from rivalry.report.page import Page
from rivalry.report.style import DIVERGING, LAYOUT

N_FACT_MAPS = 3


def position_layer_figure(result: AttributionResult, fact: int) -> go.Figure:
    """Position x layer: the heads' summed score and the MLP's score per layer at every token (embeddings row -1)."""
    f = result.facts[fact]
    length = len(f.tokens)
    scores = result.scores[fact, :, :length]
    layers = result.n_layers
    heads = [[0.0] * length for _ in range(layers)]
    mlp = [[0.0] * length for _ in range(layers)]
    embed = [0.0] * length
    for i, site in enumerate(result.site_order):
        row = scores[i].tolist()
        if site.kind == "head":
            heads[site.layer] = [a + b for a, b in zip(heads[site.layer], row, strict=True)]
        elif site.kind == "mlp":
            mlp[site.layer] = row
        elif site.kind in ("embed", "pos_embed"):
            embed = [a + b for a, b in zip(embed, row, strict=True)]
    x = [f"{p}:{t}" for p, t in enumerate(f.tokens)]
    z_heads = [embed, *heads]
    z_mlp = [embed, *mlp]
    bound = max(max(abs(v) for r in z for v in r) for z in (z_heads, z_mlp)) or 1.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=["attention heads (sum per layer)", "MLP"])  # fmt: skip
    y = list(range(-1, layers))
    for r, z in enumerate((z_heads, z_mlp), start=1):
        fig.add_trace(
            go.Heatmap(
                z=z, x=x, y=y, coloraxis="coloraxis", xgap=0, ygap=1,
                hovertemplate="%{x}<br>layer %{y}<br>AtP %{z:.3g}<extra></extra>",
            ),
            row=r, col=1,
        )  # fmt: skip
    for p in f.word_positions:
        for r in (1, 2):
            fig.add_vline(x=p, line_dash="dot", line_color="#555", row=r, col=1)  # type: ignore[arg-type]
    fig.update_layout(
        **LAYOUT,
        height=max(520, 40 + 22 * layers * 2),
        coloraxis={"colorscale": DIVERGING, "cmin": -bound, "cmax": bound, "cmid": 0,
                   "colorbar": {"title": {"text": "AtP (log10 odds)"}}},
        title={"text": f"{f.fact_id}: answer {f.answer}, total effect {f.total_effect:+.2f}", "font": {"size": 14}},
    )  # fmt: skip
    fig.update_yaxes(title_text="layer (-1: embeddings)")
    fig.update_xaxes(tickangle=-60, tickfont={"size": 9})
    return fig


def segment_rows(result: AttributionResult) -> list[dict[str, object]]:
    """Per fact: the summed score on the forbidden word's tokens, at the predicting position, and elsewhere."""
    rows = []
    for i, f in enumerate(result.facts):
        length = len(f.tokens)
        per_position = result.scores[i, :, :length].sum(0)
        word = float(per_position[list(f.word_positions)].sum())
        last = float(per_position[-1])
        total = float(per_position.sum())
        rows.append(
            {"fact": f.fact_id, "answer": f.answer, "on the word": word, "at the last token": last,
             "elsewhere": total - word - last, "sum of AtP": total, "total effect": f.total_effect}
        )  # fmt: skip
    return rows


def validation_figure(result: AttributionResult) -> go.Figure:
    fig = go.Figure()
    real = [v.real for v in result.validation]
    fig.add_scatter(x=real, y=[v.estimate_linear for v in result.validation], mode="markers", name="AtP",
                    text=[v.node.label for v in result.validation], marker={"size": 6, "opacity": 0.6})  # fmt: skip
    if result.config.qk_fix:
        fig.add_scatter(x=real, y=[v.estimate_qk for v in result.validation], mode="markers", name="AtP + QK fix",
                        text=[v.node.label for v in result.validation], marker={"size": 6, "opacity": 0.6})  # fmt: skip
    low, high = (min(real), max(real)) if real else (0.0, 1.0)
    fig.add_scatter(x=[low, high], y=[low, high], mode="lines", name="y = x", line={"dash": "dot", "color": "#888"})
    fig.update_layout(**LAYOUT, height=440, xaxis_title="activation patching (log10 odds)",
                      yaxis_title="estimate (log10 odds)")  # fmt: skip
    return fig


def _agreement_rows(result: AttributionResult) -> list[dict[str, object]]:
    rows = []
    for name, a in (
        ("AtP vs activation patching", result.agreement_linear),
        ("AtP + QK fix vs activation patching", result.agreement_qk),
        ("AtP vs first-order patching, last position, direct-only sites (last MLP)", result.last_position),
        ("AtP vs first-order patching, last position, every site", result.last_position_all),
    ):
        if a is not None:
            rows.append({"comparison": name, "n": a.n, "Spearman": a.spearman, "Pearson": a.pearson,
                         "max |difference|": a.max_abs_difference})  # fmt: skip
    return rows


def qk_lines(result: AttributionResult) -> list[str]:
    lines = []
    for q in result.qk:
        keys = ", ".join(f"{name} {v:+.2f}" for name, v in q.top_components("key", 4))
        queries = ", ".join(f"{name} {v:+.2f}" for name, v in q.top_components("query", 4))
        lines.append(
            f"{q.site.label}: score {q.mean_score:+.2f}, attention on the word {q.mean_attention:.3f} "
            f"(mean of {q.n_facts} facts); key side (at the word): {keys}; query side (predicting position): "
            f"{queries}; split error {q.max_relative_error:.1e}"
        )
    return lines


def report(result: AttributionResult) -> Page:
    """The page of one attribution run."""
    config = result.config
    page = Page(
        "Attribution at every position", subtitle=f"{result.model} · run {config.source_run} · targets {config.targets}"
    )
    page.section("Summary", highlight=True).bullets(result.summary_lines() + qk_lines(result)[:3])
    sec = page.section("Where the effect is: position x layer")
    sec.text(
        "AtP(n) = (a_n(competing) - a_n(non-competing)) . dLO/da_n for every site at every token "
        f"({'with' if config.qk_fix else 'without'} the AtP* QK fix), averaged over the target prompts; "
        "LO is the answer's log10 odds at the predicting position. Dotted lines: the forbidden word."
    )
    for i in range(min(N_FACT_MAPS, len(result.facts))):
        sec.plot(position_layer_figure(result, i))
    sec.table(segment_rows(result), caption="Summed AtP by segment of the prompt")
    check = page.section("Check: estimates against real activation patching")
    check.text(
        "Each sampled node is patched alone from the competing run into the non-competing run and the model run on "
        "(every downstream path reacts). Half the sample is the nodes with the largest |estimate|, half uniform over "
        "the rest."
    )
    check.table(_agreement_rows(result))
    if result.validation:
        check.plot(validation_figure(result))
    if result.qk:
        qk = page.section("Why the suppressor heads attend to the forbidden word")
        qk.text(
            "Each head's pre-softmax score from the predicting position to the forbidden word, split exactly over the "
            "upstream components at the query side and at the key side (input norm frozen at the run's scale; rotary "
            "applied to every share); shares are means over the facts."
        )
        qk.bullets(qk_lines(result))
        for q in result.qk:
            for side, shares in (("key side (at the forbidden word)", q.key_shares), ("query side", q.query_shares)):
                values: dict[Site, float] = {c: v for c, v in zip(q.components, shares, strict=True) if c is not None}
                fig = layer_head_heatmap(values, q.site.layer, None, value_name="share of the score")
                if fig is not None:
                    fig.update_layout(title={"text": f"{q.site.label}: {side}", "font": {"size": 14}})
                    qk.plot(fig)
    if result.dropped:
        page.section("Facts left out").table([{"fact": a, "reason": b} for a, b in result.dropped])
    return page
