"""The one layer x head map every report uses: heads as a grid, MLP and attention bias as extra columns."""

from __future__ import annotations

import math
from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rivalry.core.sites import Site
from rivalry.report.style import DIVERGING, LAYOUT


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _grid(
    values: Mapping[Site, float], sites: list[Site], n_rows: int, n_cols: int, col_of: dict[str, int] | None
) -> list[list[float | None]]:
    z: list[list[float | None]] = [[None] * n_cols for _ in range(n_rows)]
    for s in sites:
        col = s.head if col_of is None else col_of.get(s.kind)
        if col is None or not 0 <= s.layer < n_rows or not 0 <= col < n_cols:
            continue
        z[s.layer][col] = values[s] if _finite(values[s]) else None
    return z


def layer_head_heatmap(
    values: Mapping[Site, float], n_layers: int | None, n_heads: int | None, value_name: str = "effect"
) -> go.Figure | None:
    """Heads as a layer x head grid plus one column per per-layer site kind (MLP, attention bias).

    Both panels share one diverging colour scale centred on 0 (red: lowers the answer's odds, blue: raises them);
    sites without a value are blank. Every report's layer x head map is this one.
    """
    sites = list(values)
    heads = [s for s in sites if s.kind == "head" and s.head is not None]
    per_layer = [s for s in sites if s.kind in ("mlp", "attn_bias")]
    if not heads and not per_layer:
        return None
    layers = [s.layer for s in heads + per_layer]
    n_rows = max(n_layers or 0, max(layers) + 1)
    n_cols = max(n_heads or 0, max((s.head for s in heads if s.head is not None), default=-1) + 1) if heads else 0
    kinds = [k for k in ("mlp", "attn_bias") if any(s.kind == k for s in per_layer)]
    bound = max((abs(values[s]) for s in heads + per_layer if _finite(values[s])), default=1.0) or 1.0
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
                z=_grid(values, members, n_rows, cols, col_of),
                x=x,
                y=list(range(n_rows)),
                coloraxis="coloraxis",
                xgap=1,
                ygap=1,
                hovertemplate=("layer %{y} head %{x}" if name == "heads" else "layer %{y} %{x}")
                + f"<br>{value_name} %{{z:.3g}}<extra></extra>",
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
            "colorbar": {"title": {"text": value_name}},
        },
    )
    fig.update_yaxes(title_text="layer", row=1, col=1)
    if heads:
        fig.update_xaxes(title_text="head", row=1, col=1)
    return fig
