"""The forbidden-facts report page, built from a :class:`ForbiddenFactsResult` alone (pure: reads and writes nothing).

``report(result, comparison=None)`` gives a plain-language summary (which way the instruction moves the
answer, how many facts were kept, how many sites explain the effect, which sites matter), plots and
tables. Sign convention: a negative effect lowers the answer's log10-odds (the model obeys the
instruction); a positive effect is a "Waluigi" push towards the forbidden word.
"""

import math
from typing import Any

from rivalry.experiments.compare.result import ComparisonResult
from rivalry.experiments.forbidden_facts.result import ForbiddenFactsResult as ForbiddenFactsRun
from rivalry.experiments.forbidden_facts.result import SiteEffect as Site
from rivalry.report import forbidden_facts_plots as plots
from rivalry.report.compare import add_comparison_sections
from rivalry.report.page import Page, Section, format_value

N_BAR_SITES = 15
N_TABLE_SITES = 20
_KIND_WORDS = {
    "competing": "with the correct answer forbidden (competing)",
    "nc_wrong": "with a wrong answer forbidden",
    "nc_irrelevant": "with an irrelevant word forbidden",
}


def _factor(log10_effect: float) -> str:
    """``10**|effect|`` as a readable multiplication factor."""
    factor = 10 ** abs(log10_effect)
    return f"{factor:.2f}" if factor < 100 else f"{factor:.3g}"


def direction_sentence(model: str, mean_effect: float | None, n_facts: int | None) -> str:
    """One honest sentence on which way forbidding the correct answer moves it, for this model."""
    if mean_effect is None or not math.isfinite(mean_effect):
        return f"For {model}, the mean total effect could not be computed (n/a), so the direction is unknown."
    over = f" over {n_facts} facts" if n_facts else ""
    detail = f"(mean total effect {mean_effect:+.3g} log10-odds{over})"
    if mean_effect < 0:
        return (
            f"For {model}, forbidding the correct answer lowers its odds by a factor of "
            f"{_factor(mean_effect)} on average {detail}: the model mostly obeys the instruction."
        )
    if mean_effect > 0:
        return (
            f"For {model}, forbidding the correct answer backfires: the model says the forbidden word MORE "
            f"often, its odds are raised by a factor of {_factor(mean_effect)} on average {detail}. "
            "On average this model does not obey the instruction."
        )
    return f"For {model}, forbidding the correct answer leaves its odds unchanged on average {detail}."


def _site_list(sites: list[Site]) -> str:
    return ", ".join(f"{s.label} ({s.effect_mean:+.3g})" for s in sites)


def suppressive_sites(run: ForbiddenFactsRun, n: int) -> list[Site]:
    """The ``n`` sites with the most negative effect (only those below zero)."""
    return [s for s in run.sites if s.effect_mean < 0][:n]


def waluigi_sites(run: ForbiddenFactsRun, n: int) -> list[Site]:
    """The ``n`` sites with the most positive effect (only those above zero)."""
    return sorted((s for s in run.sites if s.effect_mean > 0), key=lambda s: -s.effect_mean)[:n]


def _facts_sentence(run: ForbiddenFactsRun) -> str:
    kept = run.n_facts_kept if run.n_facts_kept is not None else len(run.facts)
    total = format_value(run.n_facts_total)
    reasons = sorted(run.n_facts_dropped.items(), key=lambda kv: -kv[1])
    n_dropped = sum(c for _, c in reasons)
    if n_dropped == 0:
        return f"{kept} of {total} facts were kept; none were dropped."
    why = "; ".join(f"{reason}: {count}" for reason, count in reasons)
    return f"{kept} of {total} facts were kept; {n_dropped} were dropped ({why})."


def _fraction_sentence(run: ForbiddenFactsRun) -> str | None:
    if not run.k_for_fraction:
        return None
    parts = []
    for frac, k in run.k_for_fraction.items():
        pct = f"{frac:.0%}"
        if k is None:
            parts.append(f"no number of sites reaches {pct}")
        else:
            parts.append(f"{k} sites reach {pct}" if k != 1 else f"1 site reaches {pct}")
    return (
        f"Of {len(run.sites)} sites, ranked by effect in the direction of the total effect: "
        + ", ".join(parts)
        + " of the total effect."
    )


def summary_bullets(run: ForbiddenFactsRun) -> list[str]:
    """The plain-language summary, one finding per bullet."""
    p = run.mean_p_correct
    bullets = [
        direction_sentence(run.model, run.mean_total_effect, run.n_facts_kept or len(run.facts) or None),
        _facts_sentence(run),
        "Mean probability of the correct answer: "
        + "; ".join(f"{format_value(p.get(k))} {words}" for k, words in _KIND_WORDS.items())
        + ".",
    ]
    fractions = _fraction_sentence(run)
    if fractions:
        bullets.append(fractions)
    top_down, top_up = suppressive_sites(run, 3), waluigi_sites(run, 3)
    bullets.append(
        f"Most suppressive sites (lower the answer's odds): {_site_list(top_down)}."
        if top_down
        else "No site lowers the answer's odds (no suppressive sites)."
    )
    bullets.append(
        f"Strongest Waluigi sites (push the forbidden answer up): {_site_list(top_up)}."
        if top_up
        else "No site has a positive effect (no Waluigi sites)."
    )
    return bullets


