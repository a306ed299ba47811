"""Plotly figures for the forbidden-facts report; each returns None when there is nothing to draw."""

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rivalry.experiments.forbidden_facts.result import FactRow as Fact
from rivalry.experiments.forbidden_facts.result import SiteEffect as Site
from rivalry.report.style import DIVERGING, LAYOUT, SUPPRESS_COLOUR, WALUIGI_COLOUR

__all__ = ["DIVERGING", "SUPPRESS_COLOUR", "WALUIGI_COLOUR"]
NC_COLOURS = {"nc_wrong": "#e08214", "nc_irrelevant": "#5e3c99"}
NC_LABELS = {"nc_wrong": "a wrong answer forbidden", "nc_irrelevant": "an irrelevant word forbidden"}


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(x)


def _none_if_nan(values: list[float]) -> list[float | None]:
    return [v if _finite(v) else None for v in values]


def p_correct_scatter(facts: list[Fact]) -> go.Figure | None:
    """P(correct) with the answer forbidden (y) against a non-competing prompt (x), log axes, y = x line."""
    fig = go.Figure()
    extremes: list[float] = []
    for kind in ("nc_wrong", "nc_irrelevant"):
        pts = [f for f in facts if all(_finite(v) and v > 0 for v in (f.p_correct[kind], f.p_correct["competing"]))]
        if not pts:
            continue
        xs, ys = [f.p_correct[kind] for f in pts], [f.p_correct["competing"] for f in pts]
        extremes += xs + ys
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name=f"vs. {NC_LABELS[kind]}",
                marker={"color": NC_COLOURS[kind], "size": 7, "opacity": 0.75},
                customdata=[[f.fact_id, f.answer] for f in pts],
                hovertemplate="fact %{customdata[0]}<br>answer: %{customdata[1]}<br>"
                "P non-competing %{x:.3g}<br>P competing %{y:.3g}<extra></extra>",
            )
        )
    if not extremes:
        return None
    lo, hi = min(extremes) / 1.5, min(1.0, max(extremes) * 1.5)
    fig.add_trace(
        go.Scatter(
            x=[lo, hi],
            y=[lo, hi],
            mode="lines",
            name="y = x (no change)",
            hoverinfo="skip",
            line={"color": "#7b8794", "dash": "dash", "width": 1},
        )
    )
    fig.update_layout(
        **LAYOUT,
        height=520,
        xaxis={"type": "log", "title": "P(correct answer), non-competing prompt"},
        yaxis={"type": "log", "title": "P(correct answer), answer forbidden (competing)"},
        legend={"orientation": "h", "y": 1.08},
    )
    return fig


