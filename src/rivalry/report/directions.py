"""The directions report page: separation and intervention effects by layer against the random band, the selected
direction's interventions with their costs, and the projections per subset.

Built from a :class:`~rivalry.experiments.directions.DirectionsResult` only; nothing here reads or writes files.
"""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.directions import DirectionsResult, InterventionRow
from rivalry.report.page import Page


def _verdict(row: InterventionRow) -> str:
    if row.random_p95 is None:
        return "no random control"
    beats = row.intended_sign * row.effect > row.intended_sign * row.random_p95
    return "beyond the random p95" if beats else "within the random band"


def summary_lines(result: DirectionsResult) -> list[str]:
    """The selected point and one line per intervention."""
    chosen = result.layers[result.selected_point]
    lines = [
        f"{result.model}, contrast '{result.contrast}': selected point {result.selected_point} "
        f"({result.points[result.selected_point]}; {result.selection}); held-out separation "
        f"{chosen.heldout_separation:.2f}, AUC {chosen.heldout_auc:.3f}."
    ]
    for row in result.interventions:
        p95 = f"{row.random_p95:+.2f}" if row.random_p95 is not None else "n/a"
        pct = f"{row.percentile:.0f}" if row.percentile is not None else "n/a"
        lines.append(
            f"{row.name}: {result.score_unit} {row.clean_mean:+.2f} -> {row.edited_mean:+.2f} (effect "
            f"{row.effect:+.2f}; random p95 {p95}, percentile {pct}: {_verdict(row)}); KL on neutral texts "
            f"{row.kl_neutral_nats:.4f} nats; non-competing accuracy {row.nc_accuracy_clean:.1f}% -> "
            f"{row.nc_accuracy_edited:.1f}% ({row.nc_accuracy_change:+.1f} points)."
        )
    return lines


def separation_figure(result: DirectionsResult) -> go.Figure:
    """Held-out separation and AUC of every point's difference-of-means direction, and the probe's accuracy."""
    x = [row.point for row in result.layers]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[r.heldout_separation for r in result.layers], name="separation (pooled-std units)")
    fig.add_scatter(x=x, y=[r.heldout_auc for r in result.layers], name="AUC", yaxis="y2")
    fig.add_scatter(x=x, y=[r.probe_heldout_accuracy for r in result.layers], name="probe accuracy", yaxis="y2")
    fig.update_layout(
        xaxis_title="residual point (stream entering block l)",
        yaxis_title="held-out separation",
        yaxis2={"title": "AUC / accuracy", "overlaying": "y", "side": "right", "range": [0, 1.02]},
        height=380,
        margin={"t": 30},
    )
    return fig


def effect_figure(result: DirectionsResult, kind: str) -> go.Figure:
    """Effect of ablating (or adding) each point's direction on the train-side selection prompts, with the band of
    the random directions (held-out prompts, selected point's norm) from its minimum to its 95th percentile."""
    rows = [
        r
        for r in result.layers
        if (r.select_ablation_effect if kind == "ablation" else r.select_addition_effect) is not None
    ]
    y = [r.select_ablation_effect if kind == "ablation" else r.select_addition_effect for r in rows]
    fig = go.Figure()
    fig.add_scatter(x=[r.point for r in rows], y=y, mode="lines+markers", name=f"{kind} of point l's direction")
    control = next((i for i in result.interventions if i.kind == kind and i.source == "mean_difference"), None)
    if control is not None and control.random_effects and control.random_p95 is not None:
        low = min(control.random_effects, key=lambda v: control.intended_sign * v)
        fig.add_hrect(y0=low, y1=control.random_p95, fillcolor="grey", opacity=0.2, line_width=0)
        fig.add_scatter(
            x=[control.point], y=[control.effect], mode="markers", marker={"size": 12, "symbol": "star"},
            name=f"selected, held-out ({control.effect:+.2f})",
        )  # fmt: skip
    fig.update_layout(
        xaxis_title="residual point of the direction",
        yaxis_title=f"mean change in {result.score_unit}",
        height=380,
        margin={"t": 30},
    )
    return fig


def report(result: DirectionsResult) -> Page:
    """The page of one directions run."""
    page = Page("Directions", subtitle=f"{result.model} · contrast: {result.contrast}")
    page.section("Summary", highlight=True).bullets(summary_lines(result))
    page.section("Where the contrast is one direction").text(
        f"Difference of means r_l = mean(positive) − mean(negative) at the read position (last token) at every "
        f"point, fitted on {result.n_fit} train items; scored on {result.n_heldout} held-out items by the "
        "projection x · r_l/||r_l||: separation = (mean_pos − mean_neg) / pooled std, and its AUC. The probe is an "
        "L2 logistic regression at the same point."
    ).plot(separation_figure(result))
    for kind in ("ablation", "addition"):
        what = (
            "projected out of every write into the stream (all layers, all positions)"
            if kind == "ablation"
            else "added to the stream at the point (all positions)"
        )
        page.section(f"{kind.capitalize()} by layer").text(
            f"Each point's direction {what}; the line is the mean change of the score on the train-side selection "
            "prompts, the star the selected point on the held-out prompts, the grey band the random directions of "
            "the same norm on the held-out prompts (from the weakest to the 95th percentile in the intended direction)."
        ).plot(effect_figure(result, kind))
    page.section("Interventions, controls and costs").table(
        [
            {
                "intervention": r.name,
                "direction": r.source,
                "point": r.point,
                "prompts": f"{r.target} ({r.n})",
                "clean": r.clean_mean,
                "edited": r.edited_mean,
                "effect": r.effect,
                "random p95": r.random_p95,
                "percentile": r.percentile,
                "KL neutral (nats)": r.kl_neutral_nats,
                "nc accuracy change (points)": r.nc_accuracy_change,
            }
            for r in result.interventions
        ]
    )
    page.section("Per subset").table(
        [
            {"intervention": r.name, "subset": s, "n": int(v["n"]), "clean": v["clean"], "edited": v["edited"]}
            for r in result.interventions
            for s, v in r.subsets.items()
        ]
    )
    page.section("Projection onto the direction").text(
        "Mean x · r̂ at the selected point, at the last token of each subset's prompts (the decision point), "
        "for the model and, where given, its base."
    ).table(
        [
            {"model": p.model_name, "role": p.model, "subset": p.subset, "n": p.n, "mean": p.mean, "std": p.std}
            for p in result.projections
        ]
    )
    return page
