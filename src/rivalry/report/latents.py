"""The latents report page: per-layer probe curves against their controls (both models), the output leak, and for
the genre posterior the probe's posterior against the exact one on a few held-out texts.

Built from a :class:`~rivalry.experiments.latents.LatentsResult` only; nothing here reads or writes files.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rivalry.experiments.latents import LatentsResult
from rivalry.report.page import Page

DASH = {"model": "solid", "compare_with": "dot"}


def _num(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ci(block: Any) -> str:
    if not block or block.get("low") is None:
        return _num(block.get("value") if block else None)
    return f"{_num(block['value'])} [{_num(block['low'])}, {_num(block['high'])}]"


def summary_lines(result: LatentsResult) -> list[str]:
    """One line per model (best layer's probe, controls, output leak) and the reading for two models."""
    metric = result.metric
    lines = []
    for role, block in result.models.items():
        best = result.best(role)
        line = (
            f"{block['name']}: best layer {best['point']} {metric} {_ci(block.get('probe_ci'))} (random init "
            f"{_num(best.get('control_random_init'))}, shuffled labels {_num(best.get('control_shuffled'))})"
        )
        if result.continuous and best.get("probe_kl_nats") is not None:
            line += (
                f"; softmax probe KL {_num(best['probe_kl_nats'], 4)} nats (after 20 tokens "
                f"{_num(best.get('probe_kl_nats_after_20_tokens'), 4)}; the model's own header posterior "
                f"{_num(block.get('model_posterior_kl_nats'), 4)})"
            )
        leak = block.get("output_leak")
        if leak:
            line += (
                f"; output leak: next-token AUROC {_ci(leak['next_token_auroc_ci'])}, samples AUROC "
                f"{_ci(leak['samples_auroc_ci'])}, >= {_ci(leak['bits_lower_bound_ci'])} bits of "
                f"H = {_num(leak['label_entropy_bits'])}"
            )
            word = leak.get("forbidden_word")
            if word and word.get("n_items"):
                line += (
                    f"; which word was forbidden: top-1 {_num(word['top1_most_suppressed'])} (most suppressed),"
                    f" {_num(word['top1_most_boosted'])} (most boosted), chance {_num(word['chance'])}"
                )
        lines.append(line + ".")
    if result.comparison is not None:
        lines.append(f"Reading: {result.comparison['reading_text']}.")
    return lines


def layer_figure(result: LatentsResult) -> go.Figure:
    """The probe's held-out score per residual point, with the random-init and shuffled-label controls."""
    metric = result.metric
    fig = go.Figure()
    for role, block in result.models.items():
        layers = block["layers"]
        x = [row["layer"] for row in layers]
        dash = DASH.get(role, "solid")
        fig.add_scatter(
            x=x, y=[row.get(metric) for row in layers], name=f"{block['name']}: probe", line={"dash": dash, "width": 3}
        )
        fig.add_scatter(
            x=x,
            y=[row.get("control_shuffled") for row in layers],
            name=f"{block['name']}: shuffled labels",
            line={"dash": dash, "color": "gray"},
        )
        if any(row.get("control_random_init") is not None for row in layers):
            fig.add_scatter(
                x=x,
                y=[row.get("control_random_init") for row in layers],
                line={"dash": dash, "color": "black"},
                name=f"{block['name']}: random-init model",
            )
    fig.update_layout(
        xaxis_title="residual point (l = stream entering block l; last = before the final norm)",
        yaxis_title=f"held-out {metric}",
        height=420,
        margin={"t": 30},
    )
    return fig


def leak_figure(result: LatentsResult) -> go.Figure:
    """Bars: the next-token and samples observers' AUROC and the bits bound, per model, with intervals."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("observer AUROC (held-out)", "I(label; output) >= bits"))
    for role, block in result.models.items():
        leak = block.get("output_leak")
        if not leak:
            continue
        bars = [("next token", leak["next_token_auroc_ci"]), ("samples", leak["samples_auroc_ci"])]
        bits = [("next token", leak["bits_lower_bound_ci"]), ("samples", leak["samples_bits_lower_bound_ci"])]
        for col, entries in ((1, bars), (2, bits)):
            fig.add_bar(
                x=[name for name, _ in entries],
                y=[e["value"] for _, e in entries],
                name=block["name"],
                row=1,
                col=col,
                showlegend=col == 1,
                legendgroup=role,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        (e["high"] - e["value"]) if e["high"] is not None and e["value"] is not None else 0
                        for _, e in entries
                    ],
                    "arrayminus": [
                        (e["value"] - e["low"]) if e["low"] is not None and e["value"] is not None else 0
                        for _, e in entries
                    ],
                },
            )
    fig.update_layout(barmode="group", height=380, margin={"t": 40})
    return fig


def posterior_figure(result: LatentsResult, role: str = "model", n_texts: int = 3) -> go.Figure | None:
    """The best layer's softmax-probe posterior (dashed) against the exact posterior (solid) on a few texts."""
    probe = result.arrays.get(f"{role}.probe_posterior")
    if probe is None:
        return None
    exact, texts, tokens = result.arrays["exact_posterior"], result.arrays["test_text"], result.arrays["test_token"]
    chosen = list(dict.fromkeys(texts.tolist()))[:n_texts]
    fig = make_subplots(rows=1, cols=len(chosen), subplot_titles=[f"held-out text {t}" for t in chosen])
    colors = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
    for col, text in enumerate(chosen, start=1):
        rows = (texts == text).nonzero().flatten()
        x = tokens[rows].tolist()
        for j, name in enumerate(result.variable["classes"]):
            color = colors[j % len(colors)]
            fig.add_scatter(
                x=x,
                y=exact[rows, j].tolist(),
                name=f"exact {name}",
                legendgroup=name,
                line={"color": color},
                showlegend=col == 1,
                row=1,
                col=col,
            )
            fig.add_scatter(
                x=x,
                y=probe[rows, j].tolist(),
                name=f"probe {name}",
                legendgroup=name,
                line={"color": color, "dash": "dash"},
                showlegend=col == 1,
                row=1,
                col=col,
            )
    fig.update_layout(height=360, margin={"t": 40}, yaxis_title="P(genre | x_1..t)")
    return fig


def report(result: LatentsResult) -> Page:
    """The page of one latents run."""
    variable = result.variable
    models = ", ".join(block["name"] for block in result.models.values())
    page = Page("Latent inference and the information leak", subtitle=f"{models} · variable: {variable['name']}")
    page.section("Summary", highlight=True).bullets(summary_lines(result))
    page.section("The hidden variable").text(
        f"{variable['name']}: {variable['description']}. Classes {', '.join(variable['classes'])}; "
        f"{variable['n_items']} items, {variable['n_train']} to fit and {variable['n_test']} held out on every "
        f"group key ({', '.join(variable['group_keys'])}) at once; read at {variable['read_at']} token(s)."
    )
    sec = page.section("Internal decodability per layer")
    sec.text(
        "A linear probe per residual point (scikit-learn, regularisation chosen by grouped cross-validation on the "
        "fitting groups), scored on held-out groups. Controls: the same probe on a randomly initialised model of "
        "the same architecture, and on shuffled fitting labels; selectivity = probe minus control. The best layer "
        "is chosen by the cross-validated score on the fitting groups, not on the held-out ones."
    )
    sec.plot(layer_figure(result))
    sec.table(result.layer_rows())
    if any(block.get("output_leak") for block in result.models.values()):
        page.section("Output leak").text(
            "Observers that see only the output: a logistic classifier on the log-probabilities of the most likely "
            "next tokens, and one on the bag of tokens of a sampled continuation (temperature 1, seeded). "
            "I(label; output) >= max(0, H(label) - CE(observer)), on held-out groups; intervals: 95 % bootstrap "
            "over held-out groups."
        ).plot(leak_figure(result))
    if result.continuous:
        fig = posterior_figure(result)
        if fig is not None:
            page.section("Probe posterior against the exact posterior").plot(fig)
    if result.comparison is not None:
        c = result.comparison
        page.section("Base vs tuned").bullets(
            [f"probe Δ ({c['model']} minus {c['compare_with']}): {_ci(c['probe_delta'])}"]
            + (
                [f"next-token observer AUROC Δ: {_ci(c['next_token_auroc_delta'])}", f"bits Δ: {_ci(c['bits_delta'])}"]
                if "next_token_auroc_delta" in c
                else []
            )
            + [f"reading: {c['reading_text']}"]
        )
    return page
