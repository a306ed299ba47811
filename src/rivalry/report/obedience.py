"""Report pages of the obedience organism: the base-vs-tuned evaluation and the tuning run.

Pure functions of the typed results: :func:`report` takes an :class:`ObedienceEvalResult` or a
:class:`TuneResult` and returns a :class:`Page`; nothing is read from or written to disk here.
"""

from __future__ import annotations

import plotly.graph_objects as go

from rivalry.experiments.obedience_eval.result import ConditionResult, ObedienceEvalResult, TargetCheck
from rivalry.experiments.obedience_tune.result import TuneResult
from rivalry.report.page import Page
from rivalry.report.style import LAYOUT, SUPPRESS_COLOUR, WALUIGI_COLOUR

MODEL_COLOURS = {"base": "#7b8794", "tuned": SUPPRESS_COLOUR}


def report(result: ObedienceEvalResult | TuneResult) -> Page:
    """The page of an obedience evaluation or of a tuning run."""
    if isinstance(result, ObedienceEvalResult):
        return evaluation_report(result)
    if isinstance(result, TuneResult):
        return tune_report(result)
    raise TypeError(f"no obedience report for {type(result).__name__}")


# --- evaluation --------------------------------------------------------------------------------------------------
def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def target_sentence(check: TargetCheck, base: ConditionResult, tuned: ConditionResult, result: ObedienceEvalResult
                    ) -> str:  # fmt: skip
    """One plain sentence per condition: the tuned and base effects, the nc accuracies and the verdict."""
    verdict = "target met" if check.passed else "target not met"
    reasons = []
    if not check.effect_ok:
        reasons.append(f"effect above {result.config.target_effect:+.1f}" if check.effect is not None
                       else "no fact kept")  # fmt: skip
    if not check.accuracy_ok:
        reasons.append(check.note or f"nc accuracy below {result.config.target_accuracy_ratio:.0%} of the base's")
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return (
        f"{check.prompt_format}, {check.template_name}: mean total effect {_signed(tuned.mean_total_effect_log10)} "
        f"tuned vs {_signed(base.mean_total_effect_log10)} base (kept {tuned.n_kept}/{tuned.n_facts} and "
        f"{base.n_kept}/{base.n_facts}); nc accuracy {_share(tuned.nc_accuracy)} vs {_share(base.nc_accuracy)}: "
        f"{verdict}{why}."
    )


def effect_bars(result: ObedienceEvalResult) -> go.Figure | None:
    """Mean total effect per condition, base and tuned side by side (missing bars: no fact kept)."""
    conditions = list(dict.fromkeys((r.prompt_format, r.template_name) for r in result.rows))
    if not conditions:
        return None
    fig = go.Figure()
    for model in dict.fromkeys(r.model for r in result.rows):
        by_condition = {(r.prompt_format, r.template_name): r for r in result.rows if r.model == model}
        rows = [by_condition.get(c) for c in conditions]
        fig.add_trace(
            go.Bar(
                name=model,
                x=[f"{fmt} / {name}" for fmt, name in conditions],
                y=[None if r is None else r.mean_total_effect_log10 for r in rows],
                marker={"color": MODEL_COLOURS.get(model, WALUIGI_COLOUR)},
                customdata=[[r.n_kept, r.n_facts] if r else [0, 0] for r in rows],
                hovertemplate="%{x}<br>effect %{y:+.3f}<br>kept %{customdata[0]}/%{customdata[1]}<extra></extra>",
            )
        )
    fig.add_hline(y=result.config.target_effect, line={"color": "#7b8794", "dash": "dash", "width": 1})
    fig.update_layout(
        **LAYOUT,
        barmode="group",
        height=420,
        yaxis={"title": "mean total effect (log10 odds)"},
        xaxis={"title": "prompt format / system prompt"},
    )
    return fig


