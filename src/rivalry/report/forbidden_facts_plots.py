"""Plotly figures for the forbidden-facts report; each returns None when there is nothing to draw."""

import math

import plotly.graph_objects as go

from rivalry.experiments.forbidden_facts.result import FactRow as Fact
from rivalry.experiments.forbidden_facts.result import SiteEffect as Site
from rivalry.report import heatmap
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


def layer_head_heatmap(sites: list[Site], n_layers: int | None, n_heads: int | None) -> go.Figure | None:
    """Every site's mean effect on the one layer x head map (red suppresses, blue is Waluigi)."""
    return heatmap.layer_head_heatmap({s.site: s.effect_mean for s in sites}, n_layers, n_heads, value_name="effect")


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
