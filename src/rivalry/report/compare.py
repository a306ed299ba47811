"""``comparison.html``: what changed between two forbidden-facts runs (table, bar chart, layer x head heatmap)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from rivalry.experiments.compare.result import ComparisonResult as Comparison
from rivalry.experiments.compare.result import SiteChange
from rivalry.report.heatmap import layer_head_heatmap
from rivalry.report.page import Page
from rivalry.report.style import LAYOUT, SUPPRESS_COLOUR, WALUIGI_COLOUR


def changes_bar(changes: Sequence[SiteChange], top: int = 30) -> go.Figure | None:
    """Horizontal bars of the ``top`` largest changes (B - A), largest at the top."""
    shown = [c for c in changes if math.isfinite(c.difference)][:top]
    if not shown:
        return None
    shown = list(reversed(shown))
    fig = go.Figure(
        go.Bar(
            x=[c.difference for c in shown],
            y=[c.site.label for c in shown],
            orientation="h",
            marker={"color": [SUPPRESS_COLOUR if c.difference < 0 else WALUIGI_COLOUR for c in shown]},
            customdata=[[c.effect_a, c.effect_b] for c in shown],
            hovertemplate="%{y}<br>change %{x:+.3f}<br>A %{customdata[0]:+.3f}, B %{customdata[1]:+.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        **LAYOUT,
        height=max(320, 22 * len(shown) + 120),
        xaxis={"title": "change of first-order effect, B - A (log10 odds)"},
        yaxis={"title": None},
    )
    return fig


def head_heatmap(changes: Sequence[SiteChange], n_layers: int, n_heads: int) -> go.Figure | None:
    """The change (B - A) of every head and per-layer site on the one layer x head map."""
    return layer_head_heatmap({c.site: c.difference for c in changes}, n_layers, n_heads, value_name="B - A")


def _behaviour(effect: float) -> str:
    factor = 10 ** abs(effect)
    shown = f"{factor:.1f}" if factor < 100 else f"{factor:,.0f}"
    if effect < 0:
        return f"forbidding the answer lowers its odds {shown}-fold: the model obeys"
    if effect > 0:
        return f"forbidding the answer raises its odds {shown}-fold: the model says the forbidden word more"
    return "forbidding the answer leaves its odds unchanged"


def sites_carrying_change(comparison: Comparison, fraction: float = 0.8) -> tuple[list[SiteChange], bool]:
    """The fewest sites, largest change first in the direction of the total change, whose changes add up to
    ``fraction`` of it; the flag says whether the fraction is reached (first-order changes need not add up)."""
    total = comparison.total_effect_change
    along = sorted((c for c in comparison.changes if c.difference * total > 0), key=lambda c: -abs(c.difference))
    running, chosen = 0.0, []
    for change in along:
        chosen.append(change)
        running += change.difference
        if total and running / total >= fraction:
            return chosen, True
    return chosen[:5], False


def what_changed(comparison: Comparison) -> list[str]:
    """Plain sentences: what the change from A to B did to the behaviour, and which sites carry it."""
    a, b = comparison.run_a, comparison.run_b
    bullets = [
        f"{a.label()} (A): {_behaviour(a.mean_total_effect_log10)} (mean total effect "
        f"{a.mean_total_effect_log10:+.2f} log10 odds over {a.n_facts_kept} facts).",
        f"{b.label()} (B): {_behaviour(b.mean_total_effect_log10)} ({b.mean_total_effect_log10:+.2f} log10 odds "
        f"over {b.n_facts_kept} facts); the change is {comparison.total_effect_change:+.2f}.",
    ]
    carriers, reached = sites_carrying_change(comparison)
    if carriers:
        listed = ", ".join(f"{c.site.label} ({c.effect_a:+.2f} -> {c.effect_b:+.2f})" for c in carriers)
        if reached:
            bullets.append(
                f"The change is carried by {len(carriers)} site(s), whose changes in its direction add up to "
                f"80% of it (first-order, largest first): {listed}."
            )
        else:
            bullets.append(f"The sites that change most in its direction (together under 80% of it): {listed}.")
    return bullets


def add_comparison_sections(page: Page, comparison: Comparison, top: int = 30, prefix: str = "") -> None:
    """Append the comparison's summary, most-changed sites and layer x head heatmap to ``page``."""
    a, b = comparison.run_a, comparison.run_b
    summary = page.section(f"{prefix}Summary", highlight=True)
    summary.bullets(what_changed(comparison))
    summary.text(
        "Each site's first-order effect is its contribution to the change in the answer's log10 odds when the "
        "answer is forbidden (patched from the competing run into the non-competing one). The change is "
        "effect in B minus effect in A: negative (red) means B's site suppresses the forbidden answer more."
    )
    summary.table(
        [
            {
                "run": name,
                "model": run.label(),
                "directory": run.path,
                "split": run.split,
                "format": run.prompt_format,
                "facts kept": run.n_facts_kept,
                "mean total effect (log10)": run.mean_total_effect_log10,
            }
            for name, run in (("A", a), ("B", b))
        ]
    )
    summary.bullets(
        [
            f"Change of the mean total effect: {comparison.total_effect_change:+.3f} log10 odds.",
            f"Sum of all site changes: {sum(c.difference for c in comparison.changes):+.3f} "
            "(first-order effects need not add up to the total effect).",
            "Largest changes: " + ", ".join(f"{c.site.label} ({c.difference:+.2f})" for c in comparison.changes[:5]),
        ]
    )
    changed = page.section(f"{prefix}Sites that changed most")
    bar = changes_bar(comparison.changes, top)
    if bar is not None:
        changed.plot(bar, caption=f"The {top} sites whose first-order effect changed most (B - A).")
    changed.table(
        [c.to_dict() | {"rank": i} for i, c in enumerate(comparison.changes[:top], start=1)],
        columns=["rank", "site", "effect_a", "effect_b", "difference", "rank_a", "rank_b"],
        caption="rank_a / rank_b: the site's place in each run's ranking (most suppressive first).",
    )
    heat = head_heatmap(comparison.changes, a.n_layers, a.n_heads)
    if heat is not None:
        page.section(f"{prefix}Where: layer x head").plot(
            heat, caption="Change of each head's (and each MLP's) first-order effect, B - A."
        )


def report(comparison: Comparison) -> Page:
    """The comparison as its own page (``comparison.html``)."""
    a, b = comparison.run_a, comparison.run_b
    page = Page("Forbidden facts: what changed between two runs", subtitle=f"A: {a.label()}   B: {b.label()}")
    add_comparison_sections(page, comparison, comparison.config.top)
    return page