def cumulative_curve(
    ks: list[int], sums: list[float], total: float, k_for_fraction: dict[float, int | None]
) -> go.Figure | None:
    """Sum of the top-k first-order effects against k, with lines at 80/90/100% of the total effect."""
    if not ks:
        return None
    fig = go.Figure(
        go.Scatter(
            x=ks,
            y=_none_if_nan(sums),
            mode="lines+markers" if len(ks) <= 60 else "lines",
            name="sum of top-k site effects",
            line={"color": "#1f2933"},
            marker={"size": 5},
            hovertemplate="k = %{x}<br>sum = %{y:.3g}<extra></extra>",
        )
    )
    if _finite(total):
        # Labels spread along the line so that close fractions do not overlap.
        for frac, where in ((0.8, "top left"), (0.9, "top"), (1.0, "top right")):
            k = k_for_fraction.get(frac)
            note = f"{frac:.0%} of total" + (f" (k = {k})" if k is not None else " (not reached)")
            fig.add_hline(
                y=frac * total,
                line_dash="dot",
                line_color="#9aa5b1",
                annotation_text=note,
                annotation_position=where,
                annotation_font_color="#52606d",
            )
    sum_at = dict(zip(ks, sums, strict=False))
    reached = [(f, k) for f, k in k_for_fraction.items() if k in sum_at]
    if reached:
        fig.add_trace(
            go.Scatter(
                x=[k for _, k in reached],
                y=[sum_at[k] for _, k in reached],
                mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": "#c0392b"},
                text=[f"{f:.0%} of total reached at k = {k}" for f, k in reached],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        **LAYOUT,
        height=440,
        # Many sites: a log k axis keeps the few sites that matter readable.
        xaxis={"title": "k (number of sites)", "type": "log" if max(ks) > 50 else "linear"},
        yaxis={"title": "summed effect (log10-odds)"},
        showlegend=False,
    )
    return fig


def site_bars(sites: list[Site], title: str, colour: str) -> go.Figure | None:
    """Horizontal bars of site effects with ±1 std error bars, first site at the top."""
    if not sites:
        return None
    fig = go.Figure(
        go.Bar(
            x=[s.effect_mean for s in sites],
            y=[s.label for s in sites],
            orientation="h",
            marker={"color": colour, "opacity": 0.85},
            error_x={
                "type": "data",
                "array": [s.effect_std if _finite(s.effect_std) else 0 for s in sites],
                "color": "#52606d",
                "thickness": 1,
            },
            hovertemplate="%{y}<br>effect %{x:.3g}<extra></extra>",
        )
    )
    fig.update_layout(
        **LAYOUT,
        title=title,
        height=140 + 24 * len(sites),
        xaxis={"title": "effect on log10-odds of the answer", "zeroline": True},
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return fig


def _grid(sites: list[Site], n_rows: int, n_cols: int, col_of: dict[str, int] | None) -> list[list[float | None]]:
    z: list[list[float | None]] = [[None] * n_cols for _ in range(n_rows)]
    for s in sites:
        col = s.head if col_of is None else col_of.get(s.kind)
        if s.layer is None or col is None or not 0 <= s.layer < n_rows or not 0 <= col < n_cols:
            continue
        z[s.layer][col] = s.effect_mean if _finite(s.effect_mean) else None
    return z


def layer_head_heatmap(sites: list[Site], n_layers: int | None, n_heads: int | None) -> go.Figure | None:
    """Heads as a layer x head grid plus one column per per-layer site kind (MLP, attention bias).

    Both panels share one diverging colour scale centred on 0 (red suppresses, blue is Waluigi).
    """
    heads = [s for s in sites if s.kind == "head" and s.layer is not None and s.head is not None]
    per_layer = [s for s in sites if s.kind in ("mlp", "attn_bias") and s.layer is not None]
    if not heads and not per_layer:
        return None
    layers = [s.layer for s in heads + per_layer if s.layer is not None]
    n_rows = max(n_layers or 0, max(layers) + 1)
    n_cols = max(n_heads or 0, max((s.head for s in heads if s.head is not None), default=-1) + 1) if heads else 0
    kinds = [k for k in ("mlp", "attn_bias") if any(s.kind == k for s in per_layer)]
    values = [abs(s.effect_mean) for s in heads + per_layer if _finite(s.effect_mean)]
    bound = max(values, default=1.0) or 1.0
    panels = ([("heads", heads, n_cols, None)] if heads else []) + (
        [("per layer", per_layer, len(kinds), {k: i for i, k in enumerate(kinds)})] if kinds else []
    )
    widths = [p[2] + 2 for p in panels]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        column_widths=[w / sum(widths) for w in widths],
        subplot_titles=[("attention heads" if p[0] == "heads" else "MLP / attn bias") for p in panels],
    )
    labels = {"mlp": "MLP", "attn_bias": "attn bias"}
    for i, (name, members, cols, col_of) in enumerate(panels, start=1):
        x = list(range(cols)) if col_of is None else [labels[k] for k in kinds]
        fig.add_trace(
            go.Heatmap(
                z=_grid(members, n_rows, cols, col_of),
                x=x,
                y=list(range(n_rows)),
                coloraxis="coloraxis",
                xgap=1,
                ygap=1,
                hovertemplate=("layer %{y} head %{x}" if name == "heads" else "layer %{y} %{x}")
                + "<br>effect %{z:.3g}<extra></extra>",
            ),
            row=1,
            col=i,
        )
    fig.update_layout(
        **LAYOUT,
        height=max(320, 120 + 18 * n_rows),
        coloraxis={
            "colorscale": DIVERGING,
            "cmin": -bound,
            "cmax": bound,
            "cmid": 0,
            "colorbar": {"title": {"text": "effect"}},
        },
    )
    fig.update_yaxes(title_text="layer", row=1, col=1)
    if heads:
        fig.update_xaxes(title_text="head", row=1, col=1)
    return fig


def joint_check_scatter(points: list[tuple[int, float, float]]) -> go.Figure | None:
    """Joint patching of the top-k sites against the sum of their first-order effects, with y = x."""
    pts = [(k, s, j) for k, s, j in points if _finite(s) and _finite(j)]
    if not pts:
        return None
    xs, ys = [p[1] for p in pts], [p[2] for p in pts]
    lo, hi = min(xs + ys + [0.0]), max(xs + ys + [0.0])
    pad = 0.05 * (hi - lo or 1.0)
    fig = go.Figure(
        [
            go.Scatter(
                x=[lo - pad, hi + pad],
                y=[lo - pad, hi + pad],
                mode="lines",
                name="y = x (additive)",
                hoverinfo="skip",
                line={"color": "#7b8794", "dash": "dash", "width": 1},
            ),
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers+text",
                text=[f"k={p[0]}" for p in pts],
                textposition="top center",
                name="top-k sites",
                marker={"size": 9, "color": "#1f2933"},
                hovertemplate="%{text}<br>sum of first-order %{x:.3g}<br>joint %{y:.3g}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        **LAYOUT,
        height=460,
        xaxis={"title": "sum of first-order effects (log10-odds)", "range": [lo - pad, hi + pad]},
        yaxis={"title": "joint patching effect (log10-odds)", "range": [lo - pad, hi + pad]},
        showlegend=False,
    )
    return fig