def _site_rows(run: ForbiddenFactsRun) -> list[dict[str, Any]]:
    finite = [s for s in run.sites if math.isfinite(s.effect_mean)]
    top = sorted(finite, key=lambda s: -abs(s.effect_mean))[:N_TABLE_SITES]
    total = run.mean_total_effect
    return [
        {
            "rank": s.rank,
            "site": s.label,
            "kind": s.kind,
            "layer": s.layer,
            "head": s.head,
            "effect (log10-odds)": s.effect_mean,
            "std": s.effect_std,
            "% of total effect": 100 * s.effect_mean / total if total else None,
            "role": "suppressive" if s.effect_mean < 0 else "Waluigi" if s.effect_mean > 0 else "none",
        }
        for s in top
    ]


def _flatten(settings: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_flatten(value, f"{name}."))
        else:
            rows.append({"setting": name, "value": value})
    return rows


def _add_plot_or_note(section: Section, figure: Any, caption: str, note: str) -> None:
    if figure is None:
        section.text(note)
    else:
        section.plot(figure, caption)


def report(run: ForbiddenFactsRun, comparison: ComparisonResult | None = None) -> Page:
    """The report page of a forbidden-facts result; with ``comparison`` (e.g. base -> this run), its sections too."""
    p = run.provenance["model"]
    adapter = f", adapter {p.adapter_sha256[:12]}" if p.adapter_sha256 else ""
    page = Page(
        f"Forbidden facts: {run.model}",
        subtitle="Which residual-stream sites make the model obey (or defy) an instruction not to say the answer.",
        footer=f"Generated by rivalry from a {run.KIND} result (schema {run.SCHEMA_VERSION}); model {p.name} "
        f"({p.dtype} on {p.device}{adapter}).",
    )
    summary = page.section("Summary", highlight=True)
    summary.bullets(summary_bullets(run))
    summary.text(
        "How to read the site effects: each site's effect is the change in the answer's log10-odds when its "
        "output from the competing run (answer forbidden) is patched into a non-competing run. Negative "
        "(red) means the site suppresses the answer, i.e. it carries out the instruction; positive (blue) "
        "marks a 'Waluigi' site that pushes the forbidden answer up."
    )

    sec = page.section("Probability of the correct answer")
    _add_plot_or_note(
        sec,
        plots.p_correct_scatter(list(run.facts)),
        "One point per fact and non-competing prompt. Points below the dashed line: forbidding the correct "
        "answer made it less likely than forbidding another word. Hover for the fact id and answer.",
        "No fact has valid (positive) probabilities to plot.",
    )

    sec = page.section("How many sites explain the effect")
    _add_plot_or_note(
        sec,
        plots.cumulative_curve(
            run.cumulative_k, run.cumulative_sum, run.mean_total_effect or math.nan, run.k_for_fraction
        ),
        "Sum of the first-order effects of the k strongest sites (ranked in the direction of the total "
        "effect). Dotted lines: 80%, 90% and 100% of the mean total effect; diamonds: the smallest k that "
        "reaches each fraction.",
        "This run has no cumulative curve.",
    )

    sec = page.section("Strongest sites")
    _add_plot_or_note(
        sec,
        plots.site_bars(suppressive_sites(run, N_BAR_SITES), "Most suppressive sites", plots.SUPPRESS_COLOUR),
        "Sites that most lower the answer's odds. Error bars: ±1 standard deviation across facts.",
        "No site has a negative effect.",
    )
    _add_plot_or_note(
        sec,
        plots.site_bars(waluigi_sites(run, N_BAR_SITES), "Strongest Waluigi sites", plots.WALUIGI_COLOUR),
        "Sites that most raise the forbidden answer's odds. Error bars: ±1 standard deviation across facts.",
        "No site has a positive effect (no Waluigi sites).",
    )
    sec.table(
        _site_rows(run),
        caption=f"The {N_TABLE_SITES} sites with the largest |effect|; rank is the "
        "position in sites.csv (most suppressive first).",
        empty_text="No sites in this run.",
    )

    sec = page.section("Where in the model")
    others = [s for s in run.sites if s.kind in ("embed", "pos_embed")]
    _add_plot_or_note(
        sec,
        plots.layer_head_heatmap(list(run.sites), run.n_layers, run.n_heads),
        "Effect of every attention head (left) and of each layer's MLP and attention bias (right), on one "
        "colour scale centred on 0: red suppresses the answer, blue pushes it up; blank = not measured."
        + (" Not shown: " + _site_list(others) + "." if others else ""),
        "This run has no per-layer sites to map.",
    )

    sec = page.section("Joint patching check")
    _add_plot_or_note(
        sec,
        plots.joint_check_scatter([(j.k, j.sum_first_order, j.joint) for j in run.joint_check]),
        "Patching the top-k sites together versus adding up their separate (first-order) effects. Points "
        "on the dashed line mean the effects add up; far from it, the sites interact.",
        "This run has no joint-patching check.",
    )

    sec = page.section("Facts kept and dropped")
    sec.text(_facts_sentence(run))
    sec.table(
        [{"reason": r, "facts dropped": c} for r, c in sorted(run.n_facts_dropped.items(), key=lambda kv: -kv[1])],
        empty_text="No facts were dropped.",
    )

    page.section("Settings").table(_flatten(run.settings), empty_text="No settings recorded.")
    if comparison is not None:
        add_comparison_sections(
            page, comparison, comparison.config.top, prefix=f"Compared with {comparison.run_a.label()}: "
        )
    return page