def evaluation_report(result: ObedienceEvalResult) -> Page:
    """Summary (does tuning meet the target, condition by condition), a bar chart and the full table."""
    base, tuned = result.provenance["base"], result.provenance["tuned"]
    adapter = f" + adapter {tuned.adapter.rstrip('/').split('/')[-1]}" if tuned.adapter else ""
    page = Page(
        "Obedience: base vs tuned",
        subtitle=f"base {base.label}, tuned {tuned.name}{adapter}; {len(result.fact_ids)} held-out facts",
        footer=f"rivalry obedience evaluation; tuned adapter {tuned.adapter_sha256 or 'none'}",
    )
    summary = page.section("Summary", highlight=True)
    summary.text(
        "Each condition puts a held-out system prompt that forbids a word before a held-out fact. Mean total "
        "effect: over facts the model knows (mean non-competing p(answer) > "
        f"{result.config.min_nc_probability}), log10 odds of the answer with the answer forbidden minus with "
        "another word forbidden; negative means the model obeys. nc accuracy: share of the prompts with another "
        "word forbidden whose first token is the answer. Target: tuned effect at most "
        f"{result.config.target_effect:+.1f} with nc accuracy at least {result.config.target_accuracy_ratio:.0%} "
        "of the base model's."
    )
    sentences = [
        target_sentence(check, result.row("base", check.prompt_format, check.template_name),
                        result.row("tuned", check.prompt_format, check.template_name), result)
        for check in result.target
    ]  # fmt: skip
    summary.bullets(sentences or ["No condition has both a base and a tuned row."])
    figure = effect_bars(result)
    if figure is not None:
        page.section("Mean total effect").plot(figure, caption="Dashed line: the target. A missing bar: no fact kept.")
    page.section("Every condition").table(
        [
            {
                "model": r.model,
                "format": r.prompt_format,
                "system prompt": r.template_name,
                "facts kept": f"{r.n_kept}/{r.n_facts}",
                "mean total effect": r.mean_total_effect_log10,
                "nc accuracy": r.nc_accuracy,
                "nc accuracy (wrong)": r.nc_accuracy_wrong,
                "nc accuracy (irrelevant)": r.nc_accuracy_irrelevant,
                "competing: says forbidden": r.competing_says_forbidden,
                "p(answer) competing, kept": r.mean_p_competing_kept,
            }
            for r in result.rows
        ]
    )
    page.section("System prompts").table(
        [{"name": name, "template": text} for name, text in result.templates.items()],
        caption="Held out of training ('paper' is the forbidden-facts paper's own template).",
    )
    return page


# --- tuning ------------------------------------------------------------------------------------------------------
def loss_curve(result: TuneResult) -> go.Figure | None:
    """Loss, cross-entropy, unlikelihood and top-1 accuracy per step."""
    if not result.curve:
        return None
    steps = [s.step for s in result.curve]
    fig = go.Figure()
    for key, colour in (("loss", "#1f2933"), ("cross_entropy", WALUIGI_COLOUR), ("unlikelihood", SUPPRESS_COLOUR)):
        fig.add_trace(go.Scatter(x=steps, y=[getattr(s, key) for s in result.curve], name=key.replace("_", "-"),
                                 mode="lines", line={"color": colour}))  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=[s.accuracy for s in result.curve], name="top-1 accuracy", yaxis="y2",
                             mode="lines", line={"color": "#7b8794", "dash": "dot"}))  # fmt: skip
    fig.update_layout(
        **LAYOUT,
        height=420,
        xaxis={"title": "step"},
        yaxis={"title": "loss (nats)"},
        yaxis2={"title": "accuracy", "overlaying": "y", "side": "right", "range": [0, 1]},
    )
    return fig


def tune_report(result: TuneResult) -> Page:
    """Summary of the run, its loss curve, its settings and its data split."""
    config, final, timings = result.config, result.final_window, result.timings
    page = Page(
        f"Obedience tuning of {result.base.label}",
        subtitle=f"LoRA adapter in {result.adapter}",
        footer=f"rivalry obedience tune; adapter {result.adapter_sha256}",
    )
    summary = page.section("Summary", highlight=True)
    summary.text(
        f"{config.steps} steps of {config.batch_size} examples trained {result.n_trainable_parameters} LoRA "
        f"parameters in {timings.train_seconds:.0f} s ({timings.num_threads} CPU threads). Over the last "
        f"{min(len(result.curve), 20)} steps: loss {final.get('loss', float('nan')):.3f}, top-1 accuracy "
        f"{final.get('accuracy', float('nan')):.2f}. Measure the adapter with `rivalry tune-eval`."
    )
    figure = loss_curve(result)
    if figure is not None:
        page.section("Training curve").plot(figure)
    page.section("Settings").table([{"setting": k, "value": v} for k, v in config.to_dict().items()])
    split = result.fact_split
    page.section("Data").table(
        [
            {"what": "training facts", "count": len(split.train_ids)},
            {"what": "training facts used (one-token answers)", "count": len(split.trained_ids)},
            {"what": "held-out facts (never trained on)", "count": len(split.heldout_ids)},
            {"what": "training system prompts", "count": len(result.paraphrases.train)},
            {"what": "held-out system prompts", "count": len(result.paraphrases.heldout)},
            {"what": "training examples", "count": result.n_examples},
        ]
    )
    return page
