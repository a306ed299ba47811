"""HTML reports of ``rivalry heads`` (attention heatmaps, OV tokens) and ``rivalry attack`` (the attack table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from rivalry.report.page import Page, write_page


def build_heads_report(out_dir: Path) -> Path:
    """``report.html`` from ``heads.json`` in ``out_dir``."""
    data: dict[str, Any] = json.loads((out_dir / "heads.json").read_text())
    page = Page("Suppressor heads", subtitle=f"model: {data['model']}")
    mass, ov, paper = data["attention_mass"], data["ov_suppression"], data["paper_llama2_7b_chat"]
    page.section("Summary", highlight=True).text(
        f"{len(data['top_heads'])} top heads chosen by {data['selection']}, over {data['n_facts']} facts.",
        f"From the predicting position, the top heads put {mass['top_competing']:.3f} of their attention on the "
        f"forbidden word when it is the answer (other heads {mass['other_competing']:.4f}); with an irrelevant "
        f"forbidden word {mass['top_non_competing']:.3f}. Paper (Llama-2-7b-chat): {paper['mass_top10']} vs "
        f"{paper['mass_other']}.",
        f"OV suppression score on {data['n_ov_tokens']} answer tokens: top heads {ov['top']:+.3f}, other heads "
        f"{ov['other']:+.3f} (paper: {paper['ov_top10']} vs {paper['ov_other']:+}). Negative: the head lowers the "
        "logit of the token it attends to.",
    )
    example = data["example"]
    figure = go.Figure(
        go.Heatmap(
            z=example["weights"],
            x=[f"{i}:{t}" for i, t in enumerate(example["tokens"])],
            y=example["heads"],
            colorscale="Blues",
            colorbar={"title": "attention"},
        )
    )
    figure.update_layout(height=120 + 28 * len(example["heads"]), xaxis={"tickangle": -60}, margin={"b": 160})
    page.section("Where the top heads look").plot(
        figure, caption="Attention from the predicting (last) position over the first fact's competing prompt."
    )
    rows = [
        {
            "head": h["site"],
            "mass competing": h["mass_competing"],
            "mass irrelevant": h["mass_nc_irrelevant"],
            "OV suppression": h["ov_suppression"],
            "down-weighted most": ", ".join(t["token"].strip() for t in h["down_weighted_most"]),
            "down-weighted least": ", ".join(t["token"].strip() for t in h["down_weighted_least"]),
        }
        for h in data["top_heads"]
    ]
    page.section("Top heads: attention and OV circuit").table(
        rows, caption="OV tokens: answer tokens whose own logit the head lowers most / least when attending to them."
    )
    return write_page(page, out_dir / "report.html")


def build_attack_report(out_dir: Path) -> Path:
    """``report.html`` from ``attacks.json`` in ``out_dir``."""
    data: dict[str, Any] = json.loads((out_dir / "attacks.json").read_text())
    page = Page("California-style attacks", subtitle=f"model: {data['model']}")
    base, free = data["baseline"], data["best_answer_free"]
    summary = page.section("Summary", highlight=True)
    summary.text(
        f"{data['n_facts_attacked']} of {data['n_facts_total']} facts attacked (clean p(answer) above "
        f"{data['settings']['min_clean_probability']}); heads: {', '.join(data['heads'])}. An attack succeeds on a "
        "fact when the answer's log10 odds fall by at least 1 (odds down 10x) on a non-competing prompt."
    )
    if base:
        summary.text(f"California baseline ({base['attack']}): success rate {base['success_rate']:.0%}.")
    if free:
        summary.text(f"Best answer-free attack ({free['attack']}): success rate {free['success_rate']:.0%}.")
    search_rows = [{"template": t, **s} for t, s in data["search"]["per_template"].items()]
    page.section("Vocabulary search").table(
        search_rows, caption=f"How often the heads' search ranks the answer first; mean Spearman (approx vs exact) "
        f"{data['search']['mean_spearman']:.3f}."
    )  # fmt: skip
    page.section("Attacks").table(data["attacks"], caption="Ranked by success rate, then mean effect.")
    return write_page(page, out_dir / "report.html")
